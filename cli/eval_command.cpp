#include "cli/eval_command.hpp"

#include <algorithm>
#include <iomanip>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "core/error.hpp"
#include "core/hexfloat.hpp"
#include "core/protocol.hpp"
#include "core/registry.hpp"

namespace lossoracle::cli {

using nlohmann::json;

namespace {

void print_table(std::ostream& out, const json& request, const reference::OracleAnswer& a, bool half_formats) {
  const json id = request.value("id", json(""));
  out << "== " << (id.is_string() ? id.get<std::string>() : id.dump()) << "  " << request.at("loss").get<std::string>();
  if (request.contains("params")) out << " " << request.at("params").dump();
  out << "  (" << a.final_bits << " bits)\n";
  // The name column is as wide as the longest output name (grad_input_unit_scaled).
  std::size_t name_width = 0;
  for (const auto& o : a.outputs) name_width = std::max(name_width, o.name.size());
  for (const auto& o : a.outputs) {
    for (std::size_t i = 0; i < o.values.size(); ++i) {
      const auto& v = o.values[i];
      const bool decided = reference::rounding_decided(v, half_formats);
      out << "   " << std::left << std::setw(static_cast<int>(name_width + 2)) << (i == 0 ? o.name : "") << std::setw(4) << i << std::setw(47)
          << v.decimal << std::setw(25)
          << (!decided ? std::string("-") : hex64(v.f64)) << std::setw(17)
          << (!decided ? std::string("-") : hex32(v.f32));
      if (half_formats)
        out << std::setw(14) << (!decided ? std::string("-") : hex32(v.bf16))
            << std::setw(14) << (!decided ? std::string("-") : hex32(v.f16));
      out << reported_status(v, half_formats) << "\n";
    }
  }
}

}  // namespace

int run_eval(std::istream& in, std::ostream& out, const reference::OracleOptions& options, EvalFormat format,
             bool half_formats) {
  int errors = 0;
  std::string line;
  for (long line_no = 1; std::getline(in, line); ++line_no) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json request;
    json answer;
    try {
      check_integer_literals(line);
      request = json::parse(line);
      if (request.is_object() && request.contains("id")) answer["id"] = request["id"];
      LossCase c = case_from_json(request);
      const LossInfo& info = find_loss(c.loss);
      resolve_case(info, c);
      const reference::OracleAnswer a = reference::evaluate_correctly_rounded(info.oracle, c, options);
      if (format == EvalFormat::table) {
        print_table(out, request, a, half_formats);
        continue;
      }
      answer["loss"] = c.loss;
      answer.update(answer_to_json(a, half_formats));
    } catch (const json::exception& e) {
      // Only json::parse throws these here (case_from_json reports InputError).
      ++errors;
      answer = {{"line", line_no}, {"error", {{"field", "json"}, {"message", std::string("malformed JSON: ") + e.what()}}}};
    } catch (const InputError& e) {
      ++errors;
      answer["line"] = line_no;
      answer["error"] = {{"field", e.field()}, {"message", e.what()}};
    } catch (const std::exception& e) {
      ++errors;
      answer["line"] = line_no;
      answer["error"] = {{"field", "case"}, {"message", e.what()}};
    }
    if (format == EvalFormat::table && answer.contains("error")) {
      out << "!! line " << line_no << ": " << answer["error"]["field"].get<std::string>() << ": "
          << answer["error"]["message"].get<std::string>() << "\n";
    } else if (format == EvalFormat::jsonl) {
      out << answer.dump() << "\n";
    }
    out.flush();
  }
  return errors;
}

}  // namespace lossoracle::cli
