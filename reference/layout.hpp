// The class-dimension layout (checks/layout.hpp), under the reference tier's
// names: the layout is part of a loss's domain, which every tier shares.
#pragma once

#include "checks/layout.hpp"

namespace lossoracle::reference {

using checks::class_layout;
using checks::ClassLayout;
using checks::index_text;
using checks::last_axis_layout;

}  // namespace lossoracle::reference
