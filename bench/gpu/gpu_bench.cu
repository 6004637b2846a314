// Times the CUDA tier's fused cross_entropy forward+backward against a
// device-to-device copy of the logits (the bandwidth ceiling a
// one-read-one-write kernel can reach), with CUDA events. One JSON object
// per line on stdout; bench/gpu/compare_torch.py reads them and adds
// PyTorch eager, torch.compile and Liger Kernel (docs/benchmarks.md).
//
//   lossoracle_gpu_bench [--shapes 4096x32000,8192x128256,16384x131072]
//                        [--dtypes float32,bfloat16] [--targets hard,soft]
//                        [--iters 50] [--warmup 10]
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cuda/api.hpp"
#include "cuda/storage.cuh"

namespace {

using lossoracle::cuda::Dtype;

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    std::fprintf(stderr, "lossoracle_gpu_bench: %s: %s\n", what, cudaGetErrorString(e));
    std::exit(1);
  }
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= s.size()) {
    const std::size_t next = s.find(sep, at);
    out.push_back(s.substr(at, next == std::string::npos ? std::string::npos : next - at));
    if (next == std::string::npos) break;
    at = next + 1;
  }
  return out;
}

// Logits: a cheap hash spread over [-8, 8); probabilities: uniform 1/C.
template <class T>
__global__ void fill_logits(T* x, std::int64_t n) {
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < n;
       k += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const unsigned h = static_cast<unsigned>(k) * 2654435761u;
    lossoracle::cuda::store_to(x + k, static_cast<lossoracle::cuda::acc_t<T>>((h >> 8) * (16.0 / 16777216.0) - 8.0));
  }
}
template <class T>
__global__ void fill_value(T* x, std::int64_t n, float v) {
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < n;
       k += static_cast<std::int64_t>(gridDim.x) * blockDim.x)
    lossoracle::cuda::store_to(x + k, static_cast<lossoracle::cuda::acc_t<T>>(v));
}
__global__ void fill_targets(std::int64_t* y, std::int64_t n, std::int64_t C) {
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < n;
       k += static_cast<std::int64_t>(gridDim.x) * blockDim.x)
    y[k] = (k * 7919) % C;
}

template <class T>
void fill(void* x, std::int64_t n, bool logits, float value) {
  if (logits)
    fill_logits<T><<<4096, 256>>>(static_cast<T*>(x), n);
  else
    fill_value<T><<<4096, 256>>>(static_cast<T*>(x), n, value);
}

void fill_any(Dtype d, void* x, std::int64_t n, bool logits, float value = 0) {
  switch (d) {
    case Dtype::float32: fill<float>(x, n, logits, value); break;
    case Dtype::float64: fill<double>(x, n, logits, value); break;
    case Dtype::bfloat16: fill<__nv_bfloat16>(x, n, logits, value); break;
    case Dtype::float16: fill<__half>(x, n, logits, value); break;
  }
  check(cudaGetLastError(), "fill");
}

template <class F>
double time_ms(F f, int warmup, int iters) {
  for (int i = 0; i < warmup; ++i) f();
  cudaEvent_t a, b;
  check(cudaEventCreate(&a), "event");
  check(cudaEventCreate(&b), "event");
  check(cudaEventRecord(a), "event");
  for (int i = 0; i < iters; ++i) f();
  check(cudaEventRecord(b), "event");
  check(cudaEventSynchronize(b), "event");
  float ms = 0;
  check(cudaEventElapsedTime(&ms, a, b), "event");
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return ms / iters;
}

}  // namespace

int main(int argc, char** argv) {
  std::string shapes = "4096x32000,8192x128256,16384x131072", dtypes = "float32,bfloat16", targets = "hard,soft";
  int iters = 50, warmup = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--shapes") shapes = v;
    else if (a == "--dtypes") dtypes = v;
    else if (a == "--targets") targets = v;
    else if (a == "--iters") iters = std::atoi(v.c_str());
    else if (a == "--warmup") warmup = std::atoi(v.c_str());
    else {
      std::fprintf(stderr, "lossoracle_gpu_bench: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  std::string why;
  if (!lossoracle::cuda::device_available(&why)) {
    std::fprintf(stderr, "lossoracle_gpu_bench: %s\n", why.c_str());
    return 3;
  }
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, 0), "device properties");
  std::printf("{\"device\": \"%s\", \"sm\": %d%d}\n", prop.name, prop.major, prop.minor);

  for (const std::string& shape : split(shapes, ',')) {
    const auto nc = split(shape, 'x');
    const std::int64_t N = std::atoll(nc.at(0).c_str()), C = std::atoll(nc.at(1).c_str());
    for (const std::string& dname : split(dtypes, ',')) {
      const Dtype d = dname == "float32" ? Dtype::float32 : dname == "float64" ? Dtype::float64
                      : dname == "float16" ? Dtype::float16 : Dtype::bfloat16;
      const std::size_t esize = d == Dtype::float64 ? 8 : d == Dtype::float32 ? 4 : 2;
      const std::size_t bytes = static_cast<std::size_t>(N * C) * esize;
      void *x = nullptr, *grad = nullptr, *probs = nullptr, *y = nullptr, *loss = nullptr;
      check(cudaMalloc(&x, bytes), "cudaMalloc logits");
      check(cudaMalloc(&grad, bytes), "cudaMalloc gradient");
      check(cudaMalloc(&y, N * 8), "cudaMalloc targets");
      check(cudaMalloc(&loss, 16), "cudaMalloc loss");
      fill_any(d, x, N * C, true);
      fill_targets<<<256, 256>>>(static_cast<std::int64_t*>(y), N, C);

      const double copy_ms = time_ms([&] { check(cudaMemcpyAsync(grad, x, bytes, cudaMemcpyDeviceToDevice), "copy"); },
                                     warmup, iters);
      const double copy_gbps = 2.0 * bytes / copy_ms / 1e6;
      std::printf("{\"kind\": \"copy\", \"N\": %lld, \"C\": %lld, \"dtype\": \"%s\", \"ms\": %.5f, \"GBps\": %.1f}\n",
                  static_cast<long long>(N), static_cast<long long>(C), dname.c_str(), copy_ms, copy_gbps);
      std::fflush(stdout);

      for (const std::string& target : split(targets, ',')) {
        const bool soft = target == "soft";
        if (soft && !probs) {
          check(cudaMalloc(&probs, bytes), "cudaMalloc probabilities");
          fill_any(d, probs, N * C, false, 1.0f / static_cast<float>(C));
        }
        const lossoracle::cuda::Problem p =
            lossoracle::cuda::cross_entropy_problem(N, C, lossoracle::cuda::Reduction::mean, -100, 0.0, false, soft);
        const std::size_t ws = lossoracle::cuda::workspace_bytes(p, d);
        void* workspace = nullptr;
        check(cudaMalloc(&workspace, ws), "cudaMalloc workspace");
        lossoracle::cuda::DeviceTensors t;
        t.input = x;
        t.target = soft ? probs : y;
        t.loss = loss;
        t.grad_input = grad;
        auto step = [&] { lossoracle::cuda::enqueue(p, d, t, workspace, ws, nullptr); };
        const double ms = time_ms(step, warmup, iters);
        lossoracle::cuda::check_targets(p, t, workspace, nullptr);
        // Bytes a fused kernel must move: logits in, gradient out (+ probabilities in).
        const double moved = static_cast<double>(bytes) * (soft ? 3 : 2);
        const double gbps = moved / ms / 1e6;
        std::printf("{\"kind\": \"lossoracle_cuda\", \"target\": \"%s\", \"N\": %lld, \"C\": %lld, \"dtype\": \"%s\", "
                    "\"ms\": %.5f, \"GBps\": %.1f, \"of_copy\": %.3f}\n",
                    target.c_str(), static_cast<long long>(N), static_cast<long long>(C), dname.c_str(), ms, gbps,
                    gbps / copy_gbps);
        std::fflush(stdout);
        cudaFree(workspace);
      }
      cudaFree(x);
      cudaFree(grad);
      cudaFree(y);
      cudaFree(loss);
      if (probs) cudaFree(probs);
    }
  }
  return 0;
}
