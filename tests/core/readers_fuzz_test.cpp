// Bounded random-mutation fuzzing of the readers (the JSON case reader and
// the .npy reader), run by ctest on every build: seeds from readers_fuzz.hpp,
// mutated by a seeded SplitMix64 (bit flips, interesting bytes, insertions,
// deletions, truncations, duplicated chunks), each mutant checked by
// readers_fuzz.hpp's rules. LOSSORACLE_FUZZ_ITERATIONS raises the count (the
// default keeps the test near a second); the libFuzzer target of the same
// checks runs in scripts/fuzz.sh.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "certify/splitmix.hpp"
#include "readers_fuzz.hpp"

namespace {

using lossoracle::certify::SplitMix64;

std::size_t iterations() {
  const char* env = std::getenv("LOSSORACLE_FUZZ_ITERATIONS");
  return env ? std::strtoull(env, nullptr, 10) : 20000;
}

std::string mutate(std::string s, SplitMix64& rng) {
  static const char kInteresting[] = {'\0', '\x7f', '\x80', '\xff', '{', '}', '[', ']', '"', ',', ':', '-',
                                      '9',  'e',    'x',    '(',    ')', '\'', ' ', '.', '1', '0', 'n', 't'};
  const int edits = 1 + static_cast<int>(rng.next() % 4);
  for (int e = 0; e < edits; ++e) {
    const std::size_t at = s.empty() ? 0 : rng.next() % (s.size() + 1);
    switch (rng.next() % 6) {
      case 0:
        if (at < s.size()) s[at] = static_cast<char>(s[at] ^ (1u << (rng.next() % 8)));
        break;
      case 1:
        if (at < s.size()) s[at] = kInteresting[rng.next() % sizeof kInteresting];
        break;
      case 2: s.insert(at, 1, kInteresting[rng.next() % sizeof kInteresting]); break;
      case 3:
        if (at < s.size()) s.erase(at, 1 + rng.next() % 4);
        break;
      case 4: s.resize(at); break;
      case 5: {
        if (s.empty()) break;
        const std::size_t from = rng.next() % s.size(), n = 1 + rng.next() % 8;
        s.insert(at, s.substr(from, n));
        break;
      }
    }
  }
  return s;
}

template <class Check>
void fuzz(const std::vector<std::string>& seeds, Check check, std::uint64_t seed) {
  SplitMix64 rng(seed);
  const std::size_t n = iterations();
  for (std::size_t i = 0; i < n; ++i) {
    std::string input = seeds[i % seeds.size()];
    // Mutants of mutants too, so that damage accumulates.
    for (int depth = 1 + static_cast<int>(rng.next() % 3); depth > 0; --depth) input = mutate(std::move(input), rng);
    try {
      check(input);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "iteration " << i << ": " << typeid(e).name() << ": " << e.what() << "\ninput (" << input.size()
                    << " bytes): " << testing::PrintToString(input);
      return;
    }
  }
}

TEST(ReadersFuzz, SeedsAreAccepted) {
  for (const auto& s : lossoracle::fuzz::npy_seeds())
    EXPECT_NO_THROW(lossoracle::parse_npy(s, "seed.npy", "inputs.x.npy")) << testing::PrintToString(s);
  for (const auto& s : lossoracle::fuzz::json_seeds())
    EXPECT_NO_THROW(lossoracle::case_from_json(nlohmann::json::parse(s))) << s;
}

TEST(ReadersFuzz, NpyReaderAcceptsOrRefusesWithInputError) {
  fuzz(lossoracle::fuzz::npy_seeds(), [](const std::string& s) { lossoracle::fuzz::check_npy(s); }, 1);
}

TEST(ReadersFuzz, JsonCaseReaderAcceptsOrRefusesWithInputError) {
  fuzz(lossoracle::fuzz::json_seeds(), [](const std::string& s) { lossoracle::fuzz::check_json_case(s); }, 2);
}

}  // namespace
