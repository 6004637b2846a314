#include "certify/cuda_impl.hpp"

#if defined(LOSSORACLE_HAVE_CUDA)
#include "core/error.hpp"
#include "core/protocol.hpp"
#include "core/registry.hpp"
#include "cuda/device_case.hpp"
#endif

namespace lossoracle::certify {

#if !defined(LOSSORACLE_HAVE_CUDA)

std::unique_ptr<Implementation> make_cuda_implementation() {
  throw ImplementationError(
      "--impl cuda: the CUDA tier was not compiled (LOSSORACLE_CUDA was off when lossoracle was configured: no usable nvcc, or turned off; "
      "see docs/cuda.md)");
}

#else

namespace {

// The kernels store tensors in each of certify's dtypes (cuda/launch.hpp's
// Storage) and accumulate in float or double.
cuda::Dtype storage_of(Dtype d) {
  switch (d) {
    case Dtype::float64: return cuda::Dtype::float64;
    case Dtype::float32: return cuda::Dtype::float32;
    case Dtype::bfloat16: return cuda::Dtype::bfloat16;
    case Dtype::float16: return cuda::Dtype::float16;
  }
  return cuda::Dtype::float64;
}

class CudaImplementation : public Implementation {
 public:
  std::string name() const override { return "cuda"; }

  ImplResult evaluate(const nlohmann::json& request, Dtype dtype) override {
    ImplResult r;
    std::vector<cuda::HostOutput> outputs;
    try {
      LossCase c = case_from_json(request);
      resolve_case(find_loss(c.loss), c);
      outputs = cuda::evaluate_on_device(c, storage_of(dtype));
    } catch (const InputError& e) {
      r.kind = ImplResult::Kind::rejected;
      r.message = e.what();
      return r;
    } catch (const std::exception& e) {
      r.kind = ImplResult::Kind::broken;
      r.message = std::string("cuda: ") + e.what();
      return r;
    }
    r.kind = ImplResult::Kind::outputs;
    for (auto& o : outputs) r.outputs.push_back({o.name, o.shape, std::move(o.values)});
    return r;
  }
};

}  // namespace

std::unique_ptr<Implementation> make_cuda_implementation() {
  std::string why;
  if (!cuda::device_available(&why)) throw ImplementationError("--impl cuda: " + why);
  return std::make_unique<CudaImplementation>();
}

#endif

}  // namespace lossoracle::certify
