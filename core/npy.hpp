// NumPy .npy files as eval inputs (docs/protocol.md, "Tensors from .npy
// files"): an input given as {"npy": "path"} is read here. Header-only so
// that the fuzz target (tests/core/fuzz/) builds it alone.
//
// Accepted: format versions 1.0, 2.0 and 3.0; little-endian or byte-sized
// dtypes <f8 <f4 <f2 <i8 <i4 <i2 |i1 <u8 <u4 <u2 |u1 |b1 ('=' is read as
// '<'); C order, and Fortran order, which is reordered to row-major. Every
// value must be exactly a binary64 (64-bit integers beyond 2^53 may not be).
// Anything else (big-endian, complex, strings, objects, a truncated or
// malformed file, bytes after the data) is an InputError naming the field
// and the file.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/tensor.hpp"

namespace lossoracle {

namespace npy_detail {

struct Header {
  std::string descr;
  bool fortran = false;
  Shape shape;
};

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The header is a Python dict literal with exactly the keys descr,
// fortran_order and shape (numpy.lib.format writes nothing else).
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string what) : s_(text), what_(std::move(what)) {}

  Header parse() {
    Header h;
    bool descr = false, fortran = false, shape = false;
    expect('{');
    while (true) {
      skip();
      if (peek() == '}') break;
      const std::string key = quoted();
      expect(':');
      if (key == "descr") {
        h.descr = quoted();
        descr = true;
      } else if (key == "fortran_order") {
        skip();
        if (s_.substr(i_, 4) == "True") h.fortran = true, i_ += 4;
        else if (s_.substr(i_, 5) == "False") h.fortran = false, i_ += 5;
        else fail("fortran_order must be True or False");
        fortran = true;
      } else if (key == "shape") {
        h.shape = tuple();
        shape = true;
      } else {
        fail("unknown key '" + key + "'");
      }
      skip();
      if (peek() == ',') ++i_;
      else if (peek() != '}') fail("expected ',' or '}' after the value of '" + key + "'");
    }
    ++i_;
    if (!descr || !fortran || !shape) fail("the header needs 'descr', 'fortran_order' and 'shape'");
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
    if (i_ != s_.size()) fail("text after the header's closing '}'");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const { throw std::runtime_error(what_ + ": malformed header (" + why + ")"); }
  void skip() {
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void expect(char c) {
    skip();
    if (peek() != c) fail(std::string("expected '") + c + "' at header byte " + std::to_string(i_));
    ++i_;
  }
  std::string quoted() {
    skip();
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string at header byte " + std::to_string(i_));
    const std::size_t end = s_.find(q, i_ + 1);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string r(s_.substr(i_ + 1, end - i_ - 1));
    i_ = end + 1;
    return r;
  }
  Shape tuple() {
    expect('(');
    Shape shape;
    while (true) {
      skip();
      if (peek() == ')') break;
      if (peek() < '0' || peek() > '9') fail("a shape holds non-negative integers");
      std::int64_t n = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (n > (std::numeric_limits<std::int64_t>::max() - 9) / 10) fail("an extent too large");
        n = n * 10 + (peek() - '0');
        ++i_;
      }
      shape.push_back(n);
      skip();
      if (peek() == ',') ++i_;
      else if (peek() != ')') fail("expected ',' or ')' in the shape");
    }
    ++i_;
    return shape;
  }

  std::string_view s_;
  std::string what_;
  std::size_t i_ = 0;
};

struct Dtype {
  char kind;  // f, i, u, b
  std::size_t size;
};

inline bool dtype_of(const std::string& descr, Dtype& d) {
  if (descr.size() < 3) return false;
  const char order = descr[0], kind = descr[1];
  const std::string size = descr.substr(2);
  const bool byte_sized = size == "1";
  if (!(order == '<' || order == '=' || (order == '|' && byte_sized))) return false;
  if (kind == 'f' && (size == "8" || size == "4" || size == "2")) return d = {'f', std::stoul(size)}, true;
  if ((kind == 'i' || kind == 'u') && (size == "8" || size == "4" || size == "2" || size == "1"))
    return d = {kind, std::stoul(size)}, true;
  if (kind == 'b' && byte_sized) return d = {'b', 1}, true;
  return false;
}

inline double half_to_double(std::uint16_t h) {
  const int sign = h >> 15, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  double v;
  if (exponent == 0) v = std::ldexp(mantissa, -24);
  else if (exponent == 31) v = mantissa ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  else v = std::ldexp(mantissa + 1024, exponent - 25);
  return sign ? -v : v;
}

template <class U>
U load_le(const unsigned char* p) {
  U u = 0;
  for (std::size_t k = 0; k < sizeof(U); ++k) u |= static_cast<U>(static_cast<U>(p[k]) << (8 * k));
  return u;
}

}  // namespace npy_detail

inline constexpr const char* kNpyDtypes = "<f8, <f4, <f2, <i8, <i4, <i2, |i1, <u8, <u4, <u2, |u1, |b1";

// Parses the bytes of a .npy file; `path` and `field` only name it in errors.
inline Tensor parse_npy(std::string_view bytes, const std::string& path, const std::string& field) {
  using namespace npy_detail;
  const std::string what = field + ": '" + path + "'";
  auto error = [&](const std::string& message) { return InputError(field, what + message); };
  static constexpr char kMagic[] = "\x93NUMPY";
  const std::string_view magic(kMagic, 6);
  if (bytes.size() < 6 && magic.substr(0, bytes.size()) == bytes && !bytes.empty())
    throw error(" is truncated: it ends inside the preamble (" + std::to_string(bytes.size()) + " bytes)");
  if (bytes.size() < 6 || bytes.substr(0, 6) != magic)
    throw error(" is not a .npy file (it does not start with \\x93NUMPY)");
  if (bytes.size() < 10) throw error(" is truncated: it ends inside the preamble (" + std::to_string(bytes.size()) + " bytes)");
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  const int major = u[6];
  if (major < 1 || major > 3)
    throw error(": .npy format version " + std::to_string(major) + "." + std::to_string(u[7]) +
                " is not supported (1.0, 2.0 and 3.0 are)");
  std::size_t header_len = 0, start = 0;
  if (major == 1) {
    header_len = load_le<std::uint16_t>(u + 8);
    start = 10;
  } else {
    if (bytes.size() < 12) throw error(" is truncated: it ends inside the preamble (" + std::to_string(bytes.size()) + " bytes)");
    header_len = load_le<std::uint32_t>(u + 8);
    start = 12;
  }
  if (bytes.size() - start < header_len)
    throw error(" is truncated: its header is " + std::to_string(header_len) + " bytes, the file ends after " +
                std::to_string(bytes.size() - start));
  Header h;
  try {
    h = HeaderParser(bytes.substr(start, header_len), "").parse();
  } catch (const std::runtime_error& e) {
    throw error(e.what());
  }
  Dtype d{};
  if (!dtype_of(h.descr, d))
    throw error(": dtype '" + h.descr + "' is not supported (accepted: " + kNpyDtypes +
                "; convert with arr.astype('<f8'))");
  // The element count, without overflow, before anything is allocated.
  std::uint64_t count = 1;
  for (std::int64_t n : h.shape) {
    if (n != 0 && count > std::numeric_limits<std::uint64_t>::max() / static_cast<std::uint64_t>(n) / d.size)
      throw error(": shape " + shape_text(h.shape) + " is too large");
    count *= static_cast<std::uint64_t>(n);
  }
  const std::size_t data_at = start + header_len;
  const std::uint64_t need = count * d.size, have = bytes.size() - data_at;
  if (have < need)
    throw error(" is truncated: shape " + shape_text(h.shape) + " of " + h.descr + " needs " + std::to_string(need) +
                " bytes of data, the file has " + std::to_string(have));
  if (have > need)
    throw error(": " + std::to_string(have - need) + " bytes after the data of shape " + shape_text(h.shape) + " of " +
                h.descr);

  Tensor t;
  t.shape = h.shape;
  t.values.resize(static_cast<std::size_t>(count));
  const unsigned char* p = u + data_at;
  for (std::size_t k = 0; k < count; ++k, p += d.size) {
    double v = 0;
    switch (d.kind) {
      case 'f':
        if (d.size == 8) {
          const std::uint64_t b = load_le<std::uint64_t>(p);
          std::memcpy(&v, &b, 8);
        } else if (d.size == 4) {
          const std::uint32_t b = load_le<std::uint32_t>(p);
          float f;
          std::memcpy(&f, &b, 4);
          v = f;
        } else {
          v = half_to_double(load_le<std::uint16_t>(p));
        }
        break;
      case 'b':
        if (p[0] > 1) throw error(": element " + std::to_string(k) + " of a bool array is " + std::to_string(p[0]) + ", not 0 or 1");
        v = p[0];
        break;
      case 'u': {
        std::uint64_t x = d.size == 8 ? load_le<std::uint64_t>(p) : d.size == 4 ? load_le<std::uint32_t>(p)
                                                                                : d.size == 2 ? load_le<std::uint16_t>(p) : p[0];
        v = static_cast<double>(x);
        if (x > (std::uint64_t{1} << 53) && static_cast<long double>(v) != static_cast<long double>(x))
          throw error(": element " + std::to_string(k) + " = " + std::to_string(x) + " is not exactly a binary64");
        break;
      }
      case 'i': {
        std::int64_t x = d.size == 8   ? static_cast<std::int64_t>(load_le<std::uint64_t>(p))
                         : d.size == 4 ? static_cast<std::int32_t>(load_le<std::uint32_t>(p))
                         : d.size == 2 ? static_cast<std::int16_t>(load_le<std::uint16_t>(p))
                                       : static_cast<std::int8_t>(p[0]);
        v = static_cast<double>(x);
        if (static_cast<long double>(v) != static_cast<long double>(x))
          throw error(": element " + std::to_string(k) + " = " + std::to_string(x) + " is not exactly a binary64");
        break;
      }
    }
    t.values[k] = v;
  }
  if (h.fortran && h.shape.size() > 1) {
    // Column-major on disk: element (i0, .., ik) at sum i_d * prod_{e<d} n_e.
    std::vector<double> row_major(t.values.size());
    const std::size_t rank = h.shape.size();
    std::vector<std::int64_t> index(rank, 0);
    for (std::size_t r = 0; r < row_major.size(); ++r) {
      std::size_t offset = 0, stride = 1;
      for (std::size_t dim = 0; dim < rank; ++dim) {
        offset += static_cast<std::size_t>(index[dim]) * stride;
        stride *= static_cast<std::size_t>(h.shape[dim]);
      }
      row_major[r] = t.values[offset];
      for (std::size_t dim = rank; dim-- > 0;) {
        if (++index[dim] < h.shape[dim]) break;
        index[dim] = 0;
      }
    }
    t.values = std::move(row_major);
  }
  return t;
}

inline Tensor read_npy(const std::string& path, const std::string& field) {
  // Not a FIFO or a device: reading /dev/stdin or /dev/zero would never end.
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
    throw InputError(field, field + ": '" + path + "' is not a regular file");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(field, field + ": cannot open '" + path + "': " + std::strerror(errno));
  std::ostringstream s;
  s << f.rdbuf();
  return parse_npy(s.str(), path, field);
}

}  // namespace lossoracle
