#include "certify/suite.hpp"

#include <algorithm>
#include <limits>

#include "certify/corner_cases.hpp"
#include "certify/draft.hpp"
#include "certify/golden_cases.hpp"
#include "certify/random_cases.hpp"
#include "certify/splitmix.hpp"
#include "core/error.hpp"
#include "core/protocol.hpp"
#include "core/registry.hpp"

namespace lossoracle::certify {

namespace {

struct LevelSize {
  std::size_t corner_templates;  // how many valid golden cases the corner table is applied to
  std::size_t random_cases;
};

// Sized so that smoke runs in seconds, standard in a minute or two for the
// whole list of losses, exhaustive as long as one is prepared to wait.
LevelSize level_size(SuiteLevel l) {
  switch (l) {
    case SuiteLevel::smoke: return {4, 48};
    case SuiteLevel::standard: return {std::numeric_limits<std::size_t>::max(), 2000};
    case SuiteLevel::exhaustive: return {std::numeric_limits<std::size_t>::max(), 40000};
  }
  return {0, 0};
}

// A random draw the oracle keeps rejecting is given up after this many tries
// (the first half also vary the parameters); its id is then absent.
constexpr int kDrawAttempts = 6;

void ask_oracle(SuiteCase& c, const reference::OracleOptions& options) {
  try {
    LossCase lc = case_from_json(c.request);
    const LossInfo& info = find_loss(lc.loss);
    resolve_case(info, lc);
    c.answer = reference::evaluate_correctly_rounded(info.oracle, lc, options);
  } catch (const std::exception& e) {
    c.rejection = e.what();
  }
}

struct Template {
  std::int64_t tc_id;
  Draft draft;
};

std::uint64_t case_seed(std::uint64_t seed, const std::string& loss, Dtype dtype, std::uint64_t index) {
  SplitMix64 mix(seed ^ stable_hash(loss));
  mix.next();
  return mix.next() ^ (static_cast<std::uint64_t>(dtype) << 56) ^ (index * 0x9e3779b97f4a7c15ULL);
}

}  // namespace

const char* level_name(SuiteLevel l) {
  switch (l) {
    case SuiteLevel::smoke: return "smoke";
    case SuiteLevel::standard: return "standard";
    case SuiteLevel::exhaustive: return "exhaustive";
  }
  return "?";
}

std::optional<SuiteLevel> parse_level(const std::string& name) {
  for (SuiteLevel l : {SuiteLevel::smoke, SuiteLevel::standard, SuiteLevel::exhaustive})
    if (name == level_name(l)) return l;
  return std::nullopt;
}

const char* expect_name(Expect e) {
  switch (e) {
    case Expect::valid: return "valid";
    case Expect::invalid: return "invalid";
    case Expect::acceptable: return "acceptable";
  }
  return "?";
}

std::vector<SuiteCase> build_suite(const std::string& loss, const SuiteOptions& o) {
  const LossInfo& info = find_loss(loss);
  const std::vector<GoldenTest> golden = read_golden(o.golden_dir, loss);
  const LevelSize size = level_size(o.level);
  auto wanted = [&](const std::string& id) { return !o.only_id || *o.only_id == id; };
  auto make = [&](std::string id, std::string origin, nlohmann::json request) {
    SuiteCase c;
    c.id = std::move(id);
    c.origin = std::move(origin);
    c.loss = loss;
    c.dtype = o.dtype;
    c.request = std::move(request);
    ask_oracle(c, o.oracle);
    c.expect = c.answer ? Expect::valid : Expect::invalid;
    return c;
  };

  std::vector<SuiteCase> cases;
  std::vector<Template> templates;
  for (const GoldenTest& g : golden) {
    const std::string id = "golden-" + std::to_string(g.tc_id);
    Draft d;
    const bool tensors = draft_from_json(g.params, g.inputs, d);
    if (tensors) round_inputs(d, o.dtype);
    if (tensors && g.result == "valid") templates.push_back({g.tc_id, d});
    if (!wanted(id)) continue;
    nlohmann::json request = tensors ? draft_request(id, loss, d)
                                     : nlohmann::json{{"id", id}, {"loss", loss}, {"params", g.params}, {"inputs", g.inputs}};
    SuiteCase c = make(id, "golden tcId " + std::to_string(g.tc_id) + ": " + g.comment, std::move(request));
    c.flags = g.flags;
    if (c.answer && g.result == "acceptable") c.expect = Expect::acceptable;
    cases.push_back(std::move(c));
  }
  if (templates.empty())
    throw SuiteError("the golden vectors of " + loss + " hold no valid case to draw corner and random cases from");

  const std::size_t n_corner = std::min(size.corner_templates, templates.size());
  for (std::size_t k = 0; k < n_corner; ++k) {
    // Spread over the file, which is ordered by parameter group.
    const Template& t = templates[k * templates.size() / n_corner];
    for (Corner& corner : corner_cases(info, t.draft, o.dtype)) {
      const std::string id = "corner-" + corner.name + "-" + std::to_string(t.tc_id);
      if (!wanted(id)) continue;
      cases.push_back(make(id, "corner " + corner.name + " (" + corner.description + ") of golden tcId " +
                                   std::to_string(t.tc_id),
                           draft_request(id, loss, corner.draft)));
    }
  }

  // A template without a single value (zero classes, an empty batch) would
  // give the same case at every draw.
  std::vector<const Template*> drawable;
  for (const Template& t : templates) {
    bool any = false;
    for (const auto& [name, tensor] : t.draft.inputs) any = any || !tensor.values.empty();
    if (any) drawable.push_back(&t);
  }
  for (std::size_t i = 0; i < size.random_cases && !drawable.empty(); ++i) {
    const std::string id = "random-" + std::to_string(i);
    if (!wanted(id)) continue;
    SplitMix64 rng(case_seed(o.seed, loss, o.dtype, i));
    const Template& t = *drawable[rng.below(drawable.size())];
    for (int attempt = 0; attempt < kDrawAttempts; ++attempt) {
      const Draft d = draw_random(info, t.draft, o.dtype, rng, attempt < kDrawAttempts / 2);
      SuiteCase c = make(id, "random draw (seed " + std::to_string(o.seed) + ") from golden tcId " +
                                 std::to_string(t.tc_id),
                         draft_request(id, loss, d));
      if (c.answer) {
        cases.push_back(std::move(c));
        break;
      }
    }
  }
  return cases;
}

}  // namespace lossoracle::certify
