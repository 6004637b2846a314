// Runs one property under RapidCheck with a fixed seed and case count and
// reports what it found: holds on every case, or the counterexample that
// shrinking reached, with the values that make it one.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "properties/generators.hpp"
#include "properties/subject.hpp"

namespace lossoracle::properties {

struct RunOptions {
  std::uint64_t seed = 20261123;
  int cases = 40;  // successful cases before a property is said to hold
  Reach reach;
};

// Default counts; long mode (LOSSORACLE_PROPERTIES_LONG set and not "0", or
// --properties-long on the command line) runs 5 times as many cases and
// reaches C = 24, batches of 6 and counts to 10^6.
RunOptions run_options(bool long_mode);
bool long_mode_from_environment();

enum class Verdict { holds, fails, gave_up };
const char* verdict_name(Verdict v);

struct Outcome {
  Verdict verdict = Verdict::holds;
  int cases = 0;                // successful cases run
  std::string counterexample;   // the shrunk generated values, one per line
  std::string message;          // what the counterexample does (the values compared)
};

// `body` draws its inputs with *gen and calls violated() or undecided().
Outcome run_check(const std::function<void()>& body, const RunOptions& options);

[[noreturn]] void violated(const std::string& why);
[[noreturn]] void undecided(const std::string& why);  // the case is discarded

// Numbers in messages: shortest round-trip decimal; bounds as [lo, hi].
std::string number(double v);
std::string bound_text(const Bound& b);

// The loss of a query, failing the case (as a violation) if the subject
// rejects an input the property says is in the loss's domain.
Answer answer_of(Subject& s, const Query& q);

}  // namespace lossoracle::properties
