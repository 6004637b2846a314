#include "cli/certify_command.hpp"

#include <ostream>

#include "certify/report.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"

namespace lossoracle::cli {

int run_certify_command(const CertifyCommandOptions& options, std::ostream& out, std::ostream& err) {
  using namespace certify;
  std::unique_ptr<Implementation> impl;
  try {
    for (const std::string& loss : options.run.losses) find_loss(loss);
    impl = make_implementation(options.run.impl, options.run.impl_options);
  } catch (const std::exception& e) {
    err << "lossoracle certify: " << e.what() << "\n";
    return 2;
  }
  CertifyRun run;
  try {
    run = run_certify(options.run, *impl, out, err);
  } catch (const SuiteError& e) {
    err << "lossoracle certify: " << e.what() << "\n";
    return 2;
  } catch (const std::invalid_argument& e) {
    err << "lossoracle certify: " << e.what() << "\n";
    return 2;
  }
  const Aggregate a = aggregate(run);
  out << "\n";
  print_summary(out, a, run.tally);
  if (options.out) {
    try {
      write_certificates(run, *options.out, options.html);
      out << "certificates: " << *options.out << "/certificate.{json,md" << (options.html ? ",html" : "") << "}\n";
    } catch (const std::exception& e) {
      err << "lossoracle certify: " << e.what() << "\n";
      return 2;
    }
  }
  return run.tally.failed == 0 ? 0 : 1;
}

}  // namespace lossoracle::cli
