#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "certify/run.hpp"

namespace lossoracle::cli {

struct CertifyCommandOptions {
  certify::CertifyOptions run;
  std::optional<std::string> out;  // folder of the certificates
  bool html = false;
};

// `lossoracle certify` (docs/certify.md): 0 when no case failed, 1 when one
// did, 2 for a usage error (unknown loss, implementation or case; a loss
// without golden vectors).
int run_certify_command(const CertifyCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace lossoracle::cli
