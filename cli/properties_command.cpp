#include "cli/properties_command.hpp"

#include <ostream>
#include <set>

#include "certify/implementation.hpp"
#include "properties/relations.hpp"
#include "properties/simplex_properties.hpp"
#include "properties/table.hpp"

namespace lossoracle::cli {

int run_properties_command(const PropertiesOptions& options, std::ostream& out, std::ostream& err) {
  using namespace properties;
  const bool long_mode = options.long_mode || long_mode_from_environment();
  RunOptions run = run_options(long_mode);
  run.seed = options.seed;
  if (options.cases > 0) run.cases = options.cases;
  if (options.table == !options.impl.empty()) {
    err << "lossoracle properties: give --table or --impl\n";
    return 2;
  }
  if (options.table) {
    write_table(out, compute_table(run, long_mode));
    return 0;
  }
  std::unique_ptr<certify::Implementation> impl;
  try {
    impl = certify::make_implementation(options.impl, {});
  } catch (const std::exception& e) {
    err << "lossoracle properties: " << e.what() << "\n";
    return 2;
  }
  ImplementationSubject subject(std::move(impl),
                                std::set<std::string>(options.losses.begin(), options.losses.end()));
  ReferenceSubject reference;
  int regressions = 0;
  auto report = [&](const std::string& property, const std::string& on, const Outcome& got, const Outcome& ref) {
    out << property << "  " << on << "  " << verdict_name(got.verdict) << "  (reference: " << verdict_name(ref.verdict)
        << ")\n";
    if (got.verdict == Verdict::fails) {
      std::string shown = got.counterexample;
      for (std::size_t at = shown.find('\n'); at != std::string::npos; at = shown.find('\n', at + 1))
        shown.insert(at + 1, "    ");
      out << "    " << shown << "\n    " << got.message << "\n";
    }
    if (got.verdict == Verdict::fails && ref.verdict == Verdict::holds) ++regressions;
  };
  for (const SimplexView& v : simplex_views()) {
    if (!subject.implements(v.loss)) continue;
    for (const SimplexProperty& p : simplex_properties())
      report(p.id, v.label, check_simplex_property(p, subject, v, run),
             check_simplex_property(p, reference, v, run));
  }
  for (const Relation& r : relations())
    for (const std::string& loss : r.losses) {
      bool all = subject.implements(loss);
      for (const std::string& n : r.needs) all = all && subject.implements(n);
      if (all) report(r.id, loss, check_relation(r, subject, loss, run), check_relation(r, reference, loss, run));
    }
  out << regressions << " properties fail on " << subject.name() << " and hold on the reference tier\n";
  return regressions == 0 ? 0 : 1;
}

}  // namespace lossoracle::cli
