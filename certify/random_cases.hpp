// Random cases, drawn generically from a valid template case and the
// registry's parameter specs: every parameter with choices (reduction, ...)
// or of boolean type is drawn; every tensor keeps its shape and its template's
// kind of values, which is all the generator knows about it:
//   - integral tensors (class indices, counts, one-hot rows) are permuted, so
//     class indices stay within range, or, half the time, drawn afresh like a
//     real tensor (integral logits); the oracle turns away what is not valid;
//   - real tensors are drawn in the template's sign range: values in [0, 1]
//     stay there, renormalised along the axis where the template's sums are 1
//     (probabilities); non-negative, non-positive (log-probabilities) and
//     signed tensors keep their sign and get magnitudes around the template's;
//   - non-finite template values are drawn afresh too, except one time in four.
// The caller asks the oracle and draws again when a draw is rejected.
#pragma once

#include "certify/draft.hpp"
#include "certify/splitmix.hpp"
#include "core/loss_info.hpp"

namespace lossoracle::certify {

Draft draw_random(const LossInfo& info, const Draft& from, Dtype dtype, SplitMix64& rng, bool vary_params);

}  // namespace lossoracle::certify
