// Private to the oracle's arithmetic (real.cpp, rounding.cpp): the MPFI
// enclosure behind a Real. Including it pulls in Boost's MPFI templates.
#pragma once

#include <boost/multiprecision/mpfi.hpp>

#include "reference/real.hpp"

namespace lossoracle::reference {

using Interval = boost::multiprecision::number<boost::multiprecision::mpfi_float_backend<0>,
                                               boost::multiprecision::et_off>;

struct Real::State {
  Interval v;
};

// An interval at the current working precision, value unset.
Interval fresh_interval();

}  // namespace lossoracle::reference
