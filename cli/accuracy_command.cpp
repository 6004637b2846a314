#include "cli/accuracy_command.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "certify/optimized_impl.hpp"
#include "certify/profile.hpp"
#include "certify/suite.hpp"
#include "core/registry.hpp"
#include "optimized/evaluate.hpp"
#include "optimized/kernels.hpp"

namespace lossoracle::cli {

namespace {

using certify::Dtype;

long double exact_of(const reference::RoundedValue& v) {
  if (v.status == reference::ProofStatus::zero) return 0;
  return std::strtold(v.decimal.c_str(), nullptr);
}

bool comparable(const reference::RoundedValue& v) {
  return v.status != reference::ProofStatus::unresolved && v.status != reference::ProofStatus::nan &&
         std::isfinite(v.f64);
}

std::string isa_list() {
  std::string s;
  for (const optimized::KernelTable* t : optimized::runnable_tables()) s += (s.empty() ? "" : ", ") + std::string(t->isa);
  return s;
}

std::string number(double v) {
  std::ostringstream s;
  s.precision(3);
  s << v;
  return s.str();
}

}  // namespace

namespace {

std::vector<AccuracyRow> measure_with_current_table(const AccuracyOptions& options) {
  std::vector<std::string> losses = options.losses.empty() ? optimized::bound_losses() : options.losses;
  std::vector<AccuracyRow> rows;
  certify::OptimizedImplementation impl;
  for (const std::string& loss : losses) {
    for (Dtype d : {Dtype::float64, Dtype::float32}) {
      certify::SuiteOptions so;
      so.level = *certify::parse_level(options.suite);
      so.dtype = d;
      so.seed = options.seed;
      so.golden_dir = options.golden_dir;
      std::map<std::string, AccuracyRow> by_output;
      std::vector<std::string> order;
      for (const certify::SuiteCase& c : certify::build_suite(loss, so)) {
        if (c.expect == certify::Expect::invalid || !c.answer) continue;
        const certify::ImplResult r = impl.evaluate(c.request, d);
        if (r.kind != certify::ImplResult::Kind::outputs) continue;  // the certify tests judge rejections
        for (const auto& expected : c.answer->outputs) {
          const certify::ImplOutput* got = nullptr;
          for (const auto& o : r.outputs)
            if (o.name == expected.name) got = &o;
          if (!got || got->values.size() != expected.values.size()) continue;
          if (!by_output.count(expected.name)) {
            order.push_back(expected.name);
            by_output[expected.name] = {loss, certify::dtype_name(d), expected.name, 0, 0, "", 0, ""};
          }
          AccuracyRow& row = by_output[expected.name];
          long double max_abs = 0;
          for (const auto& e : expected.values)
            if (comparable(e)) max_abs = std::max(max_abs, std::fabs(exact_of(e)));
          const long double scale = certify::output_scale(expected.name, max_abs, c.request);
          for (std::size_t i = 0; i < expected.values.size(); ++i) {
            const auto& e = expected.values[i];
            if (!comparable(e) || !std::isfinite(got->values[i])) continue;
            const long double exact = exact_of(e);
            const long double diff = std::fabs(static_cast<long double>(got->values[i]) - exact);
            const double ulps = static_cast<double>(diff / certify::ulp_at(d, exact));
            const double scaled = static_cast<double>(diff / certify::ulp_at(d, scale));
            const std::string where = c.id + " " + expected.name + "[" + std::to_string(i) + "]";
            ++row.elements;
            if (ulps > row.max_ulps || row.worst_case.empty()) row.max_ulps = ulps, row.worst_case = where;
            if (scaled > row.max_scaled_ulps || row.worst_scaled_case.empty())
              row.max_scaled_ulps = scaled, row.worst_scaled_case = where;
          }
        }
      }
      for (const auto& name : order) rows.push_back(by_output[name]);
    }
  }
  return rows;
}

}  // namespace

std::vector<AccuracyRow> measure_accuracy(const AccuracyOptions& options) {
  std::vector<AccuracyRow> merged;
  for (const optimized::KernelTable* table : optimized::runnable_tables()) {
    optimized::use_kernel_table(table);
    std::vector<AccuracyRow> rows;
    try {
      rows = measure_with_current_table(options);
    } catch (...) {
      optimized::use_kernel_table(nullptr);
      throw;
    }
    const std::string tag = std::string(" [") + table->isa + "]";
    for (AccuracyRow& r : rows) {
      r.worst_case += tag;
      r.worst_scaled_case += tag;
      auto it = std::find_if(merged.begin(), merged.end(), [&](const AccuracyRow& m) {
        return m.loss == r.loss && m.dtype == r.dtype && m.output == r.output;
      });
      if (it == merged.end()) {
        merged.push_back(r);
        continue;
      }
      if (r.max_ulps > it->max_ulps) it->max_ulps = r.max_ulps, it->worst_case = r.worst_case;
      if (r.max_scaled_ulps > it->max_scaled_ulps)
        it->max_scaled_ulps = r.max_scaled_ulps, it->worst_scaled_case = r.worst_scaled_case;
    }
  }
  optimized::use_kernel_table(nullptr);
  return merged;
}

// Budgets are powers of two, some far beyond 2^63 (an elementwise ulp count
// where the exact value is a tiny remainder of cancellation).
static std::string budget_text(double b) {
  if (b <= 0x1p53) return std::to_string(static_cast<long long>(b));
  return "2^" + std::to_string(std::ilogb(b));
}

std::string accuracy_markdown(const std::vector<AccuracyRow>& rows, const AccuracyOptions& options) {
  std::ostringstream s;
  s << "# Accuracy of the optimized CPU tier\n\n"
    << "Generated by `./build/cli/lossoracle accuracy --suite " << options.suite << " --seed " << options.seed
    << " --out docs/accuracy.md` (do not edit by hand; `lossoracle accuracy --check` and the ctest entry "
       "`optimized.Accuracy*` compare a fresh measurement with the budgets below).\n\n"
    << "Inputs: every case of the certify `" << options.suite
    << "` suite of each loss and dtype (docs/certify.md): the golden vectors (golden/vectors/*.json), the "
       "corner table applied to them and seeded random draws. Values the oracle leaves unresolved, NaN or "
       "infinite are excluded here (certify judges them exactly).\n\n"
    << "Two measures per output:\n\n"
    << "- **max ulp**: |got - exact| / ulp(exact), elementwise, in ulps of the dtype. This is what certify's "
       "`tight` profile bounds; its per-(loss, dtype, output) budget (certify/profile.cpp, `tight_budget_ulps`) is the "
       "table under *Budgets*.\n"
    << "- **scaled ulp**: |got - exact| / ulp(scale), where scale is max |exact| over the output tensor and, for a "
       "gradient (linear in the cotangent), also max |grad_output| (1 when none is given): the error in units of "
       "the output's scale (certify/profile.cpp, `output_scale`). Where an output is a difference of nearly equal terms (a gradient p_j - t_j near "
       "agreement, log_softmax's g_j - p_j sum g, kl_div's t log t - t x, entropy's -(1 + log p) near 1/e, "
       "values in the subnormal range), the elementwise ulp count measures the cancellation, not the "
       "implementation: no method working in the dtype's precision from the same formula can bound it. "
       "The scaled figure is the meaningful bound there.\n\n"
    << "Every instruction set this CPU runs is measured (the worst input names it in brackets) and the "
       "table keeps the largest error of any: the run-time dispatch may pick another one elsewhere. This run: "
    << isa_list() << ".\n\n"
    << "Where each value is computed: every kernel works in binary64 for float and double inputs alike and "
       "rounds once to the dtype on output (float inputs are accumulated in binary64, wider than their "
       "precision), except the e_j = exp(x_j - m) of float rows that the kernels keep as floats: those are "
       "computed in binary32 lanes with x - m carried exactly (optimized/vecmath.hpp, exp_shifted_f32; within "
       "0.61 float ulp before their rounding) and summed in binary64; row sums use 8 fixed lanes, reductions "
       "over positions Neumaier's compensated sum in index order.\n\n"
    << "| loss | dtype | output | elements | max ulp | worst input (max ulp) | scaled ulp | worst input (scaled) |\n"
    << "|---|---|---|---:|---:|---|---:|---|\n";
  for (const AccuracyRow& r : rows)
    s << "| " << r.loss << " | " << r.dtype << " | " << r.output << " | " << r.elements << " | "
      << number(r.max_ulps) << " | " << r.worst_case << " | " << number(r.max_scaled_ulps) << " | "
      << r.worst_scaled_case << " |\n";
  s << "\n## Why the large figures are large\n\n"
    << "The figures are in the table above; the causes, output by output:\n\n"
    << "- log_softmax grad_input: `corner-tiny-input`, logits that differ by subnormal amounts. The exact "
       "gradient g_j - p_j sum g is a subnormal difference of terms near 1; e^(x - m) rounds to 1 there, so the "
       "tier returns 0, below 2^-1000 of the cotangent in absolute terms.\n"
    << "- softmax grad_input: p_c (g_c - sum_j g_j p_j) where the bracket cancels; scaled (in ulps of the "
       "cotangent) it is within a few ulp.\n"
    << "- entropy grad_input: -(1 + log p) near p = 1/e.\n"
    << "- cross_entropy grad_input: p_j sum_c a_c - a_j (probability targets, label smoothing) near agreement, "
       "including exact zeros returned as +-2^-57 when p = 1/C is not a binary64 (`corner-huge-offset`); worst "
       "under sse4 and scalar (no FMA).\n"
    << "- kl_div loss, per_position and grad_target: t log t - t x where the two nearly agree.\n"
    << "- slace loss: with use_logits = false and probabilities summing above 1, log(acc + eps) changes sign "
       "across groups and the loss is a difference of terms about ten times larger than it.\n"
    << "- sord, oll, acc_loss and slace_prox grad_input: differences of nearly equal terms, p_k - q_k (sord, "
       "where the prediction meets the soft labels), w_k - sum_{i != k} w_i r_i (oll), right_h - left_h "
       "(acc_loss, slace_prox, as slace's); scaled, within 4 ulp.\n"
    << "- fastai_label_smoothing_cross_entropy and issue11959_label_smoothing_cross_entropy grad_input: the "
       "non-target gradient p_j (C a_smooth + a_nll) - a_smooth cancels where p_j is near 1/C; at "
       "`corner-tiny-input` a subnormal gradient is returned as 0.\n"
    << "- unit_scaled_cross_entropy: z = mult x is rounded once to binary64 before the rows, and a row whose "
       "loss is near 0 has a relative error of |z| 2^-53 / loss; exact when mult = 1.\n"
    << "- per_pair_weighted_ce grad_input: s (p_j U - u_j) with u = D^T t, where p_j U and u_j nearly agree (as "
       "cross_entropy's probability targets).\n"
    << "- misclass_a_logits grad_input: softmax's VJP p_k (delta_k - sum_j p_j delta_j) where the bracket cancels.\n"
    << "- misclass_b grad_input: `corner-tiny-input`, logit differences in the subnormal range (e = 1, a zero "
       "gradient, as log_softmax's); elsewhere (e_k (w_k - V) - w_top q_k) / S, a difference of terms of size "
       "|s D| that the scaled figure measures in ulps of |s| only (worst where D ~ 18).\n"
    << "- Loss values of the cost-matrix losses on logits (2 to 4 ulp in float64): ratios of exponentials "
       "(e_c / S, e_c / A_c) that each carry exp_f64's error (up to 0.95 ulp); misclass_b_as_published above its "
       "clamp (p > 2) adds terms -log(p - 1) of both signs.\n"
    << "- soft_label_cross_entropy_with_logits grad_input: s (p_j A - t_j) near agreement (`corner-huge-offset`); "
       "at the top class it is s (others - t rest) / S, so a label carrying most of A does not cancel there "
       "(`corner-target-out-of-range`, a label of 2^20). grad_target at the top class is s log S with log S "
       "about the sum of the other e_j, whose exp errors it keeps.\n"
    << "- soft_label_cross_entropy loss: probabilities are not checked, and above 1 the terms -t log p change "
       "sign. Rows whose terms cancel are summed again with long double logarithms and pass their low part to "
       "the reduction; what remains is cancellation between rows.\n"
    << "- classification_mae_with_logits loss and per_position: |p_c - y_c| for a label near the softmax "
       "value, where p's own error (exp, about 1 ulp) is divided by the difference; within 2 ulp scaled.\n"
    << "- Everything in float32 is within 1 scaled ulp; its elementwise outliers are the same cancellations.\n";
  s << "\n## Budgets\n\n"
    << "Enforced per output by certify's `tight` profile (an element passes within either budget) and by "
       "`lossoracle accuracy --check` (both maxima). A budget is the maximum measured on the `standard` suite "
       "rounded up to a power of two; a change that exceeds one is a regression to explain, not a budget to "
       "raise.\n\n"
    << "| loss | dtype | output | tight budget (ulp) | scaled budget (ulp of the output's scale) |\n"
       "|---|---|---|---:|---:|\n";
  for (const AccuracyRow& r : rows) {
    const Dtype d = *certify::parse_dtype(r.dtype);
    s << "| " << r.loss << " | " << r.dtype << " | " << r.output << " | "
      << budget_text(certify::tight_budget_ulps(r.loss, r.output, d)) << " | "
      << budget_text(certify::tight_scaled_budget_ulps(r.loss, r.output, d)) << " |\n";
  }
  return s.str();
}

int run_accuracy_command(const AccuracyOptions& options, const std::string& out_path, bool check, std::ostream& out,
                         std::ostream& err) {
  const std::vector<AccuracyRow> rows = measure_accuracy(options);
  int status = 0;
  for (const AccuracyRow& r : rows) {
    const Dtype d = *certify::parse_dtype(r.dtype);
    const double budget = certify::tight_budget_ulps(r.loss, r.output, d);
    const double scaled_budget = certify::tight_scaled_budget_ulps(r.loss, r.output, d);
    if (check && (r.max_ulps > budget || r.max_scaled_ulps > scaled_budget)) {
      err << "over budget: " << r.loss << " " << r.dtype << " " << r.output << ": " << number(r.max_ulps) << " ulp ("
          << r.worst_case << "; budget " << number(budget) << "), scaled " << number(r.max_scaled_ulps) << " ("
          << r.worst_scaled_case << "; budget " << number(scaled_budget) << ")\n";
      status = 1;
    }
  }
  const std::string md = accuracy_markdown(rows, options);
  if (!out_path.empty()) {
    std::ofstream f(out_path);
    f << md;
  } else if (!check) {
    out << md;
  }
  if (check && status == 0) out << "accuracy: " << rows.size() << " outputs within budget\n";
  return status;
}

}  // namespace lossoracle::cli
