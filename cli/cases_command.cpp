#include "cli/cases_command.hpp"

#include <ostream>

#include "core/registry.hpp"

namespace lossoracle::cli {

int run_cases_command(const std::string& loss, const certify::SuiteOptions& options, std::ostream& out,
                      std::ostream& err) {
  try {
    find_loss(loss);
    for (const certify::SuiteCase& c : certify::build_suite(loss, options)) out << c.request.dump() << "\n";
  } catch (const std::exception& e) {
    err << "lossoracle cases: " << e.what() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace lossoracle::cli
