// The suites' random numbers. The standard library's distributions differ
// between implementations, and a case must be the same case on every
// machine so that a reproduction line reproduces, so draws are made here from
// SplitMix64's integers.
#pragma once

#include <cstdint>
#include <string>

namespace lossoracle::certify {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform01() { return static_cast<double>(next() >> 11) * 0x1p-53; }  // [0, 1), every binary64 multiple of 2^-53
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  bool coin() { return (next() >> 63) != 0; }

 private:
  std::uint64_t state_;
};

// A stable 64-bit hash (FNV-1a) of a name, to give each loss its own stream.
inline std::uint64_t stable_hash(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace lossoracle::certify
