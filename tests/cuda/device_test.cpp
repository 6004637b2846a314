// The CUDA tier's kernels on a device: against the oracle (binary32,
// binary64, and bfloat16/binary16 storage with binary32 accumulation), the
// in-place gradient, run-to-run determinism, out-of-range class indices
// reported from the device with the reference tier's words, a 262144-class
// vocabulary, and a tensor beyond 2^31 elements (64-bit indexing). Every
// test skips, saying why, where no device is present or the tier was not
// compiled (no nvcc at configure time).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "tests/cuda/cuda_cases.hpp"
#include "tests/cuda/oracle_check.hpp"
#if defined(LOSSORACLE_HAVE_CUDA)
#include <cuda_runtime.h>

#include "checks/cost_matrix_target.hpp"
#include "checks/ordinal_target.hpp"
#include "checks/slace_target.hpp"
#include "cuda/device_case.hpp"
#include "cuda/ordinal_groups.hpp"
#endif

namespace lossoracle {
namespace {

#if !defined(LOSSORACLE_HAVE_CUDA)
TEST(CudaDevice, Kernels) { GTEST_SKIP() << "CUDA tier not compiled: LOSSORACLE_CUDA was off when lossoracle was configured: no usable nvcc, or turned off"; }
#else

using cuda::Dtype;
using cuda_testing::CaseDraw;

#define LOSSORACLE_REQUIRE_DEVICE()                   \
  do {                                                \
    std::string why;                                  \
    if (!cuda::device_available(&why)) GTEST_SKIP() << why; \
  } while (0)

template <Dtype D>
std::vector<cuda::HostOutput> on_device(const LossCase& c) {
  return cuda::evaluate_on_device(c, D);
}

// The case with every floating-point tensor rounded to the storage dtype, so
// that the oracle judges the values the kernels actually receive.
nlohmann::json rounded_to(nlohmann::json j, Dtype d) {
  const bool index_target = j["loss"] == "nll_loss" || j["loss"] == "slace" || j["loss"] == "sord" ||
                            j["loss"] == "oll" || j["loss"] == "acc_loss" || j["loss"] == "slace_prox" ||
                            j["loss"].get<std::string>().rfind("misclass_", 0) == 0 ||
                            ((j["loss"] == "cross_entropy" || j["loss"] == "unit_scaled_cross_entropy") &&
                             j["inputs"]["target"]["shape"] != j["inputs"]["input"]["shape"]);
  for (auto& [name, tensor] : j["inputs"].items()) {
    if (name == "target" && index_target) continue;
    for (auto& v : tensor["data"]) {
      const Tensor t = tensor_from_json({{"shape", {1}}, {"data", {v}}}, name);
      v = hex64(cuda::round_to_storage(t.values[0], d));
    }
  }
  return j;
}

class CudaDevice : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaDevice, Binary32MatchesOracle) {
  LOSSORACLE_REQUIRE_DEVICE();
  CaseDraw d(0xC0DA + GetParam().size());
  double worst = 0;
  for (int k = 0; k < cuda_testing::cases_per_loss(); ++k)
    cuda_testing::check_case<float>(cuda_testing::draw_case(GetParam(), d, k, k % 3 == 2), worst,
                                    on_device<Dtype::float32>);
  std::printf("%s (binary32, device): worst error %.2f ulps of scale\n", GetParam().c_str(), worst);
}

TEST_P(CudaDevice, Binary64MatchesOracle) {
  LOSSORACLE_REQUIRE_DEVICE();
  CaseDraw d(0xD0DA + GetParam().size());
  double worst = 0;
  for (int k = 0; k < cuda_testing::cases_per_loss(); ++k)
    cuda_testing::check_case<double>(cuda_testing::draw_case(GetParam(), d, k, k % 3 == 2), worst,
                                     on_device<Dtype::float64>);
  std::printf("%s (binary64, device): worst error %.2f ulps of scale\n", GetParam().c_str(), worst);
}

// bfloat16 (8 significant bits) and binary16 (11) storage: the binary32
// budget plus one ulp of the storage format for the final rounding.
TEST_P(CudaDevice, NarrowStorageMatchesOracle) {
  LOSSORACLE_REQUIRE_DEVICE();
  for (const auto& [dtype, storage] : {std::pair{Dtype::bfloat16, cuda_testing::StorageRounding{8, -126}},
                                       std::pair{Dtype::float16, cuda_testing::StorageRounding{11, -14}}}) {
    CaseDraw d(0xB0DA + GetParam().size());
    double worst = 0;
    for (int k = 0; k < cuda_testing::cases_per_loss(); ++k) {
      const nlohmann::json j = rounded_to(cuda_testing::draw_case(GetParam(), d, k, k % 3 == 2), dtype);
      cuda_testing::check_case<float>(
          j, worst, [dtype = dtype](const LossCase& c) { return cuda::evaluate_on_device(c, dtype); }, storage);
    }
  }
}

// Writing the gradient over the logits gives the same bits as a separate
// buffer, and two runs give the same bits (fixed-order reductions).
TEST_P(CudaDevice, InPlaceAndRepeatedRunsAreBitwiseEqual) {
  LOSSORACLE_REQUIRE_DEVICE();
  CaseDraw d(0xE0DA + GetParam().size());
  for (int k = 0; k < cuda_testing::cases_per_loss(); ++k) {
    const nlohmann::json j = cuda_testing::draw_case(GetParam(), d, k, k % 3 == 2);
    SCOPED_TRACE(j.dump());
    const LossCase c = testing_support::resolved_case(j);
    const auto a = cuda::evaluate_on_device(c, Dtype::float32);
    const auto b = cuda::evaluate_on_device(c, Dtype::float32);
    const auto in_place = cuda::evaluate_on_device(c, Dtype::float32, true);
    ASSERT_EQ(a.size(), in_place.size());
    for (std::size_t o = 0; o < a.size(); ++o) {
      for (std::size_t i = 0; i < a[o].values.size(); ++i) {
        const double u = a[o].values[i], v = b[o].values[i], w = in_place[o].values[i];
        EXPECT_TRUE((std::isnan(u) && std::isnan(v)) || std::memcmp(&u, &v, 8) == 0) << a[o].name << "[" << i << "]";
        EXPECT_TRUE((std::isnan(u) && std::isnan(w)) || std::memcmp(&u, &w, 8) == 0) << a[o].name << "[" << i << "] in place";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Losses, CudaDevice, ::testing::ValuesIn(cuda::cuda_loss_names()),
                         [](const auto& info) { return info.param; });

// A class index out of range is found on the device and reported with the
// reference tier's words, naming the lowest such position.
TEST(CudaDeviceErrors, OutOfRangeTargetIsReportedNotClamped) {
  LOSSORACLE_REQUIRE_DEVICE();
  for (const char* loss : {"cross_entropy", "nll_loss"}) {
    const nlohmann::json j = {
        {"loss", loss},
        {"params", nlohmann::json::object()},
        {"inputs",
         {{"input", cuda_testing::tensor({3, 4}, std::vector<double>(12, 0.5))},
          {"target", cuda_testing::tensor({3}, {1.0, 7.0, -2.0})}}}};
    const LossCase c = testing_support::resolved_case(j);
    std::string expected, got;
    try {
      testing_support::oracle(c);
    } catch (const InputError& e) {
      expected = e.what();
    }
    try {
      cuda::evaluate_on_device(c, Dtype::float32);
    } catch (const InputError& e) {
      got = e.what();
    }
    EXPECT_FALSE(expected.empty());
    EXPECT_EQ(got, expected);
  }
}

// Losses whose shared checks refuse an out-of-range class index before
// anything runs: given the Problem of a valid case, the device must still
// find the bad index (the kernels' error word) and report the reference's
// words, for callers of the host API who build Problems themselves.
TEST(CudaDeviceErrors, OutOfRangeTargetPastTheChecksIsFoundOnTheDevice) {
  LOSSORACLE_REQUIRE_DEVICE();
  for (const char* loss : {"unit_scaled_cross_entropy", "fastai_label_smoothing_cross_entropy"}) {
    auto make = [&](std::vector<double> y) {
      return testing_support::resolved_case(nlohmann::json{
          {"loss", loss},
          {"params", nlohmann::json::object()},
          {"inputs",
           {{"input", cuda_testing::tensor({3, 4}, std::vector<double>(12, 0.5))},
            {"target", cuda_testing::tensor({3}, y)}}}});
    };
    const cuda::Problem p = cuda::problem_from_case(make({1.0, 2.0, 3.0}));
    const LossCase bad = make({1.0, 7.0, -2.0});
    std::string expected, got;
    try {
      testing_support::oracle(bad);
    } catch (const InputError& e) {
      expected = e.what();
    }
    try {
      cuda::evaluate_on_device(p, bad, Dtype::float32);
    } catch (const InputError& e) {
      got = e.what();
    }
    EXPECT_FALSE(expected.empty());
    EXPECT_EQ(got, expected) << loss;
  }
}

// slace's, the ordinal family's and the misclass losses' targets are range-checked by
// problem_from_case already; a caller of the host API may still pass a bad
// one: the kernel flags it (lowest row), its row is NaN, and check_targets
// reports it with the reference tier's words.
TEST(CudaDeviceErrors, ApiOutOfRangeTargetIsReportedNotClamped) {
  LOSSORACLE_REQUIRE_DEVICE();
  for (const std::string loss : {"slace", "sord", "oll", "acc_loss", "slace_prox", "misclass_a", "misclass_a_logits",
                                 "misclass_b_as_published", "misclass_b"}) {
    SCOPED_TRACE(loss);
    const bool sord = loss == "sord" || loss == "oll" || loss == "acc_loss" || loss == "slace_prox";
    const bool slace = loss == "slace" || sord;
    nlohmann::json j = {{"loss", loss},
                        {"params", {{"reduction", "none"}}},
                        {"inputs",
                         {{"input", cuda_testing::tensor({3, 4}, std::vector<double>(12, 0.5))},
                          {"target", cuda_testing::tensor({3}, {1.0, 2.0, 0.0})}}}};
    if (!slace) j["inputs"]["cost_matrix"] = cuda_testing::tensor({4, 4}, std::vector<double>(16, 1.0));
    if (loss == "slace_prox") j["inputs"]["class_counts"] = cuda_testing::tensor({4}, {1.0, 2.0, 2.0, 1.0});
    const cuda::Problem p = cuda::problem_from_case(testing_support::resolved_case(j));
    // slace_prox's group table, uploaded as a caller of the host API would.
    const cuda::OrdinalGroupTable table = cuda::ordinal_group_table(p, {}, {1.0, 2.0, 2.0, 1.0});
    void *dgroups = nullptr, *dlabels = nullptr;
    if (!table.groups.empty()) {
      ASSERT_EQ(cudaMalloc(&dgroups, table.groups.size() * 4), cudaSuccess);
      ASSERT_EQ(cudaMalloc(&dlabels, table.labels.size() * 8), cudaSuccess);
      ASSERT_EQ(cudaMemcpy(dgroups, table.groups.data(), table.groups.size() * 4, cudaMemcpyHostToDevice), cudaSuccess);
      ASSERT_EQ(cudaMemcpy(dlabels, table.labels.data(), table.labels.size() * 8, cudaMemcpyHostToDevice), cudaSuccess);
    }
    const std::vector<std::int64_t> bad{1, slace ? 7 : -5, 9};
    const std::vector<float> x(12, 0.5f), D(16, 1.0f);
    void *dx = nullptr, *dy = nullptr, *dD = nullptr, *loss_out = nullptr, *grad = nullptr, *ws = nullptr;
    const std::size_t ws_bytes = cuda::workspace_bytes(p, Dtype::float32);
    ASSERT_EQ(cudaMalloc(&dx, 48), cudaSuccess);
    ASSERT_EQ(cudaMalloc(&dy, 24), cudaSuccess);
    ASSERT_EQ(cudaMalloc(&dD, 64), cudaSuccess);
    ASSERT_EQ(cudaMalloc(&loss_out, 48), cudaSuccess);
    ASSERT_EQ(cudaMalloc(&grad, 48), cudaSuccess);
    ASSERT_EQ(cudaMalloc(&ws, ws_bytes), cudaSuccess);
    ASSERT_EQ(cudaMemcpy(dx, x.data(), 48, cudaMemcpyHostToDevice), cudaSuccess);
    ASSERT_EQ(cudaMemcpy(dy, bad.data(), 24, cudaMemcpyHostToDevice), cudaSuccess);
    ASSERT_EQ(cudaMemcpy(dD, D.data(), 64, cudaMemcpyHostToDevice), cudaSuccess);
    cuda::DeviceTensors t;
    t.input = dx;
    t.target = dy;
    t.cost_matrix = dD;
    t.ordinal_groups = static_cast<const std::int32_t*>(dgroups);
    t.ordinal_labels = static_cast<const double*>(dlabels);
    t.loss = loss_out;
    t.grad_input = grad;
    std::string got;
    try {
      cuda::run(p, Dtype::float32, t, ws, ws_bytes, nullptr);
    } catch (const InputError& e) {
      got = e.what();
    }
    EXPECT_EQ(got, sord    ? checks::ordinal_target_message(loss, {3}, 1, 7, 4)
                   : slace ? checks::slace_target_message(loss, {3}, 1, 7, 4) : checks::cost_target_message(loss, {3}, 1, -5, 4));
    float row[4];
    ASSERT_EQ(cudaMemcpy(row, static_cast<float*>(grad) + 4, 16, cudaMemcpyDeviceToHost), cudaSuccess);
    for (float v : row) EXPECT_TRUE(std::isnan(v)) << "the bad row's gradient must be NaN, not a clamped class's";
    for (void* q : {dx, dy, dD, loss_out, grad, ws, dgroups, dlabels}) cudaFree(q);
  }
}

// Deterministic logits that need no storage on the host: row n, class c.
float logit_at(std::int64_t n, std::int64_t c) {
  return static_cast<float>(((n * 7919 + c * 104729) % 2001) - 1000) / 64.0f;
}

// Row `n` of the big problem as a small registry case (the host core
// evaluates it in binary64, itself checked against the oracle in CI).
std::vector<double> host_row_loss_and_target_grad(std::int64_t n, std::int64_t C, std::int64_t y) {
  std::vector<double> x(C);
  for (std::int64_t c = 0; c < C; ++c) x[c] = logit_at(n, c);
  const nlohmann::json j = {{"loss", "cross_entropy"},
                            {"params", {{"reduction", "none"}}},
                            {"inputs", {{"input", cuda_testing::tensor({1, C}, x)},
                                        {"target", cuda_testing::tensor({1}, {static_cast<double>(y)})}}}};
  const auto out = cuda::evaluate_on_host<double>(testing_support::resolved_case(j));
  return {out[0].values[0], out[2].values[y]};
}

// cross_entropy (reduction none, gradient in place) on an (N, C) bfloat16
// tensor straight in device memory; checks the listed rows' losses and
// target-class gradients against the host core.
void check_big(std::int64_t N, std::int64_t C, const std::vector<std::int64_t>& rows) {
  const std::size_t n = static_cast<std::size_t>(N * C);
  std::size_t free_bytes = 0, total = 0;
  ASSERT_EQ(cudaMemGetInfo(&free_bytes, &total), cudaSuccess);
  if (free_bytes < n * 2 + (64u << 20)) GTEST_SKIP() << "needs " << n * 2 << " bytes of device memory, " << free_bytes << " free";
  // Fill on the host in chunks (bfloat16 bits), copy to the device.
  void* x = nullptr;
  ASSERT_EQ(cudaMalloc(&x, n * 2), cudaSuccess);
  std::vector<std::uint16_t> chunk(static_cast<std::size_t>(C));
  for (std::int64_t r = 0; r < N; ++r) {
    for (std::int64_t c = 0; c < C; ++c) {
      const float f = logit_at(r, c);  // a multiple of 1/64 below 16: exact in bfloat16
      std::uint32_t u;
      std::memcpy(&u, &f, 4);
      chunk[c] = static_cast<std::uint16_t>(u >> 16);
    }
    ASSERT_EQ(cudaMemcpy(static_cast<std::uint16_t*>(x) + r * C, chunk.data(), C * 2, cudaMemcpyHostToDevice), cudaSuccess);
  }
  std::vector<std::int64_t> y(N);
  for (std::int64_t r = 0; r < N; ++r) y[r] = (r * 31) % C;
  void *target = nullptr, *loss = nullptr;
  ASSERT_EQ(cudaMalloc(&target, N * 8), cudaSuccess);
  ASSERT_EQ(cudaMalloc(&loss, N * 2), cudaSuccess);
  ASSERT_EQ(cudaMemcpy(target, y.data(), N * 8, cudaMemcpyHostToDevice), cudaSuccess);
  const cuda::Problem p = cuda::cross_entropy_problem(N, C, cuda::Reduction::none);
  const std::size_t ws = cuda::workspace_bytes(p, Dtype::bfloat16);
  void* workspace = nullptr;
  ASSERT_EQ(cudaMalloc(&workspace, ws), cudaSuccess);
  cuda::DeviceTensors t;
  t.input = x;
  t.target = target;
  t.loss = loss;
  t.grad_input = x;  // in place
  cuda::run(p, Dtype::bfloat16, t, workspace, ws, nullptr);
  for (std::int64_t r : rows) {
    std::uint16_t l = 0, g = 0;
    ASSERT_EQ(cudaMemcpy(&l, static_cast<std::uint16_t*>(loss) + r, 2, cudaMemcpyDeviceToHost), cudaSuccess);
    ASSERT_EQ(cudaMemcpy(&g, static_cast<std::uint16_t*>(x) + r * C + y[r], 2, cudaMemcpyDeviceToHost), cudaSuccess);
    const auto expect = host_row_loss_and_target_grad(r, C, y[r]);
    const auto bf = [](std::uint16_t h) {
      const std::uint32_t u = static_cast<std::uint32_t>(h) << 16;
      float f;
      std::memcpy(&f, &u, 4);
      return static_cast<double>(f);
    };
    // One bfloat16 ulp (2^-7 relative) for the final rounding.
    EXPECT_NEAR(bf(l), expect[0], std::fabs(expect[0]) * 0x1p-7) << "row " << r;
    EXPECT_NEAR(bf(g), expect[1], std::fabs(expect[1]) * 0x1p-7 + 0x1p-30) << "row " << r;
  }
  cudaFree(workspace);
  cudaFree(loss);
  cudaFree(target);
  cudaFree(x);
}

TEST(CudaDeviceScale, VocabularyOf262144Classes) {
  LOSSORACLE_REQUIRE_DEVICE();
  check_big(8, 262144, {0, 3, 7});
}

// (16385, 131072): 2^31 + 131072 elements. The last rows start beyond 2^31.
TEST(CudaDeviceScale, MoreThan2To31Elements) {
  LOSSORACLE_REQUIRE_DEVICE();
  check_big(16385, 131072, {0, 16383, 16384});
}

#endif

}  // namespace
}  // namespace lossoracle
