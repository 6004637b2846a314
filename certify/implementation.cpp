#include "certify/implementation.hpp"

#include "certify/cuda_impl.hpp"
#include "certify/external_impl.hpp"
#include "certify/optimized_impl.hpp"
#include "certify/reference_impl.hpp"

namespace lossoracle::certify {

namespace {

// The built-in tiers, fastest first, reference last; each answers through
// Implementation. A tier that cannot run here (CUDA without nvcc or a device)
// refuses when made, with an ImplementationError naming why.
struct Tier {
  const char* name;
  std::unique_ptr<Implementation> (*make)();
};

const Tier kTiers[] = {
    {"cuda", make_cuda_implementation},
    {"optimized", [] { return std::unique_ptr<Implementation>(new OptimizedImplementation()); }},
    {"reference", [] { return std::unique_ptr<Implementation>(new ReferenceImplementation()); }},
};

constexpr const char* kExternal = "external:";

}  // namespace

std::unique_ptr<Implementation> make_implementation(const std::string& spec, const ImplementationOptions& options) {
  if (spec.rfind(kExternal, 0) == 0) {
    const std::string command = spec.substr(std::string(kExternal).size());
    if (command.find_first_not_of(" \t") == std::string::npos)
      throw ImplementationError("--impl external: needs a command, e.g. external:'python3 -m lossoracle_adapters.pytorch'");
    return std::make_unique<ExternalImplementation>(spec, command, options);
  }
  std::string known;
  for (const Tier& t : kTiers) {
    if (spec == t.name) return t.make();
    known += std::string(t.name) + ", ";
  }
  throw ImplementationError("--impl " + spec + ": unknown implementation (known: " + known + "external:<command>)");
}

}  // namespace lossoracle::certify
