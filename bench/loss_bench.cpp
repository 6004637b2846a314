// Forward and forward+backward throughput of the optimized tier's row
// kernels, through the same kernel table and thread pool the tier uses,
// next to a plain parallel copy of the same bytes (the memory roof): each
// benchmark reports bytes moved, GB/s and its ratio to the copy measured in
// the same run. BM_OracleRatio times the oracle against the tier on one
// small case. Shapes beyond (1024, 1000) need LOSSORACLE_BENCH_LARGE=1.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/registry.hpp"
#include "optimized/evaluate.hpp"
#include "optimized/kernels.hpp"
#include "optimized/thread_pool.hpp"
#include "reference/oracle.hpp"

namespace {

using namespace lossoracle;
using namespace lossoracle::optimized;

struct Shape2 {
  std::int64_t N, C;
};

std::vector<Shape2> shapes() {
  std::vector<Shape2> s{{64, 10}, {1024, 1000}};
  if (const char* l = std::getenv("LOSSORACLE_BENCH_LARGE"); l && std::string(l) == "1")
    s.insert(s.end(), {{8192, 32000}, {16, 128256}});
  return s;
}

std::vector<float> random_floats(std::size_t n, float lo, float hi, unsigned seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(g);
  return v;
}

void report(benchmark::State& state, std::int64_t bytes) {
  state.SetBytesProcessed(state.iterations() * bytes);
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(state.iterations() * bytes) / 1e9,
                                              benchmark::Counter::kIsRate);
}

// The memory roof: read `bytes/2`, write `bytes/2`, split over the same threads.
void BM_Copy(benchmark::State& state, std::int64_t bytes) {
  std::vector<char> src(bytes / 2, 1), dst(bytes / 2);
  const std::int64_t half = bytes / 2;
  for (auto _ : state) {
    parallel_for(half, 1 << 16, [&](std::int64_t b, std::int64_t e) { std::memcpy(dst.data() + b, src.data() + b, e - b); });
    benchmark::DoNotOptimize(dst.data());
  }
  report(state, bytes);
}

enum class Kind { ce_hard, ce_soft, ce_smoothed, kl, slace, per_pair_ce, misclass_a_logits };

void BM_Loss(benchmark::State& state, Kind kind, Shape2 s, bool backward) {
  const std::int64_t n = s.N * s.C;
  const std::vector<float> x = random_floats(n, -8, 8, 1);
  std::vector<float> t, gi(n), gt(n);
  std::vector<float> w;
  std::vector<std::int64_t> y(s.N);
  std::mt19937 g(2);
  for (auto& v : y) v = g() % s.C;
  if (kind == Kind::ce_soft || kind == Kind::kl || kind == Kind::per_pair_ce) {
    t = random_floats(n, 0, 1, 3);
    if (kind == Kind::ce_soft || kind == Kind::per_pair_ce)
      for (std::int64_t r = 0; r < s.N; ++r) {
        double sum = 0;
        for (std::int64_t c = 0; c < s.C; ++c) sum += t[r * s.C + c];
        for (std::int64_t c = 0; c < s.C; ++c) t[r * s.C + c] = static_cast<float>(t[r * s.C + c] / sum);
      }
  }
  // Cost matrix of the per-pair losses: zero diagonal, the document's convention.
  std::vector<float> D;
  if (kind == Kind::per_pair_ce || kind == Kind::misclass_a_logits) {
    D = random_floats(s.C * s.C, 0, 1, 4);
    for (std::int64_t c = 0; c < s.C; ++c) D[c * s.C + c] = 0;
  }
  const bool elementwise = kind == Kind::kl || kind == Kind::misclass_a_logits;
  std::vector<double> per(elementwise ? n : s.N), nll(s.N);
  const Kernels<float>& k = kernel_table().f32;
  const double eps = kind == Kind::ce_smoothed ? 0.1 : 0.0;
  for (auto _ : state) {
    if (kind == Kind::kl) {
      parallel_for(n, 1 << 14, [&](std::int64_t b, std::int64_t e) {
        k.kl_div_block(x.data() + b, t.data() + b, e - b, false, nullptr, 1.0 / s.N, 1.0, false, per.data() + b,
                       backward ? gi.data() + b : nullptr, nullptr);
      });
    } else {
      parallel_for(s.N, std::max<std::int64_t>(1, 8192 / s.C), [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t r = b; r < e; ++r) {
          const float* xr = x.data() + r * s.C;
          float* gr = backward ? gi.data() + r * s.C : nullptr;
          if (kind == Kind::per_pair_ce) {
            per[r] = k.per_pair_ce_row(xr, t.data() + r * s.C, D.data(), s.C, 1.0 / s.N, gr,
                                       backward ? gt.data() + r * s.C : nullptr);
          } else if (kind == Kind::misclass_a_logits) {
            k.misclass_a_logits_row(xr, D.data() + y[r] * s.C, s.C, nullptr, 1.0 / n, per.data() + r * s.C, gr);
          } else if (kind == Kind::slace) {
            per[r] = k.slace_row(xr, s.C, y[r], 1.0, 1e-9, true, 1.0, 1.0 / s.N, gr);
          } else if (kind == Kind::ce_soft) {
            per[r] = k.ce_probs_row(xr, t.data() + r * s.C, nullptr, s.C, 1.0, 0.0, 1.0 / s.N, gr, nullptr);
          } else {
            CeIndexRow a;
            a.y = y[r];
            a.keep = 1 - eps;
            a.spread = eps / s.C;
            a.g_nll = a.keep / s.N;
            a.g_smooth = a.spread / s.N;
            a.weight_total = static_cast<double>(s.C);
            per[r] = k.ce_index_row(xr, nullptr, s.C, a, gr, &nll[r], nullptr);
          }
        }
      });
    }
    benchmark::DoNotOptimize(per.data());
  }
  std::int64_t read = n * 4 * ((kind == Kind::ce_soft || kind == Kind::kl) ? 2 : 1);
  std::int64_t written = backward ? n * 4 : 0;
  if (kind == Kind::per_pair_ce) {
    // x and t, D once (it stays in cache); both gradients.
    read = n * 4 * 2 + s.C * s.C * 4;
    written = backward ? n * 4 * 2 : 0;
  } else if (kind == Kind::misclass_a_logits) {
    // x and row y of D for every row; the binary64 elementwise losses.
    read = n * 4 * 2;
    written += n * 8;
  }
  const std::int64_t bytes = read + written;
  report(state, bytes);
}

// The oracle against the tier on one (64, 10) cross_entropy case with gradients.
void BM_OracleRatio(benchmark::State& state, bool oracle) {
  LossCase c;
  c.loss = "cross_entropy";
  const auto x = random_floats(640, -4, 4, 5);
  c.inputs["input"] = {{64, 10}, std::vector<double>(x.begin(), x.end())};
  Tensor target{{64}, {}};
  for (int i = 0; i < 64; ++i) target.values.push_back(i % 10);
  c.inputs["target"] = target;
  const LossInfo& info = find_loss(c.loss);
  resolve_case(info, c);
  for (auto _ : state) {
    if (oracle) benchmark::DoNotOptimize(reference::evaluate_correctly_rounded(info.oracle, c));
    else benchmark::DoNotOptimize(evaluate(c, Precision::f32));
  }
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::ce_hard: return "ce_hard";
    case Kind::ce_soft: return "ce_soft";
    case Kind::ce_smoothed: return "ce_label_smoothed";
    case Kind::kl: return "kl_div";
    case Kind::slace: return "slace";
    case Kind::per_pair_ce: return "per_pair_weighted_ce";
    case Kind::misclass_a_logits: return "misclass_a_logits";
  }
  return "?";
}

void register_all() {
  const std::string threads = "/threads:" + std::to_string(thread_count());
  for (Shape2 s : shapes()) {
    const std::string shape = "(" + std::to_string(s.N) + "," + std::to_string(s.C) + ")";
    benchmark::RegisterBenchmark(("copy/read+write/" + shape + threads).c_str(), BM_Copy, s.N * s.C * 8)
        ->UseRealTime()->Unit(benchmark::kMillisecond);
    for (Kind k : {Kind::ce_hard, Kind::ce_soft, Kind::ce_smoothed, Kind::kl, Kind::misclass_a_logits}) {
      // misclass_a_logits reads a (C, C) cost matrix: 4 GB at C = 32000, 66 GB at C = 128256.
      if (k == Kind::misclass_a_logits && s.C > 32000) continue;
      for (bool bw : {false, true})
        benchmark::RegisterBenchmark((std::string(kind_name(k)) + (bw ? "/fwd+bwd/" : "/fwd/") + shape + threads).c_str(),
                                     BM_Loss, k, s, bw)
            ->UseRealTime()->Unit(benchmark::kMillisecond);
    }
  }
  // SLACE at dlordinal's scale: its forward materialises (N, C, C) doubles.
  for (Shape2 s : {Shape2{64, 10}, Shape2{1024, 256}}) {
    const std::string shape = "(" + std::to_string(s.N) + "," + std::to_string(s.C) + ")";
    for (bool bw : {false, true})
      benchmark::RegisterBenchmark((std::string("slace") + (bw ? "/fwd+bwd/" : "/fwd/") + shape + threads).c_str(),
                                   BM_Loss, Kind::slace, s, bw)
          ->UseRealTime()->Unit(benchmark::kMillisecond);
  }
  // per_pair_weighted_ce: O(C^2) a row (log_softmax(x) D^T and D^T t).
  for (Shape2 s : {Shape2{64, 10}, Shape2{1024, 256}}) {
    const std::string shape = "(" + std::to_string(s.N) + "," + std::to_string(s.C) + ")";
    for (bool bw : {false, true})
      benchmark::RegisterBenchmark(
          (std::string("per_pair_weighted_ce") + (bw ? "/fwd+bwd/" : "/fwd/") + shape + threads).c_str(), BM_Loss,
          Kind::per_pair_ce, s, bw)
          ->UseRealTime()->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("oracle/cross_entropy/(64,10)", BM_OracleRatio, true)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("optimized/cross_entropy/(64,10)", BM_OracleRatio, false)->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  register_all();
  benchmark::AddCustomContext("isa", kernel_table().isa);
  benchmark::AddCustomContext("threads", std::to_string(thread_count()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
