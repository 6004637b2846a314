#include "golden/json_text.hpp"

#include <algorithm>

namespace lossoracle::golden {

namespace {

using nlohmann::ordered_json;

bool is_container(const ordered_json& v) { return v.is_object() || v.is_array(); }

void write(const ordered_json& v, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  if (v.is_object() && !v.empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, item] : v.items()) {
      if (!first) out += ",\n";
      first = false;
      out += pad + "  " + ordered_json(key).dump() + ": ";
      write(item, indent + 1, out);
    }
    out += "\n" + pad + "}";
  } else if (v.is_array() && std::any_of(v.begin(), v.end(), is_container)) {
    out += "[\n";
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) out += ",\n";
      out += pad + "  ";
      write(v[i], indent + 1, out);
    }
    out += "\n" + pad + "]";
  } else if (v.is_array()) {
    out += "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i].dump();
    out += "]";
  } else {
    out += v.dump();  // scalars, {} and []
  }
}

}  // namespace

std::string to_text(const ordered_json& value) {
  std::string out;
  write(value, 0, out);
  return out;
}

}  // namespace lossoracle::golden
