// The reference tier as an implementation under test: the oracle's value
// rounded to the dtype. It passes `strict` by construction, which is what
// makes it the control of every certificate: a suite it fails is a broken
// suite, not a broken implementation.
#pragma once

#include "certify/implementation.hpp"
#include "reference/oracle.hpp"

namespace lossoracle::certify {

class ReferenceImplementation : public Implementation {
 public:
  explicit ReferenceImplementation(reference::OracleOptions options = {}) : options_(options) {}
  std::string name() const override { return "reference"; }
  ImplResult evaluate(const nlohmann::json& request, Dtype dtype) override;

 private:
  reference::OracleOptions options_;
};

}  // namespace lossoracle::certify
