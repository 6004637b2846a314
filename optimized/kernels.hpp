// The per-row kernels of the optimized tier, compiled once per instruction
// set (kernels_isa.cpp built as kernels_avx512, kernels_avx2, kernels_sse4,
// kernels_scalar) and chosen at run time for the machine. Family headers
// (softmax.hpp, cross_entropy.hpp, kl_div.hpp, label_smoothing.hpp, soft_label.hpp, ...) hold the math; this header only
// names the entry points, so the drivers (evaluate_*.cpp) need no ISA flags.
//
// Rows are contiguous here: drivers gather the strided rows of K-dim inputs.
// Everything is computed in binary64 whatever F is, and rounded once when a
// float output is stored, except the e_j = exp(x_j - m) of float rows that
// are stored as floats anyway (vecmath.hpp's exp_shifted_f32: binary32
// lanes with an exact x - m, within 0.61 float ulp before that rounding).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checks/log_base.hpp"

namespace lossoracle::optimized {

// Cotangent layout of a class-index cross entropy row (see cross_entropy.hpp).
struct CeIndexRow {
  std::int64_t y = -1;        // -1: an ignored position (no loss, G = 0)
  double keep = 1, spread = 0;  // (1 - eps), eps / C; spread = 0 without smoothing
  double g_nll = 0, g_smooth = 0;  // cotangents of the nll and smoothing terms of this row
  double weight_total = 0;         // sum_c w_c (C without weights), for the smoothing term
};

// The SLACE paper's ordinal losses (ordinal.hpp). Where dis(c_i, y) comes
// from: a (C, C) matrix whose row y holds it, the class counts of Eq. 7
// (prox), or neither (|i - y|).
enum class OrdinalLoss { sord, oll, acc_loss, slace_prox };
using checks::LogBase;  // of a loss's logarithm: its value in nats over ln b
struct OrdinalCloseness {
  const double* distance = nullptr;      // (C, C) row-major, or null
  const std::int64_t* counts = nullptr;  // (C) class counts (slace_prox), or null
  LogBase prox_base = LogBase::e;        // the base of prox's logarithm
};
// What the rows of an ordinal loss need about one true class y, built once
// per class that occurs as a target (ordinal_target):
struct OrdinalTarget {
  std::vector<std::int64_t> group;       // each class's group of equal closeness to y, 0 = closest
  std::vector<double> group_q, group_n;  // per group: its classes' soft label (1: acc_loss), their count
  std::vector<double> coef;              // per class: q_i (sord), dis(c_i, y)^alpha (oll)
};

template <class F>
struct Kernels {
  // out = log_softmax(x), grad = g - p sum(g) (g null: ones). Either output may be null.
  void (*log_softmax_row)(const F* x, const F* g, std::int64_t C, F* out, F* grad);
  // out = softmax(x), grad = p (g - sum_j g_j p_j).
  void (*softmax_row)(const F* x, const F* g, std::int64_t C, F* out, F* grad);
  // sum_c entr(p_c); grad = cot * -(1 + log p).
  double (*entropy_row)(const F* p, std::int64_t C, double cot, F* grad);
  // per-position loss of cross_entropy with a class index (w null: unweighted);
  // *nll receives the row's unsmoothed term w_y (-log p_y) and *smooth (unless
  // null) its smoothing term sum_c w_c (-log p_c) (0 without smoothing), which
  // the drivers reduce separately as PyTorch does.
  double (*ce_index_row)(const F* x, const F* w, std::int64_t C, const CeIndexRow& a, F* grad, double* nll,
                         double* smooth);
  // per-position loss of cross_entropy with probabilities t; grads may be null.
  double (*ce_probs_row)(const F* x, const F* t, const F* w, std::int64_t C, double keep, double spread, double g,
                         F* grad_input, F* grad_target);
  // kl_div elementwise over n elements: per (binary64), grads (null: skipped).
  // Cotangent: go[k] if go, else g_scalar; g_zero: the exact grad_output is 0.
  void (*kl_div_block)(const F* x, const F* t, std::int64_t n, bool log_target, const F* go, double g_scalar,
                       double go_divisor, bool g_zero_scalar, double* per, F* grad_input, F* grad_target);
  // dlordinal's SLACE of one sample with true class y (0 <= y < C), O(C);
  // g: the cotangent of this sample's loss; grad may be null.
  double (*slace_row)(const F* x, std::int64_t C, std::int64_t y, double alpha, double eps, bool use_logits, double wy,
                      double g, F* grad);
  // -sum_c log p_c of one row (label_smoothing.hpp); *nll receives -log p_y
  // (y < 0: 0). Cotangents a_smooth on every log p_c and a_nll on log p_y; grad may be null.
  double (*smoothed_ce_row)(const F* x, std::int64_t C, std::int64_t y, double a_smooth, double a_nll, F* grad,
                            double* nll);
  // Cost-matrix rows (cost_matrix.hpp). per_pair_weighted_ce of one row with
  // its C x C matrix D and cotangent s; grads may be null.
  double (*per_pair_ce_row)(const F* x, const F* t, const F* D, std::int64_t C, double s, F* grad_input,
                            F* grad_target);
  // Elementwise misclass rows, d = row y of D: per[c] = d_c f_c in binary64;
  // cotangent go[c] if go, else s; grad may be null.
  void (*misclass_a_row)(const F* p, const F* d, std::int64_t C, const F* go, double s, double* per, F* grad);
  void (*misclass_a_logits_row)(const F* x, const F* d, std::int64_t C, const F* go, double s, double* per, F* grad);
  void (*misclass_b_clamped_row)(const F* p, const F* d, std::int64_t C, double clamp_min, const F* go, double s,
                                 double* per, F* grad);
  void (*misclass_b_row)(const F* x, const F* d, std::int64_t C, const F* go, double s, double* per, F* grad);
  // The per-class data of true class y for loss (O(C log C), binary64 for any F).
  void (*ordinal_target)(OrdinalLoss loss, const OrdinalCloseness& src, std::int64_t C, std::int64_t y, double alpha,
                         OrdinalTarget& out);
  // One sample's loss in base b with true class data t, O(C);
  // g: the cotangent of this sample's loss; grad may be null. accumulating_row
  // serves acc_loss and slace_prox.
  double (*sord_row)(const F* x, std::int64_t C, const OrdinalTarget& t, bool use_logits, LogBase base, double g,
                     F* grad);
  double (*oll_row)(const F* x, std::int64_t C, const OrdinalTarget& t, bool use_logits, LogBase base, double g,
                    F* grad);
  double (*accumulating_row)(const F* x, std::int64_t C, const OrdinalTarget& t, bool use_logits, LogBase base,
                             double g, F* grad);
  // The soft-label family (soft_label.hpp), classes last; alpha: incendio's
  // smoothing (0: none); s: the cotangent of the row's loss; grads not null.
  // out = smooth_soft_labels(y), grad = g (null: ones) where the label passes the gradient.
  void (*smooth_soft_labels_row)(const F* y, const F* g, std::int64_t C, double alpha, F* out, F* grad);
  double (*soft_ce_logits_row)(const F* x, const F* y, std::int64_t C, double alpha, double s, F* grad_input,
                               F* grad_target);
  // *loss_lo: the row's loss minus the returned value (terms may cancel).
  double (*soft_ce_probs_row)(const F* p, const F* y, std::int64_t C, double alpha, double s, F* grad_input,
                              F* grad_target, double* loss_lo);
  double (*mae_logits_row)(const F* x, const F* y, std::int64_t C, double s, F* grad_input, F* grad_target);
};

struct KernelTable {
  const char* isa;
  Kernels<float> f32;
  Kernels<double> f64;
};

// The best table this CPU runs (LOSSORACLE_ISA=avx512|avx2|sse4|scalar picks one).
const KernelTable& kernel_table();
// Tests and benchmarks: use this table from now on (null: back to the choice above).
void use_kernel_table(const KernelTable* table);
// Every table this CPU can run, best first (tests compare them).
std::vector<const KernelTable*> runnable_tables();
const KernelTable* table_named(const std::string& isa);  // null if unknown or not runnable

template <class F>
const Kernels<F>& kernels_for(const KernelTable& t) {
  if constexpr (sizeof(F) == 4) return t.f32;
  else return t.f64;
}

}  // namespace lossoracle::optimized
