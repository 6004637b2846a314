// Numbers that documents printed, checked against the oracle's exact values.
//
// A document prints the value its code computed in float32, rounded to the
// digits shown: torch prints tensor(2.8050) with 4 decimals, or 5 significant
// digits in scientific form (9.2457e-01). The float32 computation is off by a
// few float32 ulps (relative ~1e-7), far below one printed unit, but it can
// push a value that lies near a rounding boundary of the printed digits to
// the other side. So the criterion is
//     |exact - printed| <= 1 unit in the last printed digit,
// and the test also reports, for each number, the distance in those units
// and whether the exact value itself rounds to the printed digits (<= 0.5).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <regex>

#include "golden_files.hpp"

namespace {

using nlohmann::json;
using namespace golden_test;

// The value of one unit in the last digit of a printed number: "2.8050" ->
// 1e-4, "9.2457e-01" -> 1e-5, "14" -> 1.
long double last_digit_unit(const std::string& printed) {
  static const std::regex re(R"(-?[0-9]+(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?)");
  std::smatch m;
  if (!std::regex_match(printed, m, re)) throw std::invalid_argument("not a printed number: " + printed);
  const int decimals = m[1].matched ? static_cast<int>(m[1].length()) : 0;
  const int exponent = m[2].matched ? std::stoi(m[2].str()) : 0;
  return std::pow(10.0L, static_cast<long double>(exponent - decimals));
}

TEST(Printed, LastDigitUnitReadsBothPrintForms) {
  EXPECT_EQ(last_digit_unit("2.8050"), std::pow(10.0L, -4.0L));
  EXPECT_EQ(last_digit_unit("9.2457e-01"), std::pow(10.0L, -5.0L));
  EXPECT_EQ(last_digit_unit("14"), 1.0L);
  EXPECT_EQ(last_digit_unit("1.5e+03"), 100.0L);
}

TEST(Printed, EveryPrintedNumberIsWithinOneUnitOfItsLastDigit) {
  std::size_t checked = 0, rounding_exactly = 0;
  for_each_test(committed_vectors(), [&](const std::string& file, const json&, const json&, const json& test) {
    if (!test.contains("outputs")) return;
    for (const auto& [name, out] : test.at("outputs").items()) {
      if (!out.contains("printed")) continue;
      for (std::size_t i = 0; i < out.at("printed").size(); ++i) {
        const json& p = out.at("printed")[i];
        if (p.is_null()) continue;
        const std::string where = file + " tcId " + test.at("tcId").dump() + " " + name + "[" + std::to_string(i) + "]";
        const std::string status = out.at("status")[i];
        ASSERT_TRUE(status == "proved" || status == "exact" || status == "tie") << where << ": status " << status;
        const std::string printed = p.get<std::string>();
        const std::string exact = out.at("decimal")[i];
        // 64-bit long double: the error of reading 40 digits is ~1e-19
        // relative, negligible against units of 1e-4..1e-6.
        const long double value = std::strtold(exact.c_str(), nullptr);
        const long double units = std::fabs(value - std::strtold(printed.c_str(), nullptr)) / last_digit_unit(printed);
        const bool rounds = units <= 0.5L;
        std::printf("%-38s printed %-11s exact %-20.13Lg |exact - printed| = %.3Lf units of the last digit%s\n",
                    where.c_str(), printed.c_str(), value, units, rounds ? "" : "  (the exact value rounds to other digits)");
        EXPECT_LE(units, 1.0L) << where << ": printed " << printed << ", exact " << exact;
        ++checked;
        rounding_exactly += rounds ? 1 : 0;
      }
    }
  });
  std::printf("%zu printed numbers checked, %zu of them the exact value rounded to the printed digits\n", checked,
              rounding_exactly);
  EXPECT_GT(checked, 0u) << "no printed numbers in golden/vectors: the check would be vacuous";
}

}  // namespace
