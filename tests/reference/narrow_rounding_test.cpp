// The oracle's bfloat16 and binary16 roundings (reference/rounding.cpp,
// round_enclosure): hand-picked values at midpoints, just off them, at the
// largest finite values and overflow thresholds, in the subnormal range, and
// the values where a rounding derived from the binary32 one (double rounding)
// would be wrong.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/hexfloat.hpp"
#include "core/registry.hpp"
#include "reference/oracle.hpp"
#include "reference/real.hpp"
#include "reference/rounding.hpp"

namespace {

namespace ref = lossoracle::reference;
using ref::ProofStatus;
using ref::Real;
using ref::RoundedValue;

constexpr float kInf = std::numeric_limits<float>::infinity();

struct RealPrecision {
  unsigned saved = Real::precision();
  explicit RealPrecision(unsigned bits) { Real::set_precision(bits); }
  ~RealPrecision() { Real::set_precision(saved); }
};

// Each expectation: an exact value (a point, so the status is exact or tie),
// its bfloat16 and binary16 roundings and whether it is a midpoint of each.
struct Expected {
  const char* what;
  Real value;
  float bf16;
  bool tie_bf16;
  float f16;
  bool tie_f16;
};

void expect_rounding(const Expected& e) {
  const RoundedValue r = ref::round_enclosure(e.value);
  ASSERT_TRUE(r.status == ProofStatus::exact || r.status == ProofStatus::tie) << e.what;
  EXPECT_EQ(lossoracle::hex32(r.bf16), lossoracle::hex32(e.bf16)) << e.what << ": bfloat16";
  EXPECT_EQ(r.tie_bf16, e.tie_bf16) << e.what << ": bfloat16 tie flag";
  EXPECT_EQ(lossoracle::hex32(r.f16), lossoracle::hex32(e.f16)) << e.what << ": binary16";
  EXPECT_EQ(r.tie_f16, e.tie_f16) << e.what << ": binary16 tie flag";
}

TEST(NarrowRounding, MidpointsRoundToEven) {
  RealPrecision p(256);
  const Expected cases[] = {
      // bfloat16's spacing at 1 is 2^-7: 1 + 2^-8 lies between 1 (even) and 1 + 2^-7 (odd).
      {"1 + 2^-8", Real(1.0 + 0x1p-8), 1.0f, true, 1.0f + 0x1p-8f, false},
      {"1 + 3*2^-8", Real(1.0 + 0x3p-8), 1.0f + 0x1p-6f, true, 1.0f + 0x3p-8f, false},
      {"-(1 + 2^-8)", Real(-(1.0 + 0x1p-8)), -1.0f, true, -(1.0f + 0x1p-8f), false},
      // binary16's spacing at 1 is 2^-10.
      {"1 + 2^-11", Real(1.0 + 0x1p-11), 1.0f, false, 1.0f, true},
      {"1 + 3*2^-11", Real(1.0 + 0x3p-11), 1.0f, false, 1.0f + 0x1p-9f, true},
      {"-(1 + 3*2^-11)", Real(-(1.0 + 0x3p-11)), -1.0f, false, -(1.0f + 0x1p-9f), true},
      // Integers: 257 is a bfloat16 midpoint (256, 258), 2049 a binary16 one (2048, 2050).
      {"257", Real(257.0), 256.0f, true, 257.0f, false},
      {"2049", Real(2049.0), 2048.0f, false, 2048.0f, true},
      {"2051", Real(2051.0), 2048.0f, false, 2052.0f, true},
  };
  for (const Expected& e : cases) expect_rounding(e);
}

TEST(NarrowRounding, JustOffAMidpointRoundsToTheNearerNeighbour) {
  RealPrecision p(256);
  const Expected cases[] = {
      {"1 + 2^-8 + 2^-60", Real(1.0) + Real(0x1p-8) + Real(0x1p-60), 1.0f + 0x1p-7f, false, 1.0f + 0x1p-8f, false},
      {"1 + 2^-8 - 2^-60", Real(1.0) + Real(0x1p-8) - Real(0x1p-60), 1.0f, false, 1.0f + 0x1p-8f, false},
      {"1 + 2^-11 + 2^-60", Real(1.0) + Real(0x1p-11) + Real(0x1p-60), 1.0f, false, 1.0f + 0x1p-10f, false},
      {"1 + 2^-11 - 2^-60", Real(1.0) + Real(0x1p-11) - Real(0x1p-60), 1.0f, false, 1.0f, false},
  };
  for (const Expected& e : cases) expect_rounding(e);
}

TEST(NarrowRounding, LargestFiniteValuesAndOverflowThresholds) {
  RealPrecision p(256);
  const float bf16_max = 0x1.fep+127f;  // (2 - 2^-7) * 2^127
  const Expected cases[] = {
      {"bfloat16 max", Real(0x1.fep+127), bf16_max, false, kInf, false},
      // (2 - 2^-8) * 2^127 is the midpoint between the max and 2^128: even is 2^128, so infinity.
      {"bfloat16 overflow threshold", Real(0x1.ffp+127), kInf, true, kInf, false},
      {"just below it", Real(0x1.ffp+127) - Real(0x1p60), bf16_max, false, kInf, false},
      {"just above it", Real(0x1.ffp+127) + Real(0x1p60), kInf, false, kInf, false},
      {"-(bfloat16 overflow threshold)", Real(-0x1.ffp+127), -kInf, true, -kInf, false},
      {"binary16 max", Real(65504.0), 65536.0f, false, 65504.0f, false},  // 0x1.ffcp+15: 8 bits round it up
      // 65520 = 65504 + 16 is binary16's overflow midpoint.
      {"binary16 overflow threshold", Real(65520.0), 65536.0f, false, kInf, true},
      {"just below it", Real(65520.0) - Real(0x1p-40), 65536.0f, false, 65504.0f, false},
      {"just above it", Real(65520.0) + Real(0x1p-40), 65536.0f, false, kInf, false},
      {"-(binary16 overflow threshold)", Real(-65520.0), -65536.0f, false, -kInf, true},
      {"far beyond both", Real(1e300), kInf, false, kInf, false},
  };
  for (const Expected& e : cases) expect_rounding(e);
}

TEST(NarrowRounding, Subnormals) {
  RealPrecision p(256);
  const Expected cases[] = {
      // binary16: the smallest subnormal is 2^-24, the smallest normal 2^-14.
      {"binary16 smallest subnormal", Real(0x1p-24), 0x1p-24f, false, 0x1p-24f, false},
      {"half of it", Real(0x1p-25), 0x1p-25f, false, 0.0f, true},
      {"just above half", Real(0x1p-25) + Real(0x1p-80), 0x1p-25f, false, 0x1p-24f, false},
      {"just below half", Real(0x1p-25) - Real(0x1p-80), 0x1p-25f, false, 0.0f, false},
      {"-(half of it)", Real(-0x1p-25), -0x1p-25f, false, -0.0f, true},
      {"3 * 2^-25", Real(0x3p-25), 0x3p-25f, false, 0x1p-23f, true},
      {"a subnormal's spacing, not the normal one", Real(0x1p-20) + Real(0x1p-26), 0x1p-20f + 0x1p-26f, false, 0x1p-20f, false},
      // Between the largest subnormal 2^-14 - 2^-24 (odd count) and 2^-14 (even).
      {"binary16 normal boundary midpoint", Real(0x1p-14) - Real(0x1p-25), 0x1p-14f, false, 0x1p-14f, true},
      // bfloat16: the smallest subnormal is 2^-133.
      {"bfloat16 smallest subnormal", Real(0x1p-133), 0x1p-133f, false, 0.0f, false},
      {"half of it", Real(0x1p-134), 0.0f, true, 0.0f, false},
      {"just above half", Real(0x1p-134) + Real(0x1p-200), 0x1p-133f, false, 0.0f, false},
      {"3 * 2^-134", Real(0x3p-134), 0x1p-132f, true, 0.0f, false},
      {"bfloat16 normal boundary midpoint", Real(0x1p-126) - Real(0x1p-134), 0x1p-126f, true, 0.0f, false},
  };
  for (const Expected& e : cases) expect_rounding(e);
}

// Each of these values rounds to binary32 onto a midpoint of the narrow format
// (or onto its overflow threshold), so a narrow rounding taken from the
// binary32 would round that midpoint to even and land on the wrong side.
TEST(NarrowRounding, NeverDerivedFromTheBinary32Rounding) {
  RealPrecision p(256);
  struct Trap {
    const char* what;
    Real value;
    float f32;  // the binary32 rounding, a narrow-format midpoint
    float bf16, f16;
  };
  const Trap traps[] = {
      {"1 + 2^-8 + 2^-40", Real(1.0) + Real(0x1p-8) + Real(0x1p-40), 1.0f + 0x1p-8f, 1.0f + 0x1p-7f, 1.0f + 0x1p-8f},
      {"1 + 2^-11 + 2^-40", Real(1.0) + Real(0x1p-11) + Real(0x1p-40), 1.0f + 0x1p-11f, 1.0f, 1.0f + 0x1p-10f},
      {"65520 - 2^-20", Real(65520.0) - Real(0x1p-20), 65520.0f, 65536.0f, 65504.0f},
      {"bfloat16 threshold - 2^90", Real(0x1.ffp+127) - Real(0x1p90), 0x1.ffp+127f, 0x1.fep+127f, kInf},
      {"2^-25 + 2^-60", Real(0x1p-25) + Real(0x1p-60), 0x1p-25f, 0x1p-25f, 0x1p-24f},
  };
  for (const Trap& t : traps) {
    const RoundedValue r = ref::round_enclosure(t.value);
    EXPECT_EQ(lossoracle::hex32(r.f32), lossoracle::hex32(t.f32)) << t.what << ": the trap is not set";
    EXPECT_EQ(lossoracle::hex32(r.bf16), lossoracle::hex32(t.bf16)) << t.what << ": bfloat16";
    EXPECT_EQ(lossoracle::hex32(r.f16), lossoracle::hex32(t.f16)) << t.what << ": binary16";
    EXPECT_FALSE(r.tie_bf16 || r.tie_f16) << t.what;
  }
}

TEST(NarrowRounding, ANarrowMidpointAloneIsFlaggedButStaysExact) {
  RealPrecision p(256);
  const RoundedValue r = ref::round_enclosure(Real(1.0 + 0x1p-8));
  EXPECT_EQ(r.status, ProofStatus::exact) << "status `tie` speaks of binary64 and binary32 only";
  EXPECT_TRUE(r.tie_bf16);
  EXPECT_FALSE(r.tie64 || r.tie32);
}

TEST(NarrowRounding, EnclosureStraddlingOnlyANarrowMidpointLeavesOnlyTheNarrowFormatsUnresolved) {
  RealPrecision p(200);
  // [1 + 2^-8, 1 + 2^-8 + 2^-199]: every point rounds to 1 + 2^-8 in binary64
  // and binary32, but the ends round to 1 and 1 + 2^-7 in bfloat16. The wide
  // formats stay proved: their answer must not depend on the narrow ones
  // (smooth_soft_labels had two float32 outputs in the accuracy run turn
  // unresolved when one status spoke for all four formats).
  RoundedValue r = ref::round_enclosure(Real(1.0 + 0x1p-8) + Real(0x1p-250));
  ASSERT_EQ(r.lower, 1.0 + 0x1p-8);
  EXPECT_EQ(r.status, ProofStatus::proved);
  EXPECT_EQ(r.f64, 1.0 + 0x1p-8);
  EXPECT_EQ(r.f32, 1.0f + 0x1p-8f);
  EXPECT_TRUE(r.narrow_unresolved);
  EXPECT_TRUE(ref::rounding_decided(r, false));
  EXPECT_FALSE(ref::rounding_decided(r, true));
  r = ref::round_enclosure(Real(1.0 + 0x1p-11) + Real(0x1p-250));  // binary16's midpoint
  EXPECT_EQ(r.status, ProofStatus::proved);
  EXPECT_TRUE(r.narrow_unresolved);
  // The same width off every midpoint is proved, with all four roundings.
  r = ref::round_enclosure(Real(1.0 + 0x1p-9) + Real(0x1p-250));
  EXPECT_EQ(r.status, ProofStatus::proved);
  EXPECT_FALSE(r.narrow_unresolved);
  EXPECT_EQ(r.bf16, 1.0f);
  EXPECT_EQ(r.f16, 1.0f + 0x1p-9f);
}

TEST(NarrowRounding, ProvedValuesAndSpecialValues) {
  RealPrecision p(256);
  RoundedValue r = ref::round_enclosure(Real(1.0) / Real(3.0));
  EXPECT_EQ(r.status, ProofStatus::proved);
  EXPECT_EQ(lossoracle::hex32(r.bf16), "0x1.56p-2");   // 0.0101010101... rounded to 8 bits
  EXPECT_EQ(lossoracle::hex32(r.f16), "0x1.554p-2");   // to 11 bits
  r = ref::round_enclosure(-(Real(2.0) / Real(3.0)) * Real(0x1p-20));  // a binary16 subnormal
  EXPECT_EQ(r.status, ProofStatus::proved);
  EXPECT_EQ(lossoracle::hex32(r.f16), lossoracle::hex32(-0xbp-24f));  // 2/3 * 16 = 10.67 quanta of 2^-24
  r = ref::round_enclosure(Real(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_TRUE(std::isnan(r.bf16) && std::isnan(r.f16));
  r = ref::round_enclosure(Real(-std::numeric_limits<double>::infinity()));
  EXPECT_EQ(r.bf16, -kInf);
  EXPECT_EQ(r.f16, -kInf);
  r = ref::round_enclosure(Real(0x1p-60) - Real(0x1p-61) * Real(2.0));  // an exact zero by cancellation
  EXPECT_EQ(r.bf16, 0.0f);
  EXPECT_FALSE(std::signbit(r.f16));
}

// The trap in a real loss: softmax(0, -3*2^-10)_0 = 1/(1 + e^(-3*2^-10)) =
// 1/2 + 3*2^-12 - 2^-30.8..., whose binary32 rounding 1/2 + 3*2^-12 is the
// binary16 midpoint between 1/2 + 2^-11 (odd) and 1/2 + 2^-10 (even). The
// value lies below it, so binary16 is 1/2 + 2^-11; via binary32 it would be
// 1/2 + 2^-10.
TEST(NarrowRounding, TheOraclesSoftmaxEscapesTheDoubleRoundingTrap) {
  lossoracle::LossCase c;
  c.loss = "softmax";
  c.inputs["input"] = {{2}, {0.0, -0x3p-10}};
  const auto& info = lossoracle::find_loss("softmax");
  lossoracle::resolve_case(info, c);
  const ref::OracleAnswer a = ref::evaluate_correctly_rounded(info.oracle, c);
  ASSERT_EQ(a.outputs.at(0).name, "loss");
  const RoundedValue& p0 = a.outputs[0].values.at(0);
  EXPECT_EQ(p0.status, ProofStatus::proved);
  EXPECT_EQ(lossoracle::hex32(p0.f32), "0x1.006p-1");
  EXPECT_EQ(lossoracle::hex32(p0.f16), "0x1.004p-1");
  EXPECT_EQ(lossoracle::hex32(p0.bf16), "0x1p-1");
  EXPECT_FALSE(p0.tie_f16);
}

}  // namespace
