// Certificates: what `certify --out DIR` writes from a run. certificate.json
// (for programs), certificate.md (for people: per loss and parameter set the
// cases, the verdicts, the worst error and its input) and, with --html,
// certificate.html, one self-contained page with an error histogram per loss.
#pragma once

#include <array>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "certify/run.hpp"

namespace lossoracle::certify {

// Buckets of a case's worst error in ulps: 0, (0, 1/2], (1/2, 1], (1, 2],
// (2, 4], (4, 16], (16, 256], (256, 65536], beyond (and infinite).
inline constexpr std::size_t kBuckets = 9;
std::size_t bucket_of(long double ulps);
const std::array<const char*, kBuckets>& bucket_labels();

struct Group {
  std::string loss;
  Dtype dtype;
  std::string params;  // "" for the whole (loss, dtype)
  Tally tally;
  const CaseRecord* worst = nullptr;  // the compared case with the largest error
  // The case with the largest relative error in the normal range (Outcome::max_relative):
  // beside the worst ulp, which exact zeros dominate, it says how large the errors are.
  const CaseRecord* worst_relative = nullptr;
  std::vector<std::string> outputs;   // outputs compared in at least one case
  std::array<std::size_t, kBuckets> histogram{};
};

// Per (loss, dtype), in run order, and per (loss, dtype, params) within them.
struct Aggregate {
  std::vector<Group> per_loss;
  std::vector<std::vector<Group>> per_params;  // parallel to per_loss
};
Aggregate aggregate(const CertifyRun& run);

// "fail" when a case failed; "unsupported" when every case was; "mistrusted" when none passed, was
// acceptable or rejected-ok; "partial" when cases passed but others were unsupported; else "pass".
std::string group_verdict(const Tally& t);

// "1.2e-07 at grad_input[3] (random-17)", or "-" when no value in the normal range was compared.
std::string worst_relative_text(const Group& g);

// The summary table printed at the end of a run.
void print_summary(std::ostream& out, const Aggregate& a, const Tally& total);

inline constexpr std::size_t kFailuresListed = 1000;  // in certificate.json; the count says how many more
nlohmann::ordered_json certificate_json(const CertifyRun& run, const Aggregate& a);
std::string certificate_markdown(const CertifyRun& run, const Aggregate& a);
std::string certificate_html(const CertifyRun& run, const Aggregate& a);

// Writes the files into `dir` (created if needed); throws std::runtime_error
// naming a file it cannot write.
void write_certificates(const CertifyRun& run, const std::filesystem::path& dir, bool html);

// The tolerance the profile applies, in words ("correctly rounded ...").
std::string tolerance_text(Profile p, Dtype d);

}  // namespace lossoracle::certify
