// The base of an ordinal loss's logarithm (the paper prints base-10 values;
// PyTorch and dlordinal use natural ones): a parameter "e", "2" or "10".
#pragma once

#include <string>

namespace lossoracle::checks {

enum class LogBase { e, two, ten };

// InputError naming params.<field> for any other text.
LogBase parse_log_base(const std::string& loss, const std::string& field, const std::string& text);

}  // namespace lossoracle::checks
