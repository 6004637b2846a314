// lossoracle: the project's one command line.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include "cli/accuracy_command.hpp"
#include "cli/cases_command.hpp"
#include "cli/certify_command.hpp"
#include "cli/eval_command.hpp"
#include "cli/golden_command.hpp"
#include "cli/properties_command.hpp"
#include "certify/dtype.hpp"
#include "core/registry.hpp"

namespace {

// --dtype's check, naming the dtypes certify knows.
CLI::Validator known_dtype() {
  return CLI::Validator(
      [](std::string& name) {
        return lossoracle::certify::parse_dtype(name)
                   ? std::string()
                   : "unknown dtype '" + name + "' (known: " + lossoracle::certify::dtype_choices() + ")";
      },
      "DTYPE");
}

}  // namespace

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
  bool half_formats = false;
  eval->add_flag("--half-formats", half_formats, "also round to bfloat16 and binary16 (fields bf16, f16)");
  eval->add_option("--precision", options.start_bits, "starting working precision in bits")
      ->check(CLI::Range(64u, 1u << 20))
      ->capture_default_str();
  eval->add_option("--max-precision", options.max_bits, "cap for precision doubling (Ziv) in bits")
      ->check(CLI::Range(64u, 1u << 22))
      ->capture_default_str();

  auto* losses = app.add_subcommand("losses", "list the losses of the registry with their parameters");
  std::string losses_tier = "reference";
  losses->add_option("--tier", losses_tier, "only the losses this tier implements")
      ->check(CLI::IsMember({"reference", "optimized", "cuda"}))
      ->capture_default_str();

  auto* golden = app.add_subcommand("golden", "regenerate the golden test vectors from their sources (docs/golden-format.md)");
  cli::GoldenOptions golden_options;
  golden->add_option("--sources", golden_options.sources, "folder of source cases (*.jsonl) and flags.json")
      ->capture_default_str();
  golden->add_option("--out", golden_options.out, "folder of the vector files (<loss>_test.json)")->capture_default_str();
  golden->add_flag("--half-formats", golden_options.half_formats,
                   "also give every output in bfloat16 and binary16 (fields bf16, f16; docs/golden-format.md)");
  golden->add_flag("--check", golden_options.check, "write nothing; exit 1 if a vector file is not what the sources give");

  auto* certify_cmd = app.add_subcommand("certify", "judge an implementation against the oracle on case suites (docs/certify.md)");
  cli::CertifyCommandOptions certify_options;
  std::vector<std::string> certify_dtypes;
  std::string profile = "strict", suite = "smoke", case_id;
  std::string certify_out;
  certify_cmd->add_option("--impl", certify_options.run.impl, "reference, or external:<command> (docs/protocol.md)")
      ->required();
  certify_cmd->add_option("--loss", certify_options.run.losses, "a loss of the registry (repeat for several)")
      ->required();
  certify_cmd->add_option("--suite", suite, "smoke, standard or exhaustive")
      ->check(CLI::IsMember({"smoke", "standard", "exhaustive"}))
      ->capture_default_str();
  certify_cmd->add_option("--dtype", certify_dtypes, "float64, float32, bfloat16 and/or float16 (default: float64 and float32)")
      ->check(known_dtype());
  certify_cmd->add_option("--seed", certify_options.run.seed, "seed of the random cases")->capture_default_str();
  certify_cmd->add_option("--profile", profile, "strict, tight or pytorch")
      ->check(CLI::IsMember({"strict", "tight", "pytorch"}))
      ->capture_default_str();
  certify_cmd->add_option("--case", case_id, "run this case only and show it in full (a reproduction)");
  certify_cmd->add_option("--out", certify_out, "folder for certificate.json and certificate.md");
  certify_cmd->add_flag("--html", certify_options.html, "also write certificate.html (needs --out)");
  certify_cmd->add_option("--golden", certify_options.run.golden_dir, "folder of the golden vector files")
      ->capture_default_str();
  certify_cmd->add_option("--timeout", certify_options.run.impl_options.timeout_s, "seconds an adapter may take per case")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  certify_cmd->add_option("--startup-timeout", certify_options.run.impl_options.startup_timeout_s,
                          "extra seconds for an adapter's first case after it starts")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  certify_cmd->add_option("--max-failures-shown", certify_options.run.max_failures_shown,
                          "failure lines printed per loss and dtype")
      ->capture_default_str();
  certify_cmd->add_flag("--progress", certify_options.run.progress, "progress lines on stderr (default: when it is a terminal)");

  auto* cases_cmd = app.add_subcommand("cases", "write a case suite as JSON Lines in the eval case format");
  std::string cases_loss, cases_suite = "smoke", cases_dtype = "float64";
  certify::SuiteOptions cases_options;
  cases_cmd->add_option("--loss", cases_loss, "a loss of the registry")->required();
  cases_cmd->add_option("--suite", cases_suite, "smoke, standard or exhaustive")
      ->check(CLI::IsMember({"smoke", "standard", "exhaustive"}))
      ->capture_default_str();
  cases_cmd->add_option("--dtype", cases_dtype, "float64, float32, bfloat16 or float16: inputs are values of it")
      ->check(known_dtype())
      ->capture_default_str();
  cases_cmd->add_option("--seed", cases_options.seed, "seed of the random cases")->capture_default_str();
  cases_cmd->add_option("--golden", cases_options.golden_dir, "folder of the golden vector files")->capture_default_str();

  auto* accuracy_cmd = app.add_subcommand(
      "accuracy", "measure the optimized tier against the oracle per loss, dtype and output (docs/accuracy.md)");
  cli::AccuracyOptions accuracy_options;
  std::string accuracy_out;
  bool accuracy_check = false;
  accuracy_cmd->add_option("--suite", accuracy_options.suite, "smoke, standard or exhaustive")
      ->check(CLI::IsMember({"smoke", "standard", "exhaustive"}))
      ->capture_default_str();
  accuracy_cmd->add_option("--seed", accuracy_options.seed, "seed of the random cases")->capture_default_str();
  accuracy_cmd->add_option("--loss", accuracy_options.losses, "losses to measure (default: all the tier implements)");
  accuracy_cmd->add_option("--out", accuracy_out, "write the Markdown table there (docs/accuracy.md)");
  accuracy_cmd->add_flag("--check", accuracy_check, "exit 1 if an output exceeds its budget (certify/profile.cpp)");

  auto* properties_cmd = app.add_subcommand("properties", "property suite: the table of docs/properties.md, or one implementation");
  cli::PropertiesOptions properties_options;
  properties_cmd->add_flag("--table", properties_options.table, "write docs/properties.md (Markdown) to stdout");
  properties_cmd->add_option("--impl", properties_options.impl, "run every property on it (certify's --impl spelling)");
  properties_cmd->add_option("--loss", properties_options.losses, "with --impl: a loss it implements (repeat)");
  properties_cmd->add_option("--seed", properties_options.seed, "RapidCheck seed")->capture_default_str();
  properties_cmd->add_option("--cases", properties_options.cases, "successful cases per property (default 40; long 200)");
  properties_cmd->add_flag("--properties-long", properties_options.long_mode, "go deeper (also LOSSORACLE_PROPERTIES_LONG=1)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Every usage error exits 2, whatever CLI11's own code for it.
    app.exit(e);
    return 2;
  }

  if (*certify_cmd) {
    certify_options.run.level = *certify::parse_level(suite);
    certify_options.run.profile = *certify::parse_profile(profile);
    if (!certify_dtypes.empty()) {
      certify_options.run.dtypes.clear();
      for (const auto& d : certify_dtypes) certify_options.run.dtypes.push_back(*certify::parse_dtype(d));
    }
    if (!case_id.empty()) certify_options.run.case_id = case_id;
    if (!certify_out.empty()) certify_options.out = certify_out;
    if (certify_options.html && certify_out.empty()) {
      std::cerr << "lossoracle certify: --html needs --out\n";
      return 2;
    }
    certify_options.run.progress = certify_options.run.progress || ::isatty(2);
    return cli::run_certify_command(certify_options, std::cout, std::cerr);
  }

  if (*accuracy_cmd) return cli::run_accuracy_command(accuracy_options, accuracy_out, accuracy_check, std::cout, std::cerr);

  if (*cases_cmd) {
    cases_options.level = *certify::parse_level(cases_suite);
    cases_options.dtype = *certify::parse_dtype(cases_dtype);
    return cli::run_cases_command(cases_loss, cases_options, std::cout, std::cerr);
  }

  if (*losses) {
    for (const LossInfo& info : loss_registry()) {
      if ((losses_tier == "optimized" && !info.optimized) || (losses_tier == "cuda" && !info.cuda)) continue;
      std::cout << info.name << "  [" << info.family << "]  " << info.summary << "\n    follows: " << info.source
                << "\n    tiers: reference" << (info.optimized ? ", optimized" : "") << (info.cuda ? ", cuda" : "")
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

  if (*properties_cmd) return cli::run_properties_command(properties_options, std::cout, std::cerr);

  if (*golden) return cli::run_golden(golden_options, std::cout, std::cerr);

  if (*eval) {
    if (options.max_bits < options.start_bits) {
      std::cerr << "lossoracle eval: --max-precision must be at least --precision\n";
      return 2;
    }
    const cli::EvalFormat f = format == "table" ? cli::EvalFormat::table : cli::EvalFormat::jsonl;
    int errors = 0;
    if (input_path == "-") {
      errors = cli::run_eval(std::cin, std::cout, options, f, half_formats);
    } else {
      std::ifstream file(input_path);
      if (!file) {
        std::cerr << "lossoracle eval: cannot open " << input_path << "\n";
        return 2;
      }
      errors = cli::run_eval(file, std::cout, options, f, half_formats);
    }
    return errors == 0 ? 0 : 1;
  }
  return 0;
}
