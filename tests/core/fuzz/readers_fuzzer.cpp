// libFuzzer target over the readers (scripts/fuzz.sh builds and runs it with
// ASan and UBSan): the first byte picks the reader, the rest is its input.
// readers_fuzz.hpp says what is allowed; anything else aborts, and libFuzzer
// saves the input that did it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "../readers_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    if (data[0] & 1)
      lossoracle::fuzz::check_json_case(input);
    else
      lossoracle::fuzz::check_npy(input);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reader threw %s\n", e.what());
    std::abort();
  }
  return 0;
}
