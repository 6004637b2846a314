// Exact text forms of binary floating-point values: C99 hex floats.
#pragma once

#include <optional>
#include <string>

namespace lossoracle {

std::string hex64(double v);  // "0x1.8p+1", "-0x0p+0", "inf", "-inf", "nan"
std::string hex32(float v);   // the binary32 value's exact hex form

// The shortest decimal that reads back as v ("1.5", "2", "1.0000000000000002"),
// for messages that quote a user's number.
std::string shortest_decimal(double v);

// Reads "0x1.8p+1", a decimal ("0.1" rounds to nearest), "inf", "-inf",
// "nan"; the whole string must be consumed.
std::optional<double> parse_real(const std::string& text);

}  // namespace lossoracle
