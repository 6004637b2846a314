#include "certify/report.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>

#include "core/hexfloat.hpp"

namespace lossoracle::certify {

namespace {

using nlohmann::ordered_json;

std::string ulps_text(long double u) {
  if (std::isinf(u)) return "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3Lg", u);
  return buf;
}

ordered_json tally_json(const Tally& t) {
  return {{"tests", t.total},           {"passed", t.passed},          {"failed", t.failed},
          {"mistrusted", t.mistrusted}, {"rejected-ok", t.rejected_ok}, {"acceptable", t.acceptable},
          {"unsupported", t.unsupported}};
}

// JSON numbers cannot hold inf; errors are given as text where they may be infinite.
ordered_json error_json(long double v) {
  if (std::isinf(v)) return "inf";
  return static_cast<double>(v);
}

ordered_json worst_json(const CaseRecord* r) {
  if (!r) return nullptr;
  const Outcome& o = r->outcome;
  return {{"case", r->id},
          {"verdict", verdict_name(o.verdict)},
          {"ulps", error_json(o.worst_ulps)},
          {"relative", error_json(o.worst_relative)},
          {"at", o.worst_at},
          {"got", hex64(o.worst_got)},
          {"expected", hex64(o.worst_expected)},
          {"request", r->request}};
}

ordered_json worst_relative_json(const CaseRecord* r) {
  if (!r) return nullptr;
  return {{"case", r->id}, {"relative", error_json(r->outcome.max_relative)}, {"at", r->outcome.max_relative_at}};
}

void add_to(Group& g, const CaseRecord& r) {
  g.tally.add(r.outcome.verdict);
  if (r.outcome.compared > 0) {
    ++g.histogram[bucket_of(r.outcome.worst_ulps)];
    if (!g.worst || r.outcome.worst_ulps > g.worst->outcome.worst_ulps) g.worst = &r;
  }
  if (r.outcome.max_relative >= 0 &&
      (!g.worst_relative || r.outcome.max_relative > g.worst_relative->outcome.max_relative))
    g.worst_relative = &r;
  for (const auto& name : r.outputs_compared) {
    bool seen = false;
    for (const auto& n : g.outputs) seen = seen || n == name;
    if (!seen) g.outputs.push_back(name);
  }
}

std::string truncated(const std::string& s, std::size_t n) { return s.size() > n ? s.substr(0, n) + " ..." : s; }

std::string html_escape(const std::string& s) {
  std::string e;
  for (char c : s) {
    switch (c) {
      case '<': e += "&lt;"; break;
      case '>': e += "&gt;"; break;
      case '&': e += "&amp;"; break;
      case '"': e += "&quot;"; break;
      default: e += c;
    }
  }
  return e;
}

std::string header_markdown(const CertifyRun& run) {
  const CertifyOptions& o = run.options;
  std::ostringstream md;
  md << "- implementation: `" << o.impl << "`\n"
     << "- suite: " << level_name(o.level) << ", seed " << o.seed << " (docs/certify.md, \"Suites\")\n"
     << "- profile: " << profile_name(o.profile) << ":";
  for (Dtype d : o.dtypes) md << " " << dtype_name(d) << " " << tolerance_text(o.profile, d) << ";";
  md << "\n- command: `" << run.command_line << "`\n"
     << "- result: `" << summary_line(run.tally) << "`\n";
  if (!run.versions.empty()) {
    md << "- versions (as the implementation reports them):";
    for (const auto& [name, version] : run.versions.items()) md << " " << name << " " << version.get<std::string>() << ";";
    md << "\n";
  }
  return md.str();
}

}  // namespace

std::string group_verdict(const Tally& t) {
  if (t.failed) return "fail";
  if (t.unsupported && t.unsupported == t.total) return "unsupported";
  if (t.passed + t.acceptable + t.rejected_ok == 0) return "mistrusted";
  if (t.unsupported) return "partial";
  return "pass";
}

std::string worst_relative_text(const Group& g) {
  if (!g.worst_relative) return "-";
  return ulps_text(g.worst_relative->outcome.max_relative) + " at " + g.worst_relative->outcome.max_relative_at + " (" +
         g.worst_relative->id + ")";
}

std::size_t bucket_of(long double u) {
  const long double bounds[] = {0, 0.5L, 1, 2, 4, 16, 256, 65536};
  for (std::size_t k = 0; k < std::size(bounds); ++k)
    if (u <= bounds[k]) return k;
  return kBuckets - 1;
}

const std::array<const char*, kBuckets>& bucket_labels() {
  static const std::array<const char*, kBuckets> labels{"0",     "<=1/2", "<=1",   "<=2",  "<=4",
                                                        "<=16", "<=256", "<=2^16", ">2^16"};
  return labels;
}

std::string tolerance_text(Profile p, Dtype d) {
  switch (p) {
    case Profile::strict: return "correctly rounded (bit-exact to the oracle's rounding, zeros by value)";
    case Profile::tight:
      return "within the per-loss, per-output ulp budgets of docs/accuracy.md (" +
             ulps_text(tight_budget_ulps("", "", d)) + " ulp where none is documented)";
    case Profile::pytorch: {
      const RelAbs t = pytorch_tolerance(d);
      std::ostringstream s;
      s << "|got - expected| <= atol + rtol |expected| with rtol " << t.rtol << ", atol " << t.atol
        << " (torch.testing.assert_close's defaults)";
      return s.str();
    }
  }
  return "";
}

Aggregate aggregate(const CertifyRun& run) {
  Aggregate a;
  std::map<std::pair<std::string, int>, std::size_t> loss_index;
  std::vector<std::map<std::string, std::size_t>> params_index;
  for (const CaseRecord& r : run.records) {
    const auto key = std::make_pair(r.loss, static_cast<int>(r.dtype));
    auto it = loss_index.find(key);
    if (it == loss_index.end()) {
      it = loss_index.emplace(key, a.per_loss.size()).first;
      a.per_loss.push_back({r.loss, r.dtype, "", {}, nullptr, nullptr, {}, {}});
      a.per_params.emplace_back();
      params_index.emplace_back();
    }
    const std::size_t li = it->second;
    add_to(a.per_loss[li], r);
    auto pit = params_index[li].find(r.params);
    if (pit == params_index[li].end()) {
      pit = params_index[li].emplace(r.params, a.per_params[li].size()).first;
      a.per_params[li].push_back({r.loss, r.dtype, r.params, {}, nullptr, nullptr, {}, {}});
    }
    add_to(a.per_params[li][pit->second], r);
  }
  return a;
}

void print_summary(std::ostream& out, const Aggregate& a, const Tally& total) {
  out << std::left << std::setw(40) << "loss" << std::setw(9) << "dtype" << std::right << std::setw(7) << "cases"
      << std::setw(8) << "passed" << std::setw(8) << "failed" << std::setw(12) << "mistrusted" << std::setw(13)
      << "rejected-ok" << std::setw(12) << "acceptable" << std::setw(12) << "unsupported" << std::setw(11)
      << "worst ulp" << std::setw(10) << "worst rel" << "  worst-ulp case\n";
  for (const Group& g : a.per_loss) {
    out << std::left << std::setw(40) << g.loss << std::setw(9) << dtype_name(g.dtype) << std::right << std::setw(7)
        << g.tally.total << std::setw(8) << g.tally.passed << std::setw(8) << g.tally.failed << std::setw(12)
        << g.tally.mistrusted << std::setw(13) << g.tally.rejected_ok << std::setw(12) << g.tally.acceptable
        << std::setw(12) << g.tally.unsupported << std::setw(11)
        << (g.worst ? ulps_text(g.worst->outcome.worst_ulps) : "-") << std::setw(10)
        << (g.worst_relative ? ulps_text(g.worst_relative->outcome.max_relative) : "-") << "  "
        << (g.worst ? g.worst->id + " " + g.worst->outcome.worst_at : "") << "\n";
  }
  out << summary_line(total) << "\n";
}

ordered_json certificate_json(const CertifyRun& run, const Aggregate& a) {
  const CertifyOptions& o = run.options;
  ordered_json tolerance = ordered_json::object();
  for (Dtype d : o.dtypes) tolerance[dtype_name(d)] = tolerance_text(o.profile, d);
  ordered_json losses = ordered_json::array();
  for (std::size_t i = 0; i < a.per_loss.size(); ++i) {
    const Group& g = a.per_loss[i];
    ordered_json groups = ordered_json::array();
    for (const Group& p : a.per_params[i])
      groups.push_back({{"params", nlohmann::ordered_json::parse(p.params)},
                        {"verdict", group_verdict(p.tally)},
                        {"tally", tally_json(p.tally)},
                        {"outputs_compared", p.outputs},
                        {"worst", worst_json(p.worst)},
                        {"worst_relative", worst_relative_json(p.worst_relative)}});
    ordered_json histogram = ordered_json::object();
    for (std::size_t k = 0; k < kBuckets; ++k) histogram[bucket_labels()[k]] = g.histogram[k];
    losses.push_back({{"loss", g.loss},
                      {"dtype", dtype_name(g.dtype)},
                      {"verdict", group_verdict(g.tally)},
                      {"tally", tally_json(g.tally)},
                      {"outputs_compared", g.outputs},
                      {"worst", worst_json(g.worst)},
                      {"worst_relative", worst_relative_json(g.worst_relative)},
                      {"histogram_ulps", histogram},
                      {"groups", groups}});
  }
  ordered_json failures = ordered_json::array();
  std::size_t failed = 0;
  for (const CaseRecord& r : run.records) {
    if (r.outcome.verdict != Verdict::fail) continue;
    if (++failed > kFailuresListed) continue;
    failures.push_back({{"loss", r.loss},
                        {"dtype", dtype_name(r.dtype)},
                        {"case", r.id},
                        {"reason", r.outcome.reason},
                        {"repro", certify_command(o, {r.loss}, {r.dtype}, r.id)}});
  }
  ordered_json dtypes = ordered_json::array();
  for (Dtype d : o.dtypes) dtypes.push_back(dtype_name(d));
  return {{"certificate", "lossoracle-certify 1"},
          {"implementation", o.impl},
          {"versions", run.versions},
          {"suite", level_name(o.level)},
          {"seed", o.seed},
          {"profile", profile_name(o.profile)},
          {"dtypes", dtypes},
          {"tolerance", tolerance},
          {"command", run.command_line},
          {"summary", tally_json(run.tally)},
          {"verdict", group_verdict(run.tally)},
          {"losses", losses},
          {"failures_total", failed},
          {"failures", failures}};
}

std::string certificate_markdown(const CertifyRun& run, const Aggregate& a) {
  std::ostringstream md;
  md << "# Certificate: `" << run.options.impl << "`, " << level_name(run.options.level) << " suite\n\n"
     << header_markdown(run)
     << "\nVerdicts (docs/certify.md): pass, fail, acceptable (a golden `acceptable` vector answered by another "
        "convention), rejected-ok (an input the oracle rejects, rejected), mistrusted (the case cannot "
        "discriminate), unsupported (the library cannot express the case; never a pass). Errors are measured "
        "against the exact value: worst ulp in ulps of the dtype (an exact zero computed as a tiny nonzero is "
        "an enormous number of ulps), worst rel relative to the exact value, over exact values in the dtype's normal range.\n";
  for (std::size_t i = 0; i < a.per_loss.size(); ++i) {
    const Group& g = a.per_loss[i];
    md << "\n## " << g.loss << " (" << dtype_name(g.dtype) << "): " << group_verdict(g.tally) << "\n\n"
       << "`" << summary_line(g.tally) << "`; outputs compared: " << (g.outputs.empty() ? "none" : "") ;
    for (std::size_t k = 0; k < g.outputs.size(); ++k) md << (k ? ", " : "") << g.outputs[k];
    md << "; worst rel " << worst_relative_text(g);
    md << "\n\n| params | cases | passed | failed | mistrusted | rejected-ok | acceptable | unsupported | worst ulp | "
          "worst rel | verdict |\n"
       << "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|\n";
    for (const Group& p : a.per_params[i]) {
      md << "| `" << p.params << "` | " << p.tally.total << " | " << p.tally.passed << " | " << p.tally.failed << " | "
         << p.tally.mistrusted << " | " << p.tally.rejected_ok << " | " << p.tally.acceptable << " | "
         << p.tally.unsupported << " | ";
      if (p.worst)
        md << ulps_text(p.worst->outcome.worst_ulps) << " ulp (rel " << ulps_text(p.worst->outcome.worst_relative)
           << ") at " << p.worst->outcome.worst_at << ", case " << p.worst->id;
      else
        md << "-";
      md << " | " << worst_relative_text(p) << " | " << group_verdict(p.tally) << " |\n";
    }
    md << "\nWorst input per parameter set (full requests in certificate.json):\n\n";
    for (const Group& p : a.per_params[i]) {
      if (!p.worst) continue;
      const Outcome& o = p.worst->outcome;
      md << "- `" << p.params << "`: case " << p.worst->id << ", " << p.worst->origin << "; " << o.worst_at
         << " got " << hex64(o.worst_got) << ", expected " << hex64(o.worst_expected) << "; inputs `"
         << truncated(p.worst->request.value("inputs", nlohmann::json::object()).dump(), 300) << "`\n";
    }
  }
  std::size_t listed = 0;
  for (const CaseRecord& r : run.records) {
    if (r.outcome.verdict != Verdict::fail) continue;
    if (listed == 0) md << "\n## Failures\n\n";
    if (++listed > 50) continue;
    md << "- " << r.loss << " " << dtype_name(r.dtype) << " " << r.id << ": " << truncated(r.outcome.reason, 300)
       << "  \n  `" << certify_command(run.options, {r.loss}, {r.dtype}, r.id) << "`\n";
  }
  if (listed > 50) md << "- ... and " << listed - 50 << " more (certificate.json lists up to " << kFailuresListed << ")\n";
  return md.str();
}

std::string certificate_html(const CertifyRun& run, const Aggregate& a) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>lossoracle certificate: "
    << html_escape(run.options.impl) << "</title>\n<style>body{font-family:sans-serif;max-width:70em;margin:2em auto;"
    << "padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}"
    << "td:first-child{text-align:left}code{font-size:90%}.fail{color:#b00}.pass{color:#070}"
    << "svg text{font-size:11px;font-family:sans-serif}</style></head><body>\n"
    << "<h1>Certificate: <code>" << html_escape(run.options.impl) << "</code>, " << level_name(run.options.level)
    << " suite</h1>\n<p><code>" << html_escape(summary_line(run.tally)) << "</code></p>\n<p>Command: <code>"
    << html_escape(run.command_line) << "</code></p>\n";
  if (!run.versions.empty()) {
    h << "<p>Versions:";
    for (const auto& [name, version] : run.versions.items())
      h << " " << html_escape(name) << " " << html_escape(version.get<std::string>()) << ";";
    h << "</p>\n";
  }
  h << "<p>Profile " << profile_name(run.options.profile) << ":";
  for (Dtype d : run.options.dtypes) h << " " << dtype_name(d) << " " << html_escape(tolerance_text(run.options.profile, d)) << ";";
  h << "</p>\n<p>Each histogram counts the cases of a loss by their worst error in ulps of the dtype "
       "(cases with a compared value).</p>\n";
  for (std::size_t i = 0; i < a.per_loss.size(); ++i) {
    const Group& g = a.per_loss[i];
    const std::string verdict = group_verdict(g.tally);
    h << "<h2>" << html_escape(g.loss) << " (" << dtype_name(g.dtype) << "): <span class=\"" << verdict << "\">"
      << verdict << "</span></h2>\n<p><code>" << summary_line(g.tally) << "</code></p>\n";
    // The histogram: one bar per bucket, heights on a square-root scale so a
    // handful of large errors stay visible beside thousands of exact cases.
    std::size_t peak = 1;
    for (std::size_t n : g.histogram) peak = std::max(peak, n);
    const int w = 60, height = 120, left = 10, top = 16;
    h << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << left * 2 + w * static_cast<int>(kBuckets)
      << "\" height=\"" << height + top + 34 << "\" role=\"img\" aria-label=\"error histogram\">\n";
    for (std::size_t k = 0; k < kBuckets; ++k) {
      const double frac = std::sqrt(static_cast<double>(g.histogram[k]) / static_cast<double>(peak));
      const int bar = static_cast<int>(std::lround(frac * height));
      const int x = left + static_cast<int>(k) * w;
      const char* colour = k <= 1 ? "#4a4" : k <= 4 ? "#da3" : "#c33";
      h << "<rect x=\"" << x + 6 << "\" y=\"" << top + height - bar << "\" width=\"" << w - 12 << "\" height=\"" << bar
        << "\" fill=\"" << colour << "\"/>"
        << "<text x=\"" << x + w / 2 << "\" y=\"" << top + height - bar - 3 << "\" text-anchor=\"middle\">"
        << g.histogram[k] << "</text>"
        << "<text x=\"" << x + w / 2 << "\" y=\"" << top + height + 14 << "\" text-anchor=\"middle\">"
        << html_escape(bucket_labels()[k]) << "</text>\n";
    }
    h << "<text x=\"" << left << "\" y=\"" << top + height + 30 << "\">worst error (ulp)</text></svg>\n";
    h << "<table><tr><th>params</th><th>cases</th><th>passed</th><th>failed</th><th>mistrusted</th>"
      << "<th>rejected-ok</th><th>acceptable</th><th>unsupported</th><th>worst ulp</th><th>worst rel</th>"
      << "<th>verdict</th></tr>\n";
    for (const Group& p : a.per_params[i]) {
      const std::string pv = group_verdict(p.tally);
      h << "<tr><td><code>" << html_escape(p.params) << "</code></td><td>" << p.tally.total << "</td><td>"
        << p.tally.passed << "</td><td>" << p.tally.failed << "</td><td>" << p.tally.mistrusted << "</td><td>"
        << p.tally.rejected_ok << "</td><td>" << p.tally.acceptable << "</td><td>" << p.tally.unsupported << "</td><td>"
        << (p.worst ? ulps_text(p.worst->outcome.worst_ulps) + " ulp at " + html_escape(p.worst->outcome.worst_at) +
                          " (" + html_escape(p.worst->id) + ")"
                    : "-")
        << "</td><td>" << html_escape(worst_relative_text(p)) << "</td><td class=\"" << pv << "\">" << pv << "</td></tr>\n";
    }
    h << "</table>\n";
  }
  h << "</body></html>\n";
  return h.str();
}

void write_certificates(const CertifyRun& run, const std::filesystem::path& dir, bool html) {
  std::filesystem::create_directories(dir);
  const Aggregate a = aggregate(run);
  auto write = [&](const char* name, const std::string& text) {
    const std::filesystem::path p = dir / name;
    std::ofstream f(p, std::ios::binary);
    f << text;
    if (!f) throw std::runtime_error("cannot write " + p.string());
  };
  write("certificate.json", certificate_json(run, a).dump(1) + "\n");
  write("certificate.md", certificate_markdown(run, a));
  if (html) write("certificate.html", certificate_html(run, a));
}

}  // namespace lossoracle::certify
