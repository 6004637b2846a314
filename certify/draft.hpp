// A case while a suite is being made: parameters as the protocol spells them
// and the input tensors, which corner and random cases rewrite.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "certify/dtype.hpp"
#include "core/tensor.hpp"

namespace lossoracle::certify {

struct Draft {
  nlohmann::json params = nlohmann::json::object();
  std::map<std::string, Tensor> inputs;
};

// Reads a golden test's params and inputs; false when an input is not a
// tensor (an `invalid` vector may hold a ragged array on purpose).
bool draft_from_json(const nlohmann::json& params, const nlohmann::json& inputs, Draft& out);

// The eval case: {"id", "loss", "params", "inputs"} with every value an exact hex float.
nlohmann::json draft_request(const std::string& id, const std::string& loss, const Draft& d);

// Every input value rounded to the dtype: what an implementation computing in
// it holds, so the oracle judges it on the inputs it really received.
void round_inputs(Draft& d, Dtype dtype);

bool all_integral(const Tensor& t);  // every value finite and integral (class indices, counts, one-hot rows)

}  // namespace lossoracle::certify
