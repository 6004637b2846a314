// `lossoracle certify`: runs the suites of the chosen losses through one
// implementation, judges every answer, prints failures as benchdnn does (one
// reproduction line each) and a summary whose counts add up, and returns the
// records that certificates are written from.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "certify/implementation.hpp"
#include "certify/profile.hpp"
#include "certify/suite.hpp"
#include "certify/verdict.hpp"

namespace lossoracle::certify {

struct CertifyOptions {
  std::string impl = "reference";
  std::vector<std::string> losses;
  SuiteLevel level = SuiteLevel::smoke;
  std::vector<Dtype> dtypes{Dtype::float64, Dtype::float32};
  std::uint64_t seed = 1;
  Profile profile = Profile::strict;
  std::optional<std::string> case_id;  // run this case only, and show it in full
  std::filesystem::path golden_dir = "golden/vectors";
  ImplementationOptions impl_options;
  std::size_t max_failures_shown = 20;  // per loss and dtype; every failure is in the certificate
  bool progress = false;                // a progress line on stderr
};

struct CaseRecord {
  std::string loss;
  Dtype dtype;
  std::string id, origin;
  std::string params;  // the case's params as compact JSON: the certificate groups by it
  Expect expect;
  std::vector<std::string> outputs_compared;
  Outcome outcome;
  nlohmann::json request;
};

struct Tally {
  std::size_t total = 0, passed = 0, failed = 0, mistrusted = 0, rejected_ok = 0, acceptable = 0, unsupported = 0;
  void add(Verdict v);
};

struct CertifyRun {
  CertifyOptions options;
  std::string command_line;  // the certify command that reproduces the whole run
  std::vector<CaseRecord> records;
  Tally tally;
  nlohmann::json versions = nlohmann::json::object();  // the implementation's, after the run
};

// Throws SuiteError (a loss without golden vectors), ImplementationError, or
// std::invalid_argument for a --case that the suite does not hold.
CertifyRun run_certify(const CertifyOptions& options, Implementation& impl, std::ostream& out, std::ostream& err);

// "tests: N passed: .. failed: .. mistrusted: .. rejected-ok: .. acceptable: .. unsupported: .."
std::string summary_line(const Tally& t);

// The certify command for these options, shell-quoted; with a case id, the
// reproduction line of that case.
std::string certify_command(const CertifyOptions& o, const std::vector<std::string>& losses,
                            const std::vector<Dtype>& dtypes, const std::optional<std::string>& case_id);

}  // namespace lossoracle::certify
