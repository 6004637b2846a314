// Threads over rows. Every row's outputs are computed by one call on one
// thread and written to memory no other row touches, and every reduction
// over rows runs afterwards in a fixed order (optimized/reduce.hpp), so the
// bits of a result never depend on the thread count or the schedule.
#pragma once

#include <cstdint>
#include <functional>

namespace lossoracle::optimized {

// Threads used by the tier: LOSSORACLE_THREADS if set, else the hardware's.
int thread_count();
void set_thread_count(int n);  // tests and benchmarks; n >= 1

// Calls body(begin, end) on disjoint ranges covering [0, n), on up to
// thread_count() threads; returns when all are done. Ranges hold at least
// `grain` items, so that rows a thread writes do not share cache lines with
// another thread's except at range borders.
void parallel_for(std::int64_t n, std::int64_t grain, const std::function<void(std::int64_t, std::int64_t)>& body);

}  // namespace lossoracle::optimized
