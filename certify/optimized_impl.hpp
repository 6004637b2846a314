// The optimized CPU tier (optimized/) as an implementation under test: the
// request read through core/ (protocol, registry, resolve_case), computed in
// the dtype asked, outputs named as the oracle names them. A loss the tier
// does not implement is refused with a message saying so, so a certificate
// for it fails visibly rather than silently falling back to the oracle.
#pragma once

#include "certify/implementation.hpp"

namespace lossoracle::certify {

class OptimizedImplementation : public Implementation {
 public:
  std::string name() const override { return "optimized"; }
  ImplResult evaluate(const nlohmann::json& request, Dtype dtype) override;
};

}  // namespace lossoracle::certify
