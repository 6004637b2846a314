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

Rewrite scale_main(double factor64, double factor32) {
  return [=](const LossInfo& info, Draft& d, Dtype dtype) {
    Tensor* x = main_input(info, d);
    if (!x) return false;
    for (double& v : x->values) v = round_to(dtype, v * (dtype == Dtype::float64 ? factor64 : factor32));
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
      {"huge-input", "the main input times 2^100: naive exp overflows", scale_main(0x1p100, 0x1p100)},
      {"huge-offset", "2^60 added to the main input: a softmax must subtract the maximum first",
       [](const LossInfo& info, Draft& d, Dtype dtype) {
         Tensor* x = main_input(info, d);
         if (!x) return false;
         for (double& v : x->values) v = round_to(dtype, v + 0x1p60);
         return true;
       }},
      {"tiny-input", "the main input scaled into the subnormal range", scale_main(0x1p-1060, 0x1p-140)},
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
       [](const LossInfo&, Draft& d, Dtype) {
         Tensor* t = integral_target(d);
         if (!t) return false;
         t->values.front() = 0x1p20;
         return true;
       }},
      {"target-negative", "the first class-index target -2^20 (not ignore_index): must be rejected",
       [](const LossInfo&, Draft& d, Dtype) {
         Tensor* t = integral_target(d);
         if (!t) return false;
         t->values.front() = -0x1p20;
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
