// certify/dtype.hpp: the four dtypes' names, formats, roundings and ulps.
// The rounding of a double to bfloat16 or binary16 (round_to, in double
// arithmetic) and the oracle's (reference/rounding.cpp, in MPFR) are written
// independently; each is checked against the other and against hand-picked
// values, and round_to's float32 against the compiler's conversion.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "certify/dtype.hpp"
#include "certify/profile.hpp"
#include "certify/splitmix.hpp"
#include "core/hexfloat.hpp"
#include "reference/real.hpp"

namespace {

using namespace lossoracle::certify;
using lossoracle::reference::Real;
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(Dtype, NamesArePytorchsAndUnknownNamesAreRefused) {
  EXPECT_EQ(dtype_choices(), "float64, float32, bfloat16, float16");
  for (Dtype d : all_dtypes()) EXPECT_EQ(parse_dtype(dtype_name(d)), d);
  for (const char* bad : {"float8", "half", "bf16", "Float16", ""}) EXPECT_FALSE(parse_dtype(bad).has_value()) << bad;
}

TEST(Dtype, FormatsUlpsAndNormalRanges) {
  EXPECT_EQ(ulp_at(Dtype::bfloat16, 1.0L), 0x1p-7L);
  EXPECT_EQ(ulp_at(Dtype::float16, 1.0L), 0x1p-10L);
  EXPECT_EQ(ulp_at(Dtype::float16, 1.999L), 0x1p-10L);
  EXPECT_EQ(ulp_at(Dtype::float16, 60000.0L), 32.0L);
  EXPECT_EQ(ulp_at(Dtype::float16, 0.0L), 0x1p-24L);     // the subnormal spacing
  EXPECT_EQ(ulp_at(Dtype::float16, 0x1p-20L), 0x1p-24L);
  EXPECT_EQ(ulp_at(Dtype::bfloat16, 0.0L), 0x1p-133L);
  EXPECT_EQ(ulp_at(Dtype::float32, 1.0L), 0x1p-23L);     // unchanged for the wide dtypes
  EXPECT_EQ(ulp_at(Dtype::float64, 0.0L), 0x1p-1074L);
  EXPECT_EQ(min_normal(Dtype::float16), 0x1p-14L);
  EXPECT_EQ(min_normal(Dtype::bfloat16), 0x1p-126L);
  EXPECT_EQ(min_normal(Dtype::float32), static_cast<long double>(std::numeric_limits<float>::min()));
}

TEST(Dtype, HandPickedRoundings) {
  struct Row {
    Dtype d;
    double v, want;
  };
  const Row rows[] = {
      {Dtype::bfloat16, 1.0 + 0x1p-8, 1.0},                  // midpoint, to even
      {Dtype::bfloat16, 1.0 + 0x3p-8, 1.0 + 0x1p-6},
      {Dtype::bfloat16, 1.0 + 0x1p-8 + 0x1p-40, 1.0 + 0x1p-7},  // its binary32 is the midpoint: no double rounding
      {Dtype::bfloat16, 0x1.ffp+127, kInf},                  // overflow threshold, a tie to 2^128
      {Dtype::bfloat16, 0x1.ffp+127 - 0x1p90, 0x1.fep+127},
      {Dtype::bfloat16, 0x1p-134, 0.0},                      // half the smallest subnormal
      {Dtype::bfloat16, 0x3p-134, 0x1p-132},
      {Dtype::float16, 65504.0, 65504.0},
      {Dtype::float16, 65520.0, kInf},
      {Dtype::float16, 65520.0 - 0x1p-20, 65504.0},
      {Dtype::float16, -65520.0, -kInf},
      {Dtype::float16, 0x1p-25, 0.0},
      {Dtype::float16, 0x1p-25 + 0x1p-60, 0x1p-24},
      {Dtype::float16, 0x3p-25, 0x1p-23},
      {Dtype::float16, 1.0 + 0x1p-11, 1.0},
      {Dtype::float16, 1e300, kInf},
  };
  for (const Row& r : rows)
    EXPECT_EQ(lossoracle::hex64(round_to(r.d, r.v)), lossoracle::hex64(r.want))
        << dtype_name(r.d) << " " << lossoracle::hex64(r.v);
  EXPECT_TRUE(std::signbit(round_to(Dtype::float16, -0x1p-26)));
  EXPECT_TRUE(representable(Dtype::bfloat16, 0x1.fep+127));
  EXPECT_FALSE(representable(Dtype::bfloat16, 1.0 + 0x1p-8));
  EXPECT_FALSE(representable(Dtype::float16, 65505.0));
  EXPECT_TRUE(representable(Dtype::float16, std::numeric_limits<double>::quiet_NaN()));
}

// Doubles spread over every binade a format has, its subnormals and beyond
// its range: a random significand of 1 to 53 bits at a random exponent, so
// that exact midpoints and values near them come up often.
double draw(SplitMix64& rng, int lowest_exponent, int highest_exponent) {
  const int bits = 1 + static_cast<int>(rng.next() % 53);
  const std::uint64_t significand = (rng.next() >> (64 - bits)) | (std::uint64_t{1} << (bits - 1));
  const int span = highest_exponent - lowest_exponent + 1;
  const int exponent = lowest_exponent + static_cast<int>(rng.next() % static_cast<std::uint64_t>(span));
  const double v = std::ldexp(static_cast<double>(significand), exponent - bits + 1);
  return rng.next() % 2 ? -v : v;
}

TEST(Dtype, Float32RoundingIsTheCompilersConversion) {
  SplitMix64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const double v = draw(rng, -160, 140);
    ASSERT_EQ(lossoracle::hex64(round_to(Dtype::float32, v)), lossoracle::hex64(static_cast<float>(v)))
        << lossoracle::hex64(v);
  }
}

TEST(Dtype, NarrowRoundingAgreesWithTheOracles) {
  const unsigned saved = Real::precision();
  Real::set_precision(256);
  SplitMix64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    const bool bf16 = i % 2 == 0;
    const double v = bf16 ? draw(rng, -140, 130) : draw(rng, -28, 18);
    const auto r = lossoracle::reference::round_enclosure(Real(v));
    const Dtype d = bf16 ? Dtype::bfloat16 : Dtype::float16;
    ASSERT_EQ(lossoracle::hex64(round_to(d, v)), lossoracle::hex64(oracle_rounding(d, r)))
        << dtype_name(d) << " " << lossoracle::hex64(v);
  }
  Real::set_precision(saved);
}

TEST(Dtype, OracleRoundingReadsTheDtypesOwnField) {
  lossoracle::reference::RoundedValue v;
  v.f64 = 1.0;
  v.f32 = 2.0f;
  v.bf16 = 3.0f;
  v.f16 = 4.0f;
  EXPECT_EQ(oracle_rounding(Dtype::float64, v), 1.0);
  EXPECT_EQ(oracle_rounding(Dtype::float32, v), 2.0);
  EXPECT_EQ(oracle_rounding(Dtype::bfloat16, v), 3.0);
  EXPECT_EQ(oracle_rounding(Dtype::float16, v), 4.0);
}

// torch/testing/_comparison.py's _DTYPE_PRECISIONS (torch 1.13.1 and main).
TEST(Dtype, PytorchTolerancesAreAssertClosesDefaults) {
  EXPECT_EQ(pytorch_tolerance(Dtype::bfloat16).rtol, 1.6e-2);
  EXPECT_EQ(pytorch_tolerance(Dtype::bfloat16).atol, 1e-5);
  EXPECT_EQ(pytorch_tolerance(Dtype::float16).rtol, 1e-3);
  EXPECT_EQ(pytorch_tolerance(Dtype::float16).atol, 1e-5);
  EXPECT_EQ(pytorch_tolerance(Dtype::float32).rtol, 1.3e-6);
}

TEST(Dtype, TightHasNoBudgetForTheNarrowDtypesAndSaysSo) {
  EXPECT_TRUE(has_tight_budgets(Dtype::float32));
  EXPECT_FALSE(has_tight_budgets(Dtype::bfloat16));
  EXPECT_FALSE(has_tight_budgets(Dtype::float16));
  EXPECT_EQ(tight_refusal(Dtype::float16),
            "--profile tight: no error budget is documented for float16 (docs/accuracy.md measures the optimized "
            "tier in float64 and float32 only); use --profile strict or pytorch for it");
  // Were it asked anyway, only the correct rounding would pass: never a silent budget.
  EXPECT_FALSE(check_element(Profile::tight, "cross_entropy", "loss", Dtype::bfloat16, 1.0L, 1.0, 1.0 + 0x1p-7).ok);
}

TEST(Dtype, ErrorsAreMeasuredInUlpsOfTheDtype) {
  // The exact value 1 + 2^-9 rounds to 1 in bfloat16; 1 + 2^-7 is its other neighbour.
  const long double exact = 1.0L + 0x1p-9L;
  const ElementCheck right = check_element(Profile::strict, "cross_entropy", "loss", Dtype::bfloat16, exact, 1.0, 1.0);
  EXPECT_TRUE(right.ok);
  EXPECT_EQ(right.ulps, 0.25L);
  const ElementCheck off =
      check_element(Profile::strict, "cross_entropy", "loss", Dtype::bfloat16, exact, 1.0, 1.0 + 0x1p-7);
  EXPECT_FALSE(off.ok);
  EXPECT_EQ(off.ulps, 0.75L);
  // pytorch: |got - e| <= 1e-5 + 1.6e-2 |e| accepts two bfloat16 ulps at 1 (0.0156 <= 0.01601)...
  EXPECT_TRUE(check_element(Profile::pytorch, "cross_entropy", "loss", Dtype::bfloat16, exact, 1.0, 1.0 + 0x1p-6).ok);
  // ...but not three, and float16's 1e-3 not two of its ulps (0.00195 > 0.00101).
  EXPECT_FALSE(
      check_element(Profile::pytorch, "cross_entropy", "loss", Dtype::bfloat16, exact, 1.0, 1.0 + 0x3p-7).ok);
  EXPECT_FALSE(check_element(Profile::pytorch, "cross_entropy", "loss", Dtype::float16, 1.0L, 1.0, 1.0 + 0x1p-9).ok);
  EXPECT_TRUE(check_element(Profile::pytorch, "cross_entropy", "loss", Dtype::float16, 1.0L, 1.0, 1.0 + 0x1p-10).ok);
}

}  // namespace
