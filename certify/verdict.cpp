#include "certify/verdict.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>

#include "core/hexfloat.hpp"

namespace lossoracle::certify {

namespace {

using reference::ProofStatus;

std::string number_text(long double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3Lg", v);
  return buf;
}

long double exact_value(const reference::RoundedValue& v) {
  if (v.status == ProofStatus::zero) return 0;
  // 40 digits: far more than the error measure needs.
  return std::strtold(v.decimal.c_str(), nullptr);
}

std::string element_name(const std::string& output, std::size_t i) { return output + "[" + std::to_string(i) + "]"; }

}  // namespace

const std::vector<Convention>& conventions() {
  static const std::vector<Convention> list{
      {"labels-smoothed-first",
       "label smoothing applied to the labels before the cross entropy (optax smooth_labels, Keras): "
       "-sum((1-e) onehot + e/C) log p has no 0 * (-inf) term, so where PyTorch's (1-e) nll + e/C sum(-log p) "
       "(the oracle's) is NaN the library's value is infinite"},
  };
  return list;
}

bool known_convention(const std::string& name) {
  for (const Convention& c : conventions())
    if (name == c.name) return true;
  return false;
}

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::pass: return "pass";
    case Verdict::fail: return "fail";
    case Verdict::acceptable: return "acceptable";
    case Verdict::rejected_ok: return "rejected-ok";
    case Verdict::mistrusted: return "mistrusted";
    case Verdict::unsupported: return "unsupported";
  }
  return "?";
}

Outcome judge(const SuiteCase& c, const ImplResult& r, Profile profile) {
  Outcome o;
  if (r.kind == ImplResult::Kind::broken) {
    o.reason = r.message;
    return o;
  }
  // Before the expectation: an implementation that cannot express a case has
  // neither computed nor rejected it, valid or not.
  if (r.kind == ImplResult::Kind::unsupported) {
    o.verdict = Verdict::unsupported;
    o.reason = "unsupported: " + r.message;
    return o;
  }
  if (c.expect == Expect::invalid) {
    if (r.kind == ImplResult::Kind::rejected) {
      o.verdict = Verdict::rejected_ok;
      o.reason = "rejected: " + r.message;
    } else {
      o.reason = "accepted an input the oracle rejects (" + c.rejection + ")";
    }
    return o;
  }
  if (r.kind == ImplResult::Kind::rejected) {
    o.reason = "rejected a valid input: " + r.message;
    return o;
  }

  std::map<std::string, const ImplOutput*> got;
  for (const ImplOutput& out : r.outputs) got[out.name] = &out;
  for (const ImplOutput& out : r.outputs) {
    bool known = false;
    for (const auto& e : c.answer->outputs) known = known || e.name == out.name;
    if (!known) {
      o.reason = "unknown output '" + out.name + "' (this loss has: ";
      for (std::size_t k = 0; k < c.answer->outputs.size(); ++k) o.reason += (k ? ", " : "") + c.answer->outputs[k].name;
      o.reason += ")";
      return o;
    }
  }

  bool unresolved = false;
  // The conventions an `acceptable` vector allows are about special values
  // (NaN or 0 for a mean over nothing); a finite value off by rounding is
  // judged as on any other case.
  bool finite_failure = false;
  std::string failure;
  long double failure_ulps = -1;
  for (const auto& expected : c.answer->outputs) {
    auto it = got.find(expected.name);
    if (it == got.end()) {
      // Outputs other than the loss are optional: an adapter may not offer
      // gradients. The certificate lists which outputs were compared.
      if (expected.name == "loss") {
        o.reason = "no output 'loss'";
        return o;
      }
      continue;
    }
    const ImplOutput& out = *it->second;
    if (out.shape != expected.shape) {
      o.reason = expected.name + ": shape " + shape_text(out.shape) + ", expected " + shape_text(expected.shape);
      return o;
    }
    // The output's scale, max |exact| over its finite values, for tight's
    // scaled budget (docs/accuracy.md, "scaled ulp").
    long double max_abs = 0;
    for (const reference::RoundedValue& e : expected.values)
      if (e.status != ProofStatus::unresolved && e.status != ProofStatus::nan && std::isfinite(e.f64))
        max_abs = std::max(max_abs, std::fabs(exact_value(e)));
    const long double scale = output_scale(expected.name, max_abs, c.request);
    for (std::size_t i = 0; i < expected.values.size(); ++i) {
      const reference::RoundedValue& e = expected.values[i];
      const double v = out.values[i];
      if (!oracle_decided(c.dtype, e)) {
        unresolved = true;
        continue;
      }
      if (e.status == ProofStatus::nan) {
        if (!std::isnan(v) && failure.empty())
          failure = element_name(expected.name, i) + ": got " + hex64(v) + ", expected NaN";
        continue;
      }
      const double rounded = oracle_rounding(c.dtype, e);
      const long double exact = exact_value(e);
      const ElementCheck k = check_element(profile, c.loss, expected.name, c.dtype, exact, rounded, v, scale);
      ++o.compared;
      if (k.ulps > o.worst_ulps || o.worst_at.empty()) {
        o.worst_ulps = k.ulps;
        o.worst_relative = k.relative;
        o.worst_at = element_name(expected.name, i);
        o.worst_got = v;
        o.worst_expected = rounded;
      }
      // Relative error only means something where the dtype has full precision: in the
      // subnormal range (or rounded to 0) a correct rounding is up to 100% off.
      if (std::fabs(exact) >= min_normal(c.dtype) && std::isfinite(rounded) && k.relative > o.max_relative) {
        o.max_relative = k.relative;
        o.max_relative_at = element_name(expected.name, i);
      }
      if (!k.ok && std::isfinite(rounded)) finite_failure = true;
      if (!k.ok && k.ulps > failure_ulps) {
        failure_ulps = k.ulps;
        failure = element_name(expected.name, i) + ": got " + hex64(v) + ", expected " + hex64(rounded) + " (" +
                        number_text(k.ulps) + " ulp, rel " + number_text(k.relative) + ")";
      }
    }
  }

  if (!failure.empty()) {
    if (c.expect == Expect::acceptable && !finite_failure) {
      o.verdict = Verdict::acceptable;
      o.reason = "another convention than the oracle's: " + failure;
    } else if (!r.convention.empty() && known_convention(r.convention) && !finite_failure) {
      o.verdict = Verdict::acceptable;
      o.reason = "convention " + r.convention + ": " + failure;
    } else {
      o.reason = failure;
    }
    return o;
  }
  if (unresolved) {
    o.verdict = Verdict::mistrusted;
    o.reason = "the oracle left some value unresolved";
  } else if (o.compared == 0) {
    o.verdict = Verdict::mistrusted;
    o.reason = "nothing to compare: every expected value is NaN, or the outputs are empty";
  } else {
    o.verdict = Verdict::pass;
  }
  return o;
}

}  // namespace lossoracle::certify
