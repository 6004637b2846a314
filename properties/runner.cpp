#include "properties/runner.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <rapidcheck.h>

namespace lossoracle::properties {

RunOptions run_options(bool long_mode) {
  RunOptions o;
  if (long_mode) {
    o.cases = 200;
    o.reach.max_classes = 24;
    o.reach.max_batch = 6;
    o.reach.max_count = 1000000;
  }
  return o;
}

bool long_mode_from_environment() {
  const char* v = std::getenv("LOSSORACLE_PROPERTIES_LONG");
  return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
}

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::holds: return "holds";
    case Verdict::fails: return "fails";
    case Verdict::gave_up: return "gave up";
  }
  return "?";
}

void violated(const std::string& why) {
  throw rc::detail::CaseResult(rc::detail::CaseResult::Type::Failure, why);
}

void undecided(const std::string& why) {
  throw rc::detail::CaseResult(rc::detail::CaseResult::Type::Discard, why);
}

std::string number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string bound_text(const Bound& b) {
  if (b.is_nan()) return "nan";
  if (b.lo == b.hi) return number(b.lo);
  return "[" + number(b.lo) + ", " + number(b.hi) + "]";
}

Answer answer_of(Subject& s, const Query& q) {
  Answer a = s.evaluate(q);
  if (a.rejected) violated(s.name() + " rejected the input: " + a.message);
  return a;
}

Outcome run_check(const std::function<void()>& body, const RunOptions& options) {
  rc::detail::TestParams params;
  params.seed = options.seed;
  params.maxSuccess = options.cases;
  params.maxSize = 100;
  params.maxDiscardRatio = 20;
  rc::detail::TestMetadata metadata;
  const rc::detail::TestResult result = rc::detail::checkTestable([&] { body(); }, metadata, params);
  Outcome out;
  rc::detail::SuccessResult success;
  rc::detail::FailureResult failure;
  rc::detail::GaveUpResult gave_up;
  rc::detail::Error error;
  if (result.match(success)) {
    out.verdict = Verdict::holds;
    out.cases = success.numSuccess;
  } else if (result.match(failure)) {
    out.verdict = Verdict::fails;
    out.cases = failure.numSuccess;
    out.message = failure.description;
    for (const auto& [name, value] : failure.counterExample)
      out.counterexample += (out.counterexample.empty() ? "" : "\n") + name + ": " + value;
  } else if (result.match(gave_up)) {
    out.verdict = Verdict::gave_up;
    out.cases = gave_up.numSuccess;
    out.message = gave_up.description;
  } else if (result.match(error)) {
    out.verdict = Verdict::gave_up;
    out.message = "error: " + error.description;
  }
  return out;
}

}  // namespace lossoracle::properties
