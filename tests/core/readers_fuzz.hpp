// What the fuzz targets over the readers (tests/core/readers_fuzz_test.cpp,
// bounded, in every ctest run; tests/core/fuzz/readers_fuzzer.cpp, libFuzzer,
// scripts/fuzz.sh) feed and check: a reader may accept its input or refuse it
// with InputError (the JSON parser's own exceptions for text that is not JSON, which
// `lossoracle eval` reports as field "json"), and
// nothing else: no other exception, no crash, no sanitizer report, and an
// accepted tensor holds as many values as its shape says.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/npy.hpp"
#include "core/protocol.hpp"

namespace lossoracle::fuzz {

// Seeds: small valid inputs of each reader, so that mutations reach deep.
inline std::vector<std::string> npy_seeds() {
  auto file = [](const std::string& dict, const std::string& data) {
    std::string header = dict;
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string s = "\x93NUMPY\x01";
    s += '\0';
    s += static_cast<char>(header.size());
    s += '\0';
    return s + header + data;
  };
  return {
      file("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", std::string(16, '\x3f')),
      file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", std::string(16, '\x01')),
      file("{'descr': '<i8', 'fortran_order': False, 'shape': (), }", std::string("\x02\0\0\0\0\0\0\0", 8)),
      file("{'descr': '|b1', 'fortran_order': False, 'shape': (3, 0), }", ""),
      file("{'descr': '<f2', 'fortran_order': False, 'shape': (1, 1, 2), }", std::string(4, '\x7c')),
  };
}

inline std::vector<std::string> json_seeds() {
  return {
      R"({"id":1,"loss":"cross_entropy","params":{"reduction":"sum","label_smoothing":"0x1.8p-3","ignore_index":-1},"inputs":{"input":[[0.5,"0x1.8p+1",-2],[1,2,"inf"]],"target":[2,0],"weight":{"shape":[3],"data":[1,0.5,"nan"]}}})",
      R"({"loss":"kl_div","params":{"log_target":true},"inputs":{"input":{"shape":[2,0],"data":[]},"target":[[],[]]}})",
      R"({"loss":"softmax","inputs":{"input":3.5,"grad_output":[[[1e308,-0.0,123456789012345678901]]]}})",
  };
}

// Throws std::logic_error describing what went wrong; returns normally when
// the reader accepted or refused the input as it should.
inline void check_npy(std::string_view bytes) {
  try {
    const Tensor t = parse_npy(bytes, "fuzz.npy", "inputs.x.npy");
    if (element_count(t.shape) != static_cast<std::int64_t>(t.values.size()))
      throw std::logic_error("parse_npy: shape " + shape_text(t.shape) + " with " + std::to_string(t.values.size()) +
                             " values");
  } catch (const InputError&) {
  }
}

inline void check_json_case(const std::string& line) {
  nlohmann::json j;
  try {
    check_integer_literals(line);
    j = nlohmann::json::parse(line);
  } catch (const InputError&) {
    return;
  } catch (const nlohmann::json::exception&) {
    // parse_error, or out_of_range for a number beyond binary64 ("1e1308"):
    // `lossoracle eval` answers both as field "json", malformed JSON.
    return;
  }
  try {
    // A fuzzed case could name any file; the readers' own file handling is
    // npy_test's business, so such cases are not read here.
    if (line.find("\"npy\"") != std::string::npos) return;
    const LossCase c = case_from_json(j);
    for (const auto& [name, t] : c.inputs)
      if (element_count(t.shape) != static_cast<std::int64_t>(t.values.size()))
        throw std::logic_error("case_from_json: inputs." + name + " shape " + shape_text(t.shape) + " with " +
                               std::to_string(t.values.size()) + " values");
  } catch (const InputError&) {
  }
}

}  // namespace lossoracle::fuzz
