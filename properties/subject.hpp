// What a property is checked against: a subject answers a loss query with
// bounds on each output value. The reference tier answers with the oracle's
// enclosures, so a strict inequality it decides is proved; any other
// implementation (optimized, CUDA, an external adapter, a planted mutant)
// answers through certify's Implementation interface with point values.
#pragma once

#include <cmath>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "certify/implementation.hpp"
#include "core/tensor.hpp"

namespace lossoracle::properties {

// An interval holding the exact value (reference) or the answer (lo == hi).
struct Bound {
  double lo = 0, hi = 0;
  bool is_nan() const { return std::isnan(lo) || std::isnan(hi); }
  // A value inside: the midpoint, or the finite end of a half-infinite bound
  // (an enclosure whose outward rounding overflowed).
  double mid() const {
    if (lo == hi) return lo;
    if (std::isinf(lo) && !std::isinf(hi)) return hi;
    if (std::isinf(hi) && !std::isinf(lo)) return lo;
    return lo / 2 + hi / 2;
  }
};

struct Query {
  std::string loss;
  nlohmann::json params = nlohmann::json::object();
  std::map<std::string, Tensor> inputs;
};

struct Answer {
  bool rejected = false;
  std::string message;  // the rejection
  std::map<std::string, std::vector<Bound>> outputs;
  // The named output (a copy: answers are temporaries in the properties'
  // expressions); a missing one is a broken answer (std::runtime_error).
  std::vector<Bound> at(const std::string& name) const;
  // The loss when it is one value.
  Bound loss() const;
};

class Subject {
 public:
  virtual ~Subject() = default;
  virtual std::string name() const = 0;
  virtual bool implements(const std::string& loss) const = 0;
  virtual Answer evaluate(const Query& q) = 0;
  // Whether bounds that meet mean equal values. The oracle's enclosures are
  // some 2^-150 wide, far below any change a generated move makes, so for
  // the reference tier they do; a binary64 answer within its slack of
  // another decides nothing, and a strict property discards the case.
  virtual bool meeting_bounds_are_equal() const { return false; }
};

// The oracle's enclosures at a fixed working precision: no precision doubling,
// since properties need bounds, not the correctly rounded value.
class ReferenceSubject : public Subject {
 public:
  explicit ReferenceSubject(unsigned bits = 160) : bits_(bits) {}
  std::string name() const override { return "reference"; }
  bool implements(const std::string& loss) const override;
  Answer evaluate(const Query& q) override;
  bool meeting_bounds_are_equal() const override { return true; }

 private:
  unsigned bits_;
};

// Any Implementation, computing in float64. Its answers are points; a
// relation comparing two of them allows each an error of `slack` times the
// larger of the value and the largest finite input magnitude (a binary64
// log-sum-exp at logits near 1e4 loses ulps of 1e4, not of its result).
// The default 2^-40 is some 2^12 ulps of that scale. Where an input reaches
// 2^1000, a NaN or infinite answer is taken as no information (binary64
// overflows where the exact value is finite).
class ImplementationSubject : public Subject {
 public:
  ImplementationSubject(std::unique_ptr<certify::Implementation> impl, std::set<std::string> losses,
                        double slack = 0x1p-40)
      : impl_(std::move(impl)), losses_(std::move(losses)), slack_(slack) {}
  std::string name() const override { return impl_->name(); }
  bool implements(const std::string& loss) const override { return losses_.empty() || losses_.count(loss) != 0; }
  Answer evaluate(const Query& q) override;

 private:
  std::unique_ptr<certify::Implementation> impl_;
  std::set<std::string> losses_;  // empty: every loss of the registry
  double slack_;
};

nlohmann::json query_request(const Query& q);

}  // namespace lossoracle::properties
