#include "cuda/device_case.hpp"

#include <cuda_runtime.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "cuda/ordinal_groups.hpp"

namespace lossoracle::cuda {

namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw CudaError(std::string("lossoracle cuda: ") + what + ": " + cudaGetErrorString(e));
}

std::size_t bytes_of(Dtype d) { return d == Dtype::float64 ? 8 : d == Dtype::float32 ? 4 : 2; }

// Round-to-nearest-even binary32 -> bfloat16 / binary16 bit patterns, and back.
std::uint16_t to_bf16(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  if (std::isnan(f)) return 0x7fc0;
  u += 0x7fff + ((u >> 16) & 1);
  return static_cast<std::uint16_t>(u >> 16);
}
float from_bf16(std::uint16_t h) {
  const std::uint32_t u = static_cast<std::uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
std::uint16_t to_f16(float f) {
  if (std::isnan(f)) return 0x7e00;
  const std::uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  float a = std::fabs(f);
  if (a >= 65520.0f) return sign | 0x7c00;  // rounds to infinity
  if (a < std::ldexp(1.0f, -14)) {          // subnormal: multiples of 2^-24, nearbyint is ties-to-even
    return sign | static_cast<std::uint16_t>(std::nearbyint(std::ldexp(a, 24)));
  }
  int e;
  const float m = std::frexp(a, &e);  // a = m 2^e, m in [0.5, 1)
  float q = std::nearbyint(std::ldexp(m, 11));  // 11 significant bits
  if (q == 2048.0f) {
    q = 1024.0f;
    ++e;
  }
  if (e + 14 >= 31) return sign | 0x7c00;
  return sign | static_cast<std::uint16_t>(((e + 14) << 10) | (static_cast<int>(q) - 1024));
}
float from_f16(std::uint16_t h) {
  const int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  float v = e == 0 ? std::ldexp(static_cast<float>(m), -24)
            : e == 31 ? (m ? NAN : INFINITY)
                      : std::ldexp(static_cast<float>(m + 1024), e - 25);
  return (h & 0x8000) ? -v : v;
}

std::vector<unsigned char> encode(const std::vector<double>& v, Dtype d) {
  std::vector<unsigned char> out(v.size() * bytes_of(d));
  for (std::size_t k = 0; k < v.size(); ++k) {
    unsigned char* p = out.data() + k * bytes_of(d);
    if (d == Dtype::float64) {
      std::memcpy(p, &v[k], 8);
    } else {
      const float f = static_cast<float>(v[k]);
      if (d == Dtype::float32) {
        std::memcpy(p, &f, 4);
      } else {
        const std::uint16_t h = d == Dtype::bfloat16 ? to_bf16(f) : to_f16(f);
        std::memcpy(p, &h, 2);
      }
    }
  }
  return out;
}

std::vector<double> decode(const std::vector<unsigned char>& b, Dtype d) {
  std::vector<double> v(b.size() / bytes_of(d));
  for (std::size_t k = 0; k < v.size(); ++k) {
    const unsigned char* p = b.data() + k * bytes_of(d);
    if (d == Dtype::float64) {
      std::memcpy(&v[k], p, 8);
    } else if (d == Dtype::float32) {
      float f;
      std::memcpy(&f, p, 4);
      v[k] = f;
    } else {
      std::uint16_t h;
      std::memcpy(&h, p, 2);
      v[k] = d == Dtype::bfloat16 ? from_bf16(h) : from_f16(h);
    }
  }
  return v;
}

struct DeviceBuffer {
  void* p = nullptr;
  explicit DeviceBuffer(std::size_t n) {
    if (n) check(cudaMalloc(&p, n), "cudaMalloc");
  }
  ~DeviceBuffer() {
    if (p) cudaFree(p);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
};

std::unique_ptr<DeviceBuffer> upload(const std::vector<unsigned char>& bytes) {
  auto b = std::make_unique<DeviceBuffer>(bytes.size());
  if (!bytes.empty()) check(cudaMemcpy(b->p, bytes.data(), bytes.size(), cudaMemcpyHostToDevice), "upload");
  return b;
}

template <class V>
std::vector<unsigned char> as_bytes(const std::vector<V>& v) {
  std::vector<unsigned char> bytes(v.size() * sizeof(V));
  if (!bytes.empty()) std::memcpy(bytes.data(), v.data(), bytes.size());
  return bytes;
}

std::vector<double> download(const DeviceBuffer& b, std::size_t count, Dtype d) {
  std::vector<unsigned char> bytes(count * bytes_of(d));
  if (!bytes.empty()) check(cudaMemcpy(bytes.data(), b.p, bytes.size(), cudaMemcpyDeviceToHost), "download");
  return decode(bytes, d);
}

}  // namespace

double round_to_storage(double v, Dtype d) { return decode(encode({v}, d), d)[0]; }

std::vector<HostOutput> evaluate_on_device(const LossCase& c, Dtype d, bool grad_in_place) {
  return evaluate_on_device(problem_from_case(c), c, d, grad_in_place);
}

std::vector<HostOutput> evaluate_on_device(const Problem& p, const LossCase& c, Dtype d, bool grad_in_place) {
  const Tensor* input_tensor = c.find("input");  // smooth_labels has none
  const Tensor input = input_tensor ? *input_tensor : Tensor{};
  const std::size_t n = input.values.size();
  const std::size_t P = static_cast<std::size_t>(element_count(p.position_shape));  // per_position's count
  const bool indices = p.index_targets();
  const bool fairseq = p.kind == Kind::label_smoothed_nll;
  const bool unit_scaled = p.kind == Kind::unit_scaled_index || p.kind == Kind::unit_scaled_probs;

  auto x = upload(encode(input.values, d));
  std::unique_ptr<DeviceBuffer> target, weight, grad_output;
  if (const Tensor* t = c.find("target")) {
    if (indices) {
      std::vector<std::int64_t> y(t->values.begin(), t->values.end());
      std::vector<unsigned char> bytes(y.size() * 8);
      std::memcpy(bytes.data(), y.data(), bytes.size());
      target = upload(bytes);
    } else {
      target = upload(encode(t->values, d));
    }
  }
  if (const Tensor* w = c.find("weight")) weight = upload(encode(w->values, d));
  if (const Tensor* g = c.find("grad_output")) grad_output = upload(encode(g->values, d));
  std::unique_ptr<DeviceBuffer> cost_matrix;
  if (const Tensor* m = c.find("cost_matrix")) cost_matrix = upload(encode(m->values, d));
  std::unique_ptr<DeviceBuffer> distance;  // binary64 for every storage (cuda/ordinal.cuh)
  if (const Tensor* m = c.find("distance")) distance = upload(encode(m->values, Dtype::float64));
  // acc_loss's and slace_prox's group tables, built on the host (cuda/ordinal_groups.hpp).
  std::unique_ptr<DeviceBuffer> ordinal_groups, ordinal_labels;
  if (needs_group_table(p)) {
    const Tensor* m = c.find("distance");
    const Tensor* counts = c.find("class_counts");
    const OrdinalGroupTable table =
        ordinal_group_table(p, m ? m->values : std::vector<double>{}, counts ? counts->values : std::vector<double>{});
    ordinal_groups = upload(as_bytes(table.groups));
    if (!table.labels.empty()) ordinal_labels = upload(as_bytes(table.labels));
  }

  const std::size_t loss_count = static_cast<std::size_t>(element_count(p.loss_shape()));
  DeviceBuffer loss(std::max<std::size_t>(loss_count, 1) * bytes_of(d));
  DeviceBuffer per_position(std::max<std::size_t>(P, 1) * bytes_of(d));
  DeviceBuffer grad_target(p.has_grad_target() ? n * bytes_of(d) : 0);
  std::unique_ptr<DeviceBuffer> grad_separate;
  if (!grad_in_place) grad_separate = std::make_unique<DeviceBuffer>(n * bytes_of(d));
  DeviceBuffer grad_input_unit_scaled(unit_scaled ? n * bytes_of(d) : 0);
  DeviceBuffer grad_target_unit_scaled(unit_scaled && p.has_grad_target() ? n * bytes_of(d) : 0);
  DeviceBuffer nll_loss(fairseq ? std::max<std::size_t>(loss_count, 1) * bytes_of(d) : 0);
  const std::size_t ws_bytes = workspace_bytes(p, d);
  DeviceBuffer workspace(ws_bytes);

  DeviceTensors t;
  t.input = x->p;
  t.target = target ? target->p : nullptr;
  t.weight = weight ? weight->p : nullptr;
  t.grad_output = grad_output ? grad_output->p : nullptr;
  t.cost_matrix = cost_matrix ? cost_matrix->p : nullptr;
  t.distance = distance ? static_cast<const double*>(distance->p) : nullptr;
  t.ordinal_groups = ordinal_groups ? static_cast<const std::int32_t*>(ordinal_groups->p) : nullptr;
  t.ordinal_labels = ordinal_labels ? static_cast<const double*>(ordinal_labels->p) : nullptr;
  t.loss = loss.p;
  t.per_position = p.has_per_position() ? per_position.p : nullptr;
  t.grad_input = !p.has_grad_input() ? nullptr : grad_in_place ? x->p : grad_separate->p;
  t.grad_target = p.has_grad_target() ? grad_target.p : nullptr;
  t.grad_input_unit_scaled = grad_input_unit_scaled.p;
  t.grad_target_unit_scaled = grad_target_unit_scaled.p;
  t.nll_loss = nll_loss.p;
  run(p, d, t, workspace.p, ws_bytes, nullptr);
  check(cudaDeviceSynchronize(), "kernel execution");

  std::vector<HostOutput> out;
  out.push_back({"loss", p.loss_shape(), download(loss, loss_count, d)});
  if (p.has_per_position()) {
    // With reduction none the per-position values are the loss itself.
    out.push_back({"per_position", p.position_shape,
                   p.reduction == Reduction::none ? out[0].values : download(per_position, P, d)});
  }
  if (p.has_grad_input())
    out.push_back({"grad_input", p.input_shape, download(grad_in_place ? *x : *grad_separate, n, d)});
  if (p.has_grad_target()) out.push_back({"grad_target", c.find("target")->shape, download(grad_target, n, d)});
  if (unit_scaled) out.push_back({"grad_input_unit_scaled", p.input_shape, download(grad_input_unit_scaled, n, d)});
  if (unit_scaled && p.has_grad_target())
    out.push_back({"grad_target_unit_scaled", p.input_shape, download(grad_target_unit_scaled, n, d)});
  if (fairseq) out.push_back({"nll_loss", p.loss_shape(), download(nll_loss, loss_count, d)});
  return out;
}

}  // namespace lossoracle::cuda
