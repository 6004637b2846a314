// lossoracle: the project's one command line.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "cli/eval_command.hpp"
#include "cli/golden_command.hpp"
#include "core/registry.hpp"

int main(int argc, char** argv) {
  using namespace lossoracle;
  CLI::App app{"lossoracle: correctly rounded reference values for classification losses"};
  app.require_subcommand(1);

  auto* eval = app.add_subcommand("eval", "evaluate the oracle on JSON Lines cases (docs/protocol.md)");
  std::string input_path = "-";
  std::string format = "jsonl";
  reference::OracleOptions options;
  eval->add_option("--input", input_path, "JSON Lines file of cases ('-' for stdin)")->capture_default_str();
  eval->add_option("--format", format, "jsonl (machine) or table (people)")
      ->check(CLI::IsMember({"jsonl", "table"}))
      ->capture_default_str();
  eval->add_option("--precision", options.start_bits, "starting working precision in bits")
      ->check(CLI::Range(64u, 1u << 20))
      ->capture_default_str();
  eval->add_option("--max-precision", options.max_bits, "cap for precision doubling (Ziv) in bits")
      ->check(CLI::Range(64u, 1u << 22))
      ->capture_default_str();

  auto* losses = app.add_subcommand("losses", "list the losses of the registry with their parameters");

  auto* golden = app.add_subcommand("golden", "regenerate the golden test vectors from their sources (docs/golden-format.md)");
  cli::GoldenOptions golden_options;
  golden->add_option("--sources", golden_options.sources, "folder of source cases (*.jsonl) and flags.json")
      ->capture_default_str();
  golden->add_option("--out", golden_options.out, "folder of the vector files (<loss>_test.json)")->capture_default_str();
  golden->add_flag("--check", golden_options.check, "write nothing; exit 1 if a vector file is not what the sources give");

  CLI11_PARSE(app, argc, argv);

  if (*losses) {
    for (const LossInfo& info : loss_registry()) {
      std::cout << info.name << "  [" << info.family << "]  " << info.summary << "\n    follows: " << info.source
                << "\n";
      for (const ParamSpec& p : info.params) {
        const char* presence = p.presence == ParamPresence::required   ? ", required"
                               : p.presence == ParamPresence::optional ? ", optional"
                                                                       : "";
        std::cout << "    param " << p.name << " (" << param_type_name(p.type) << presence << "): " << p.doc << "\n";
      }
      for (const InputSpec& in : info.inputs)
        std::cout << "    input " << in.name << (in.required ? "" : " (optional)") << ": " << in.doc << "\n";
    }
    return 0;
  }

  if (*golden) return cli::run_golden(golden_options, std::cout, std::cerr);

  if (*eval) {
    if (options.max_bits < options.start_bits) {
      std::cerr << "lossoracle eval: --max-precision must be at least --precision\n";
      return 2;
    }
    const cli::EvalFormat f = format == "table" ? cli::EvalFormat::table : cli::EvalFormat::jsonl;
    int errors = 0;
    if (input_path == "-") {
      errors = cli::run_eval(std::cin, std::cout, options, f);
    } else {
      std::ifstream file(input_path);
      if (!file) {
        std::cerr << "lossoracle eval: cannot open " << input_path << "\n";
        return 2;
      }
      errors = cli::run_eval(file, std::cout, options, f);
    }
    return errors == 0 ? 0 : 1;
  }
  return 0;
}
