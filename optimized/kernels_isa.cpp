// One kernel table, compiled once per instruction set: CMake builds this
// file as kernels_avx512, kernels_avx2, kernels_sse4 and kernels_scalar with
// LOSSORACLE_ISA naming the namespace and the matching -m flags.
#include "optimized/kernels.hpp"

#include "optimized/cost_matrix.hpp"
#include "optimized/cross_entropy.hpp"
#include "optimized/kl_div.hpp"
#include "optimized/label_smoothing.hpp"
#include "optimized/ordinal.hpp"
#include "optimized/slace.hpp"
#include "optimized/soft_label.hpp"
#include "optimized/softmax.hpp"

#define LOSSORACLE_CAT2(a, b) a##b
#define LOSSORACLE_CAT(a, b) LOSSORACLE_CAT2(a, b)
#define LOSSORACLE_STR2(a) #a
#define LOSSORACLE_STR(a) LOSSORACLE_STR2(a)

namespace lossoracle::optimized {

namespace {

template <class F>
Kernels<F> make() {
  namespace k = LOSSORACLE_ISA;
  return {&k::log_softmax_row<F>, &k::softmax_row<F>, &k::entropy_row<F>, &k::ce_index_row<F>,
          &k::ce_probs_row<F>,    &k::kl_div_block<F>, &k::slace_row<F>,
          &k::smoothed_ce_row<F>,
          &k::per_pair_ce_row<F>, &k::misclass_a_row<F>, &k::misclass_a_logits_row<F>, &k::misclass_b_clamped_row<F>,
          &k::misclass_b_row<F>,
          &k::ordinal_target,     &k::sord_row<F>,       &k::oll_row<F>,            &k::accumulating_row<F>,
          &k::smooth_soft_labels_row<F>, &k::soft_ce_logits_row<F>, &k::soft_ce_probs_row<F>, &k::mae_logits_row<F>};
}

}  // namespace

// The object's one visible symbol (optimized/CMakeLists.txt localizes the rest).
__attribute__((visibility("default"))) const KernelTable& LOSSORACLE_CAT(kernel_table_, LOSSORACLE_ISA)() {
  static const KernelTable table{LOSSORACLE_STR(LOSSORACLE_ISA), make<float>(), make<double>()};
  return table;
}

}  // namespace lossoracle::optimized
