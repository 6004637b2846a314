#include "properties/simplex_properties.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace lossoracle::properties {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double down(double v) { return std::isinf(v) ? v : std::nextafter(v, -kInf); }
double up(double v) { return std::isinf(v) ? v : std::nextafter(v, kInf); }

SimplexPoint one_hot(const SimplexPoint& s) {
  SimplexPoint h = s;
  h.units.assign(s.C, 0);
  h.units[s.y] = std::int64_t{1} << s.m;
  return h;
}

SimplexPoint moved(const SimplexPoint& s, const Move& mv) {
  SimplexPoint t = s;
  t.units[mv.from] -= mv.k;
  t.units[mv.to] += mv.k;
  return t;
}

// Where the loss is NaN (0 log 0 terms) or infinite on both sides, a
// comparison says nothing about the property: the case is discarded. Only
// PSR counts a NaN at the one-hot truth against the loss.
void defined(const Bound& b) {
  if (b.is_nan()) undecided("NaN");
}

// Through rounded logarithms (views on logits) a loss is known to 2^-40 of
// itself; a move of less than 2^-30 of the mass can change it by less than
// that, and such a case decides nothing.
void resolvable(const SimplexView& v, std::int64_t k, int m) {
  if (input_margin(v) > 0 && std::ldexp(static_cast<double>(k), -m) < 0x1p-30)
    undecided("a move below the input margin's resolution");
}

void proper_scoring(Subject& subject, const SimplexView& v, const Reach& r) {
  const SimplexPoint s = *simplex_point(r).as("p");
  const Bound hot = simplex_loss(subject, v, one_hot(s));
  const Bound at = simplex_loss(subject, v, s);
  if (hot.is_nan()) violated("L(one-hot y) is NaN: the one-hot truth is no minimiser; L(p) = " + bound_text(at));
  defined(at);
  if (hot.lo > at.hi) violated("L(one-hot y) = " + bound_text(hot) + " > L(p) = " + bound_text(at));
}

void convexity(Subject& subject, const SimplexView& v, const Reach& r) {
  const SimplexPoint a = *simplex_point(r).as("p");
  const SimplexPoint b = *simplex_point_like(a).as("p'");
  SimplexPoint mid = a;
  mid.m = a.m + 1;
  for (int c = 0; c < a.C; ++c) mid.units[c] = a.units[c] + b.units[c];
  const Bound la = simplex_loss(subject, v, a), lb = simplex_loss(subject, v, b), lm = simplex_loss(subject, v, mid);
  defined(la);
  defined(lb);
  defined(lm);
  const double average_hi = up((la.hi + lb.hi) / 2);
  if (lm.lo > average_hi)
    violated("L((p + p') / 2) = " + bound_text(lm) + " > (L(p) + L(p')) / 2, L(p) = " + bound_text(la) +
             ", L(p') = " + bound_text(lb));
}

void ordinal_monotonicity(Subject& subject, const SimplexView& v, const Reach& r) {
  const SimplexPoint s = *simplex_point(r).as("p");
  const std::vector<double> d = distances(v, s);
  std::vector<int> sources;  // classes with mass and a strictly closer class
  for (int c = 0; c < s.C; ++c)
    if (s.units[c] > 0 && std::any_of(d.begin(), d.end(), [&](double e) { return e < d[c]; })) sources.push_back(c);
  if (sources.empty()) undecided("no mass to move closer");
  Move mv;
  mv.from = *rc::gen::elementOf(sources).as("from");
  std::vector<int> closer;
  for (int c = 0; c < s.C; ++c)
    if (d[c] < d[mv.from]) closer.push_back(c);
  mv.to = *rc::gen::elementOf(closer).as("to");
  mv.k = *rc::gen::inRange<std::int64_t>(1, s.units[mv.from] + 1).as("k (mass k / 2^m)");
  resolvable(v, mv.k, s.m);
  const Bound before = simplex_loss(subject, v, s), after = simplex_loss(subject, v, moved(s, mv));
  defined(before);
  defined(after);
  if (std::isinf(before.lo) && std::isinf(after.lo)) undecided("infinite before and after");
  if (after.hi < before.lo) return;
  if (after.lo < before.hi && !subject.meeting_bounds_are_equal()) undecided("within the implementation's slack");
  violated("L(p') = " + bound_text(after) + " is not below L(p) = " + bound_text(before));
}

// The classes other than y at the smallest distance from y.
std::vector<int> closest(const SimplexView& v, const SimplexPoint& s) {
  const std::vector<double> d = distances(v, s);
  double best = kInf;
  for (int c = 0; c < s.C; ++c)
    if (c != s.y && d[c] < best) best = d[c];
  std::vector<int> out;
  for (int c = 0; c < s.C; ++c)
    if (c != s.y && d[c] == best) out.push_back(c);
  return out;
}

void balance_sensitivity(Subject& subject, const SimplexView& v, const Reach& r) {
  const SimplexPoint rich = *simplex_point(r).as("p, with counts D*");
  if (rich.counts[rich.y] < 2 || rich.units[rich.y] == 0) undecided("no room to move");
  const std::int64_t m = *rc::gen::inRange<std::int64_t>(1, rich.counts[rich.y]).as("m (D = D* less m items of y)");
  SimplexPoint poor = rich;
  poor.counts[rich.y] -= m;
  // "its closest class": closest under both distributions (prox can differ).
  std::vector<int> both;
  for (int c : closest(v, rich))
    for (int e : closest(v, poor))
      if (c == e) both.push_back(c);
  if (both.empty()) undecided("the closest class differs between D and D*");
  Move mv;
  mv.from = rich.y;
  mv.to = *rc::gen::elementOf(both).as("to (a closest class)");
  mv.k = *rc::gen::inRange<std::int64_t>(1, rich.units[rich.y] + 1).as("k (mass k / 2^m)");
  resolvable(v, mv.k, rich.m);
  const Bound p0 = simplex_loss(subject, v, poor), p1 = simplex_loss(subject, v, moved(poor, mv));
  const Bound r0 = simplex_loss(subject, v, rich), r1 = simplex_loss(subject, v, moved(rich, mv));
  for (const Bound* b : {&p0, &p1, &r0, &r1}) {
    defined(*b);
    if (std::isinf(b->lo) || std::isinf(b->hi)) undecided("an infinite loss: the rise is undefined");
  }
  const double rise_poor_lo = down(p1.lo - p0.hi), rise_rich_hi = up(r1.hi - r0.lo);
  if (rise_poor_lo > rise_rich_hi) return;
  if (up(p1.hi - p0.lo) > down(r1.lo - r0.hi) && !subject.meeting_bounds_are_equal())
    undecided("within the implementation's slack");
  violated("the rise under D, " + bound_text(p1) + " - " + bound_text(p0) + ", is not more than under D*, " +
             bound_text(r1) + " - " + bound_text(r0));
}

}  // namespace

Bound simplex_loss(Subject& s, const SimplexView& v, const SimplexPoint& p) {
  return simplex_loss_at(s, v, p.p(), p.y, p.counts);
}

Bound simplex_loss_at(Subject& s, const SimplexView& v, const std::vector<double>& p, int y,
                      const std::vector<std::int64_t>& counts) {
  Bound b = answer_of(s, simplex_query_at(v, p, y, counts)).loss();
  const double margin = input_margin(v);
  if (margin > 0 && std::isfinite(b.lo) && std::isfinite(b.hi)) {
    b.lo -= margin * std::fabs(b.lo);
    b.hi += margin * std::fabs(b.hi);
  }
  return b;
}

const std::vector<SimplexProperty>& simplex_properties() {
  static const std::vector<SimplexProperty> props = {
      {"proper_scoring", "PSR",
       "L(one-hot y) <= L(p) for every p: the one-hot ground truth minimises the loss (a NaN at the one-hot "
       "fails it)",
       [](Subject& s, const SimplexView& v, const Reach& r) { proper_scoring(s, v, r); }},
      {"convexity", "convex",
       "L((p + p') / 2) <= (L(p) + L(p')) / 2 for rows p, p' with the same true class",
       [](Subject& s, const SimplexView& v, const Reach& r) { convexity(s, v, r); }},
      {"ordinal_monotonicity", "OM",
       "moving mass k / 2^m > 0 from class j to a strictly closer class i strictly lowers the loss (Property 1); "
       "cases where the loss is infinite before and after are discarded",
       [](Subject& s, const SimplexView& v, const Reach& r) { ordinal_monotonicity(s, v, r); }},
      {"balance_sensitivity", "BS",
       "with D, D* differing only in the true class (n*_y = n_y + m, m > 0), moving mass from y to a closest "
       "class raises the loss more under D than under D* (Property 2); cases with an infinite loss are discarded",
       [](Subject& s, const SimplexView& v, const Reach& r) { balance_sensitivity(s, v, r); }},
  };
  return props;
}

namespace {

// The paper's counterexample to Property 1 ("Comparative Analysis of Loss
// Functions"): g(x) = c1, p = (0.1, 0.4, 0.5), p' = (0.1, 0.89999, 0.00001),
// 0.49999 moved from c3 to the closer c2. Checked after the random cases, as
// a known example: where they found nothing and it shows a violation, that is
// the counterexample.
std::optional<Outcome> papers_move(Subject& s, const SimplexView& v) {
  if (v.closeness != Closeness::index_distance) return std::nullopt;
  const std::vector<double> p{0.1, 0.4, 0.5}, q{0.1, 0.89999, 0.00001};
  const Bound before = simplex_loss_at(s, v, p, 0, {10, 10, 10}), after = simplex_loss_at(s, v, q, 0, {10, 10, 10});
  if (before.is_nan() || after.is_nan() || after.hi < before.lo) return std::nullopt;
  if (after.lo < before.hi && !s.meeting_bounds_are_equal()) return std::nullopt;
  Outcome o;
  o.verdict = Verdict::fails;
  o.counterexample = "the paper's move: y = 0, p = [0.1, 0.4, 0.5], p' = [0.1, 0.89999, 0.00001] (binary64 nearest)";
  o.message = "L(p') = " + bound_text(after) + " is not below L(p) = " + bound_text(before);
  return o;
}

}  // namespace

Outcome check_simplex_property(const SimplexProperty& p, Subject& s, const SimplexView& v, const RunOptions& o) {
  Outcome random = run_check([&] { p.body(s, v, o.reach); }, o);
  if (p.id != "ordinal_monotonicity" || random.verdict == Verdict::fails) return random;
  try {
    if (auto seeded = papers_move(s, v)) return *seeded;
  } catch (const rc::detail::CaseResult&) {
    // The subject rejected the row: the random cases said what they found.
  }
  return random;
}

}  // namespace lossoracle::properties
