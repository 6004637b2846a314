#include "certify/corner_cases.hpp"

#include <cmath>
#include <functional>
#include <limits>

namespace lossoracle::certify {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A rewrite returns false where it does not apply to the case.
using Rewrite = std::function<bool(const LossInfo&, Draft&, Dtype)>;

struct Entry {
  const char* name;
  const char* description;
  Rewrite rewrite;
};

// The loss's first input is its main tensor (logits, log-probabilities or
// probabilities); the protocol names class labels "target" and class weights "weight".
Tensor* main_input(const LossInfo& info, Draft& d) {
  if (info.inputs.empty()) return nullptr;
  auto it = d.inputs.find(info.inputs.front().name);
  return it == d.inputs.end() || it->second.values.empty() ? nullptr : &it->second;
}

Tensor* named(Draft& d, const char* name) {
  auto it = d.inputs.find(name);
  return it == d.inputs.end() || it->second.values.empty() ? nullptr : &it->second;
}

Tensor* integral_target(Draft& d) {
  Tensor* t = named(d, "target");
  return t && all_integral(*t) ? t : nullptr;
}

// A factor or offset per dtype, in the order of Dtype: float64, float32,
// bfloat16, float16. Binary16's range ends at 65504 and its normal range at
// 2^-14, so there "huge" is x 2^10 or + 2^12 and "tiny" x 2^-20; bfloat16's
// subnormals end at 2^-133, so its "tiny" is x 2^-130 (docs/certify.md).
struct PerDtype {
  double f64, f32, bf16, f16;
  double operator()(Dtype d) const {
    switch (d) {
      case Dtype::float64: return f64;
      case Dtype::float32: return f32;
      case Dtype::bfloat16: return bf16;
      case Dtype::float16: return f16;
    }
    return f64;
  }
};

// A class index beyond any class, and a value of the dtype: 2^20, or 2^15 in
// float16 (whose range ends at 65504).
constexpr PerDtype kFarClass{0x1p20, 0x1p20, 0x1p20, 0x1p15};

Rewrite scale_main(PerDtype factor) {
  return [=](const LossInfo& info, Draft& d, Dtype dtype) {
    Tensor* x = main_input(info, d);
    if (!x) return false;
    for (double& v : x->values) v = round_to(dtype, v * factor(dtype));
    return true;
  };
}

Rewrite set_first_of_main(double value) {
  return [=](const LossInfo& info, Draft& d, Dtype) {
    Tensor* x = main_input(info, d);
    if (!x) return false;
    x->values.front() = value;
    return true;
  };
}

const std::vector<Entry>& table() {
  static const std::vector<Entry> entries{
      {"huge-input", "the main input times 2^100: naive exp overflows", scale_main({0x1p100, 0x1p100, 0x1p100, 0x1p10})},
      {"huge-offset", "2^60 added to the main input: a softmax must subtract the maximum first",
       [](const LossInfo& info, Draft& d, Dtype dtype) {
         Tensor* x = main_input(info, d);
         if (!x) return false;
         for (double& v : x->values) v = round_to(dtype, v + PerDtype{0x1p60, 0x1p60, 0x1p60, 0x1p12}(dtype));
         return true;
       }},
      {"tiny-input", "the main input scaled into the subnormal range", scale_main({0x1p-1060, 0x1p-140, 0x1p-130, 0x1p-20})},
      {"ties", "every element of the main input equal (uniform softmax, exact midpoints)",
       [](const LossInfo& info, Draft& d, Dtype) {
         Tensor* x = main_input(info, d);
         if (!x) return false;
         for (double& v : x->values) v = x->values.front();
         return true;
       }},
      {"nan-input", "the first element of the main input NaN", set_first_of_main(kNaN)},
      {"inf-input", "the first element of the main input +inf", set_first_of_main(kInf)},
      {"neg-inf-input", "the first element of the main input -inf", set_first_of_main(-kInf)},
      {"all-ignored", "every class-index target equals ignore_index (a mean over nothing)",
       [](const LossInfo&, Draft& d, Dtype) {
         Tensor* t = integral_target(d);
         if (!t || !d.params.contains("ignore_index") || !d.params.at("ignore_index").is_number_integer()) return false;
         for (double& v : t->values) v = static_cast<double>(d.params.at("ignore_index").get<std::int64_t>());
         return true;
       }},
      {"zero-weights", "every class weight 0",
       [](const LossInfo&, Draft& d, Dtype) {
         Tensor* w = named(d, "weight");
         if (!w) return false;
         for (double& v : w->values) v = 0;
         return true;
       }},
      {"zero-weight-first", "the first class weight 0",
       [](const LossInfo&, Draft& d, Dtype) {
         Tensor* w = named(d, "weight");
         if (!w) return false;
         w->values.front() = 0;
         return true;
       }},
      {"target-out-of-range", "the first class-index target 2^20, beyond any class: must be rejected",
       [](const LossInfo&, Draft& d, Dtype dtype) {
         Tensor* t = integral_target(d);
         if (!t) return false;
         t->values.front() = kFarClass(dtype);
         return true;
       }},
      {"target-negative", "the first class-index target -2^20 (not ignore_index): must be rejected",
       [](const LossInfo&, Draft& d, Dtype dtype) {
         Tensor* t = integral_target(d);
         if (!t) return false;
         t->values.front() = -kFarClass(dtype);
         return true;
       }},
      {"target-nan", "the first element of the target NaN",
       [](const LossInfo&, Draft& d, Dtype) {
         Tensor* t = named(d, "target");
         if (!t) return false;
         t->values.front() = kNaN;
         return true;
       }},
      {"target-fraction", "the first class-index target plus 1/2: not a class index",
       [](const LossInfo&, Draft& d, Dtype) {
         Tensor* t = integral_target(d);
         if (!t) return false;
         t->values.front() += 0.5;
         return true;
       }},
  };
  return entries;
}

}  // namespace

std::vector<Corner> corner_cases(const LossInfo& info, const Draft& from, Dtype dtype) {
  std::vector<Corner> out;
  for (const Entry& e : table()) {
    Draft d = from;
    if (e.rewrite(info, d, dtype)) out.push_back({e.name, e.description, std::move(d)});
  }
  return out;
}

std::vector<std::string> corner_names() {
  std::vector<std::string> names;
  for (const Entry& e : table()) names.push_back(e.name);
  return names;
}

}  // namespace lossoracle::certify
