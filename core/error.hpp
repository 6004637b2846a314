// Errors for bad input. Each names the field and, where there is one, the
// offending index or shape, so a user can find the value in their own data.
#pragma once

#include <stdexcept>
#include <string>

namespace lossoracle {

class InputError : public std::invalid_argument {
 public:
  InputError(std::string field, const std::string& message)
      : std::invalid_argument(message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

}  // namespace lossoracle
