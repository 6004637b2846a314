// The .npy reader (core/npy.hpp) on files numpy 1.24 wrote (tests/core/data/,
// made with np.save / np.lib.format.write_array: the values are in the test
// names' comments), on bytes made here for every malformed case, and through
// `lossoracle eval` as {"npy": "path"} inputs. Each error message is checked
// exactly: it names the field and the file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/eval_command.hpp"
#include "core/error.hpp"
#include "core/npy.hpp"

namespace {

using lossoracle::InputError;
using lossoracle::parse_npy;
using lossoracle::read_npy;
using lossoracle::Shape;
using lossoracle::Tensor;

const std::string kData = std::string(LOSSORACLE_SOURCE_DIR) + "/tests/core/data/";

Tensor fixture(const std::string& name) { return read_npy(kData + name, "inputs.x.npy"); }

// A version 1.0 file with this header dict and data, padded as numpy pads.
std::string npy(const std::string& dict, const std::string& data, int version = 1) {
  std::string header = dict;
  const std::size_t preamble = version == 1 ? 10 : 12;
  while ((preamble + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string s = "\x93NUMPY";
  s += static_cast<char>(version);
  s += '\0';
  const std::size_t n = header.size();
  s += static_cast<char>(n & 0xff);
  s += static_cast<char>((n >> 8) & 0xff);
  if (version != 1) s += std::string(2, '\0');
  return s + header + data;
}

std::string bytes_of(double v) { return std::string(reinterpret_cast<const char*>(&v), 8); }

std::string message_of(const std::string& bytes) {
  try {
    parse_npy(bytes, "t.npy", "inputs.x.npy");
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "inputs.x.npy");
    return e.what();
  }
  return "(no error)";
}

TEST(Npy, ReadsWhatNumpyWrites) {
  // [[0.5, -1, 3.25], [1e-300, inf, -0.0]]
  const Tensor f8 = fixture("f8_2x3.npy");
  EXPECT_EQ(f8.shape, (Shape{2, 3}));
  ASSERT_EQ(f8.values.size(), 6u);
  EXPECT_EQ(f8.values[0], 0.5);
  EXPECT_EQ(f8.values[2], 3.25);
  EXPECT_EQ(f8.values[3], 1e-300);
  EXPECT_EQ(f8.values[4], std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::signbit(f8.values[5]));
  // float32 [0.1, 2.5, -7]: exactly the binary32 values
  const Tensor f4 = fixture("f4_3.npy");
  EXPECT_EQ(f4.values, (std::vector<double>{static_cast<double>(0.1f), 2.5, -7.0}));
  // float16 [0.1, 65504]: 0.1 is 0x1.998p-4 in binary16
  EXPECT_EQ(fixture("f2_2.npy").values, (std::vector<double>{0x1.998p-4, 65504.0}));
  EXPECT_EQ(fixture("i8_2.npy").values, (std::vector<double>{2, -100}));
  const Tensor scalar = fixture("i4_0d.npy");
  EXPECT_EQ(scalar.shape, Shape{});
  EXPECT_EQ(scalar.values, std::vector<double>{7});
  EXPECT_EQ(fixture("b1_3.npy").values, (std::vector<double>{1, 0, 1}));
  const Tensor empty = fixture("u1_empty.npy");
  EXPECT_EQ(empty.shape, (Shape{0, 4}));
  EXPECT_TRUE(empty.values.empty());
  EXPECT_EQ(fixture("f8_v2_2.npy").values, (std::vector<double>{1.5, -2.0}));
}

TEST(Npy, FortranOrderIsReorderedToRowMajor) {
  // np.asfortranarray([[1, 2, 3], [4, 5, 6]]): on disk 1 4 2 5 3 6
  const Tensor t = fixture("f8_fortran_2x3.npy");
  EXPECT_EQ(t.shape, (Shape{2, 3}));
  EXPECT_EQ(t.values, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  // And a 3-D one made here: shape (2, 2, 2), column-major 0..7.
  std::string data;
  for (int k = 0; k < 8; ++k) data += bytes_of(k);
  const Tensor c = parse_npy(npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2, 2), }", data), "t.npy", "f");
  // Row-major (i, j, k) holds the column-major offset i + 2j + 4k.
  EXPECT_EQ(c.values, (std::vector<double>{0, 4, 2, 6, 1, 5, 3, 7}));
}

TEST(Npy, BadFilesAreErrorsNamingFieldAndFile) {
  const std::string f8_header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
  const std::string good = npy(f8_header, bytes_of(1) + bytes_of(2));
  EXPECT_EQ(message_of(good), "(no error)");
  struct Case {
    std::string bytes, message;
  };
  const Case cases[] = {
      {"", "inputs.x.npy: 't.npy' is not a .npy file (it does not start with \\x93NUMPY)"},
      {"PK\x03\x04 a zip", "inputs.x.npy: 't.npy' is not a .npy file (it does not start with \\x93NUMPY)"},
      {good.substr(0, 4), "inputs.x.npy: 't.npy' is truncated: it ends inside the preamble (4 bytes)"},
      {good.substr(0, 8), "inputs.x.npy: 't.npy' is truncated: it ends inside the preamble (8 bytes)"},
      {good.substr(0, 40), "inputs.x.npy: 't.npy' is truncated: its header is 118 bytes, the file ends after 30"},
      {good.substr(0, good.size() - 3),
       "inputs.x.npy: 't.npy' is truncated: shape (2,) of <f8 needs 16 bytes of data, the file has 13"},
      {good + "xyz", "inputs.x.npy: 't.npy': 3 bytes after the data of shape (2,) of <f8"},
      {npy("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", bytes_of(1)),
       "inputs.x.npy: 't.npy': dtype '>f8' is not supported (accepted: <f8, <f4, <f2, <i8, <i4, <i2, |i1, <u8, <u4, "
       "<u2, |u1, |b1; convert with arr.astype('<f8'))"},
      {npy("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", bytes_of(1) + bytes_of(2)),
       "inputs.x.npy: 't.npy': dtype '<c16' is not supported (accepted: <f8, <f4, <f2, <i8, <i4, <i2, |i1, <u8, "
       "<u4, <u2, |u1, |b1; convert with arr.astype('<f8'))"},
      {npy("{'descr': '<f8', 'shape': (1,), }", bytes_of(1)),
       "inputs.x.npy: 't.npy': malformed header (the header needs 'descr', 'fortran_order' and 'shape')"},
      {npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", ""),
       "inputs.x.npy: 't.npy': malformed header (a shape holds non-negative integers)"},
      {npy("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,), }", bytes_of(1)),
       "inputs.x.npy: 't.npy': malformed header (fortran_order must be True or False)"},
      {npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1}", bytes_of(1)),
       "inputs.x.npy: 't.npy': malformed header (unknown key 'extra')"},
      {npy("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999), }", ""),
       "inputs.x.npy: 't.npy': shape (99999999999, 99999999999, 99999999999) is too large"},
      {npy("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", std::string("\x01\x02", 2)),
       "inputs.x.npy: 't.npy': element 1 of a bool array is 2, not 0 or 1"},
      {npy("{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", std::string("\x01\0\0\0\0\0\x20\0", 8)),
       "inputs.x.npy: 't.npy': element 0 = 9007199254740993 is not exactly a binary64"},
      {std::string("\x93NUMPY\x04\x00\x10\x00", 10), "inputs.x.npy: 't.npy': .npy format version 4.0 is not supported (1.0, 2.0 and 3.0 are)"},
  };
  for (const Case& c : cases) EXPECT_EQ(message_of(c.bytes), c.message) << c.message;
  EXPECT_EQ(message_of(npy(f8_header, bytes_of(1) + bytes_of(2), 2)), "(no error)");
  try {
    read_npy(kData + "no-such-file.npy", "inputs.target.npy");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "inputs.target.npy: cannot open '" + kData + "no-such-file.npy': No such file or directory");
  }
  try {
    read_npy(kData, "inputs.target.npy");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "inputs.target.npy: '" + kData + "' is not a regular file");
  }
  EXPECT_EQ(message_of(std::string(
                "\x93NUMPY\x01\x00\x10\x00{'descr': '<f8'}", 26)),
            "inputs.x.npy: 't.npy': malformed header (the header needs 'descr', 'fortran_order' and 'shape')");
}

std::vector<nlohmann::json> eval(const std::string& input) {
  std::istringstream in(input);
  std::ostringstream out;
  lossoracle::cli::run_eval(in, out, {}, lossoracle::cli::EvalFormat::jsonl);
  std::vector<nlohmann::json> lines;
  std::istringstream answers(out.str());
  for (std::string line; std::getline(answers, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(Npy, EvalReadsInputsFromNpyFiles) {
  // f8_2x3 holds an inf: use the int64 and float32 files, which make a valid case.
  const auto lines = eval(R"({"loss":"cross_entropy","params":{"reduction":"none"},"inputs":{"input":{"npy":")" + kData +
                          R"(f4_3.npy"},"target":{"npy":")" + kData + R"(i4_0d.npy"}}})" "\n" +
                          R"({"loss":"cross_entropy","params":{"reduction":"none"},"inputs":{"input":["0x1.99999ap-4",2.5,-7],"target":7}})" "\n");
  ASSERT_EQ(lines.size(), 2u);
  // Target 7 is out of range for 3 classes in both spellings: the same error, so the file was read as given.
  EXPECT_EQ(lines[0]["error"], lines[1]["error"]);
  const auto ok = eval(R"({"loss":"softmax","inputs":{"input":{"npy":")" + kData + R"(f4_3.npy"}}})" "\n" +
                       R"({"loss":"softmax","inputs":{"input":["0x1.99999ap-4",2.5,-7]}})" "\n");
  ASSERT_EQ(ok.size(), 2u);
  ASSERT_TRUE(ok[0].contains("outputs")) << ok[0].dump();
  EXPECT_EQ(ok[0]["outputs"], ok[1]["outputs"]);
}

TEST(Npy, EvalErrorsNameTheLineFieldAndFile) {
  const auto lines = eval(R"({"loss":"softmax","inputs":{"input":{"npy":")" + kData + R"(c16.npy"}}})" "\n" +
                          R"({"loss":"softmax","inputs":{"input":{"npy":3}}})" "\n" +
                          R"({"loss":"softmax","inputs":{"input":{"npy":"a.npy","shape":[1]}}})" "\n");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["line"], 1);
  EXPECT_EQ(lines[0]["error"]["field"], "inputs.input.npy");
  EXPECT_EQ(lines[0]["error"]["message"],
            "inputs.input.npy: '" + kData +
                "c16.npy': dtype '<c16' is not supported (accepted: <f8, <f4, <f2, <i8, <i4, <i2, |i1, <u8, <u4, <u2, "
                "|u1, |b1; convert with arr.astype('<f8'))");
  for (int k : {1, 2}) {
    EXPECT_EQ(lines[k]["error"]["field"], "inputs.input.npy");
    EXPECT_EQ(lines[k]["error"]["message"],
              "inputs.input.npy: a tensor from a file is {\"npy\": \"path\"} alone, the path a string");
  }
}

}  // namespace
