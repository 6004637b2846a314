// Case suites: for one loss and one dtype, the golden vectors of the loss,
// the corner table applied to them, and seeded random cases drawn from them
// (docs/certify.md, "Suites"). Every case carries the oracle's verdict on it,
// so an implementation's answer can be judged without evaluating it again.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "certify/dtype.hpp"
#include "reference/oracle.hpp"

namespace lossoracle::certify {

enum class SuiteLevel { smoke, standard, exhaustive };
const char* level_name(SuiteLevel l);
std::optional<SuiteLevel> parse_level(const std::string& name);

// What a correct implementation does with a case.
enum class Expect {
  valid,       // produce the oracle's outputs
  invalid,     // reject the input
  acceptable,  // a golden `acceptable` vector: the oracle's outputs, or another documented convention
};
const char* expect_name(Expect e);

struct SuiteCase {
  std::string id;      // unique within (loss, dtype, level, seed): golden-17, corner-nan-input-17, random-42
  std::string origin;  // where it comes from, for people
  std::string loss;
  Dtype dtype = Dtype::float64;
  nlohmann::json request;  // a `lossoracle eval` case with "id", inputs as exact hex floats in the dtype
  Expect expect = Expect::valid;
  std::vector<std::string> flags;               // the golden vector's flags, if it is one
  std::optional<reference::OracleAnswer> answer;  // the oracle's outputs (valid, acceptable)
  std::string rejection;                          // the oracle's message (invalid)
};

struct SuiteOptions {
  SuiteLevel level = SuiteLevel::smoke;
  Dtype dtype = Dtype::float64;
  std::uint64_t seed = 1;
  std::filesystem::path golden_dir = "golden/vectors";
  std::optional<std::string> only_id;  // build just this case (a reproduction)
  reference::OracleOptions oracle;
};

// Throws SuiteError when the loss has no golden vectors to start from.
std::vector<SuiteCase> build_suite(const std::string& loss, const SuiteOptions& options);

class SuiteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace lossoracle::certify
