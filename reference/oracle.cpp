#include "reference/oracle.hpp"

namespace lossoracle::reference {

namespace {

// A value proved in binary64/binary32 but not yet in bfloat16/binary16 is
// refined further; at the cap it stays proved with narrow_unresolved set.
bool settled(const RoundedValue& v) { return rounding_decided(v, true) && v.status != ProofStatus::nan; }

Evaluation evaluate_at(OracleFn fn, const LossCase& c, unsigned bits) {
  const unsigned saved = Real::precision();
  Real::set_precision(bits);
  try {
    // Inputs are converted after the precision is set: a Real takes it at birth.
    Evaluation e = named_outputs(c, fn(c, inputs_as<Real>(c)));
    Real::set_precision(saved);
    return e;
  } catch (...) {
    Real::set_precision(saved);
    throw;
  }
}

}  // namespace

Evaluation named_outputs(const LossCase& c, const LossResult<Real>& r) {
  Evaluation e;
  e.push_back({"loss", r.loss_shape, r.loss});
  if (r.has_per_position) e.push_back({"per_position", r.position_shape, r.per_position});
  if (r.has_grad_input) e.push_back({"grad_input", c.find("input")->shape, r.grad_input});
  if (r.has_grad_target) e.push_back({"grad_target", c.find("target")->shape, r.grad_target});
  for (const auto& x : r.extra) e.push_back({x.name, x.shape, x.values});
  return e;
}

OracleAnswer evaluate_correctly_rounded(OracleFn fn, const LossCase& c, const OracleOptions& options) {
  OracleAnswer answer;
  unsigned bits = options.start_bits;
  Evaluation e = evaluate_at(fn, c, bits);
  answer.final_bits = bits;
  for (const NamedOutput& out : e) {
    CertifiedOutput co{out.name, out.shape, {}};
    co.values.reserve(out.values.size());
    for (const Real& v : out.values) co.values.push_back(round_enclosure(v));
    answer.outputs.push_back(std::move(co));
  }
  // Real makes a NaN only where the operands force one (real.cpp: point
  // infinities and zeros, NaN inputs; an undecided operand gives the whole
  // line instead). As a second line of defence a NaN must also persist at a
  // higher precision before it is believed.
  std::vector<std::vector<bool>> seen_nan(answer.outputs.size());
  for (std::size_t o = 0; o < answer.outputs.size(); ++o)
    seen_nan[o].assign(answer.outputs[o].values.size(), false);

  auto pending = [&] {
    bool any = false;
    for (std::size_t o = 0; o < answer.outputs.size(); ++o)
      for (std::size_t i = 0; i < answer.outputs[o].values.size(); ++i) {
        const RoundedValue& v = answer.outputs[o].values[i];
        if (!settled(v) && !(v.status == ProofStatus::nan && seen_nan[o][i])) any = true;
      }
    return any;
  };
  while (pending() && bits < options.max_bits) {
    for (std::size_t o = 0; o < answer.outputs.size(); ++o)
      for (std::size_t i = 0; i < answer.outputs[o].values.size(); ++i)
        if (answer.outputs[o].values[i].status == ProofStatus::nan) seen_nan[o][i] = true;
    bits = std::min(bits * 2, options.max_bits);
    e = evaluate_at(fn, c, bits);
    answer.final_bits = bits;
    for (std::size_t o = 0; o < answer.outputs.size(); ++o)
      for (std::size_t i = 0; i < answer.outputs[o].values.size(); ++i) {
        RoundedValue& v = answer.outputs[o].values[i];
        if (settled(v)) continue;
        // Refined for a narrow format, a value keeps its binary64/binary32 proof.
        RoundedValue refined = round_enclosure(e[o].values[i]);
        if (rounding_decided(refined, false) || !rounding_decided(v, false)) v = refined;
      }
  }
  // A NaN seen only once, at the cap, stays NaN: nothing higher can be tried.
  return answer;
}

}  // namespace lossoracle::reference
