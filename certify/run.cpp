#include "certify/run.hpp"

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>

#include "core/hexfloat.hpp"

namespace lossoracle::certify {

namespace {

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@") ==
                        std::string::npos)
    return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

void show_case(std::ostream& out, const SuiteCase& c, const ImplResult& r, const Outcome& o) {
  out << "case " << c.id << ": " << c.origin << "\n"
      << "request: " << c.request.dump() << "\n"
      << "expect: " << expect_name(c.expect);
  if (c.expect == Expect::invalid) out << " (the oracle: " << c.rejection << ")";
  out << "\n";
  if (r.kind == ImplResult::Kind::outputs && c.answer) {
    for (const auto& e : c.answer->outputs) {
      const ImplOutput* got = nullptr;
      for (const auto& g : r.outputs) got = g.name == e.name ? &g : got;
      for (std::size_t i = 0; i < e.values.size(); ++i) {
        const auto& v = e.values[i];
        const double expected = oracle_rounding(c.dtype, v);
        out << "  " << std::left << std::setw(18) << (e.name + "[" + std::to_string(i) + "]") << " expected "
            << std::setw(24) << (!oracle_decided(c.dtype, v) ? std::string("-") : hex64(expected))
            << " got " << std::setw(24)
            << (got && i < got->values.size() ? hex64(got->values[i]) : std::string("(none)"))
            << (oracle_decided(c.dtype, v) ? reference::status_name(v.status) : "unresolved") << "\n";
      }
    }
  } else if (r.kind != ImplResult::Kind::outputs) {
    out << (r.kind == ImplResult::Kind::rejected      ? "rejected: "
            : r.kind == ImplResult::Kind::unsupported ? "unsupported: "
                                                      : "broken: ")
        << r.message << "\n";
  }
  out << "verdict: " << verdict_name(o.verdict) << (o.reason.empty() ? "" : " (" + o.reason + ")") << "\n";
}

}  // namespace

void Tally::add(Verdict v) {
  ++total;
  switch (v) {
    case Verdict::pass: ++passed; break;
    case Verdict::fail: ++failed; break;
    case Verdict::mistrusted: ++mistrusted; break;
    case Verdict::rejected_ok: ++rejected_ok; break;
    case Verdict::acceptable: ++acceptable; break;
    case Verdict::unsupported: ++unsupported; break;
  }
}

std::string summary_line(const Tally& t) {
  return "tests: " + std::to_string(t.total) + " passed: " + std::to_string(t.passed) +
         " failed: " + std::to_string(t.failed) + " mistrusted: " + std::to_string(t.mistrusted) +
         " rejected-ok: " + std::to_string(t.rejected_ok) + " acceptable: " + std::to_string(t.acceptable) +
         " unsupported: " + std::to_string(t.unsupported);
}

std::string certify_command(const CertifyOptions& o, const std::vector<std::string>& losses,
                            const std::vector<Dtype>& dtypes, const std::optional<std::string>& case_id) {
  std::string s = "lossoracle certify --impl " + shell_quote(o.impl);
  for (const auto& l : losses) s += " --loss " + shell_quote(l);
  s += std::string(" --suite ") + level_name(o.level);
  for (Dtype d : dtypes) s += std::string(" --dtype ") + dtype_name(d);
  s += " --seed " + std::to_string(o.seed) + " --profile " + profile_name(o.profile);
  if (o.golden_dir != "golden/vectors") s += " --golden " + shell_quote(o.golden_dir.string());
  // A hang reproduces only under the timeout that caught it.
  const ImplementationOptions defaults;
  char buf[64];
  if (o.impl_options.timeout_s != defaults.timeout_s) {
    std::snprintf(buf, sizeof buf, " --timeout %g", o.impl_options.timeout_s);
    s += buf;
  }
  if (o.impl_options.startup_timeout_s != defaults.startup_timeout_s) {
    std::snprintf(buf, sizeof buf, " --startup-timeout %g", o.impl_options.startup_timeout_s);
    s += buf;
  }
  if (case_id) s += " --case " + shell_quote(*case_id);
  return s;
}

CertifyRun run_certify(const CertifyOptions& options, Implementation& impl, std::ostream& out, std::ostream& err) {
  if (options.profile == Profile::tight)
    for (Dtype d : options.dtypes)
      if (!has_tight_budgets(d)) throw std::invalid_argument(tight_refusal(d));
  CertifyRun run;
  run.options = options;
  run.command_line = certify_command(options, options.losses, options.dtypes, std::nullopt);
  std::size_t number = 0;
  for (const std::string& loss : options.losses) {
    for (Dtype dtype : options.dtypes) {
      SuiteOptions so;
      so.level = options.level;
      so.dtype = dtype;
      so.seed = options.seed;
      so.golden_dir = options.golden_dir;
      so.only_id = options.case_id;
      const std::vector<SuiteCase> suite = build_suite(loss, so);
      if (options.case_id && suite.empty())
        throw std::invalid_argument("--case " + *options.case_id + ": no such case in the " + level_name(options.level) +
                                    " suite of " + loss + " (" + dtype_name(dtype) + ", seed " +
                                    std::to_string(options.seed) + "); `lossoracle cases` lists them");
      std::size_t shown = 0, failures = 0, done = 0;
      for (const SuiteCase& c : suite) {
        const ImplResult r = impl.evaluate(c.request, dtype);
        const Outcome o = judge(c, r, options.profile);
        ++number;
        ++done;
        CaseRecord rec{loss, dtype, c.id, c.origin, c.request.value("params", nlohmann::json::object()).dump(),
                       c.expect, {}, o, c.request};
        if (r.kind == ImplResult::Kind::outputs && c.answer)
          for (const auto& e : c.answer->outputs)
            for (const auto& g : r.outputs)
              if (g.name == e.name) rec.outputs_compared.push_back(e.name);
        run.tally.add(o.verdict);
        if (options.case_id) show_case(out, c, r, o);
        if (o.verdict == Verdict::fail && failures++ < options.max_failures_shown) {
          ++shown;
          out << number << ":FAILED " << loss << " " << dtype_name(dtype) << " " << c.id << " (" << o.reason
              << ") __REPRO: " << certify_command(options, {loss}, {dtype}, c.id) << "\n";
        }
        run.records.push_back(std::move(rec));
        if (options.progress && (done % 1000 == 0 || done == suite.size()))
          err << "certify: " << loss << " " << dtype_name(dtype) << " " << done << "/" << suite.size() << " cases\n";
      }
      if (failures > shown)
        out << "... " << failures - shown << " more failures of " << loss << " " << dtype_name(dtype)
            << " not shown (--max-failures-shown; the certificate lists them)\n";
      out.flush();
    }
  }
  run.versions = impl.versions();
  return run;
}

}  // namespace lossoracle::certify
