// An implementation under test: anything that, given a case and a dtype,
// returns outputs in that dtype or rejects the input. The built-in tiers and
// external adapters (docs/protocol.md, "Implementation protocol") are all
// reached through this interface, so `lossoracle certify` judges them alike.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "certify/dtype.hpp"
#include "core/tensor.hpp"

namespace lossoracle::certify {

struct ImplOutput {
  std::string name;  // as the oracle names outputs: loss, per_position, grad_input, grad_target, ...
  Shape shape;
  std::vector<double> values;  // each a value of the dtype
};

struct ImplResult {
  enum class Kind {
    outputs,   // it computed outputs
    rejected,  // it refused the input (message: its error)
    broken,    // it could not answer: crashed, hung, answered garbage (message says which, naming the case)
    unsupported,  // the library has no way to compute this case (a parameter, input or case form it lacks);
                  // message: the adapter's reason. Counted on its own, never as a pass
  };
  Kind kind = Kind::broken;
  std::vector<ImplOutput> outputs;
  std::string message;
  // A documented convention the implementation says it computes by (a name of
  // conventions() in certify/verdict.hpp), or empty: outputs that differ from
  // the oracle's only where the oracle's value is NaN or infinite are then
  // `acceptable`, as on an `acceptable` golden vector.
  std::string convention;
};

class Implementation {
 public:
  virtual ~Implementation() = default;
  // The --impl spelling, so a reproduction line names the same implementation.
  virtual std::string name() const = 0;
  // `request` is a `lossoracle eval` case with an "id" (docs/protocol.md).
  virtual ImplResult evaluate(const nlohmann::json& request, Dtype dtype) = 0;
  // What the implementation says it is built from ({"optax": "0.2.3", "jax": "0.4.30"}), for the
  // certificate; empty when it says nothing.
  virtual nlohmann::json versions() const { return nlohmann::json::object(); }
};

struct ImplementationOptions {
  double timeout_s = 20;          // per case
  double startup_timeout_s = 60;  // added to the first case after a (re)start: interpreters import libraries
  int max_consecutive_broken = 3;  // then the adapter is not restarted and the remaining cases fail unrun
};

// What --impl names an unknown or unbuilt implementation with; the command
// reports it as a usage error.
class ImplementationError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// "reference", "optimized", "cuda", "external:<shell command>". "cuda" throws
// ImplementationError, naming why, where the tier was not compiled or no
// device is present.
std::unique_ptr<Implementation> make_implementation(const std::string& spec, const ImplementationOptions& options);

}  // namespace lossoracle::certify
