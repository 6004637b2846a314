// Run-time choice of the kernel table: the widest instruction set the CPU
// reports (GCC's __builtin_cpu_supports reads CPUID once), overridable with
// LOSSORACLE_ISA for measurements and tests.
#include <atomic>
#include <cstdlib>
#include <stdexcept>

#include "optimized/kernels.hpp"

namespace lossoracle::optimized {

const KernelTable& kernel_table_avx512();
const KernelTable& kernel_table_avx2();
const KernelTable& kernel_table_sse4();
const KernelTable& kernel_table_scalar();

namespace {

struct Candidate {
  const char* name;
  const KernelTable& (*table)();
  bool (*runnable)();
};

const Candidate kCandidates[] = {
    {"avx512", &kernel_table_avx512,
     [] {
       return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
              __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
     }},
    {"avx2", &kernel_table_avx2, [] { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }},
    {"sse4", &kernel_table_sse4, [] { return static_cast<bool>(__builtin_cpu_supports("sse4.2")); }},
    {"scalar", &kernel_table_scalar, [] { return true; }},
};

const KernelTable& choose() {
  if (const char* want = std::getenv("LOSSORACLE_ISA")) {
    if (const KernelTable* t = table_named(want)) return *t;
    throw std::runtime_error(std::string("LOSSORACLE_ISA=") + want +
                             ": not one of avx512, avx2, sse4, scalar that this CPU runs");
  }
  return *runnable_tables().front();
}

}  // namespace

std::vector<const KernelTable*> runnable_tables() {
  __builtin_cpu_init();
  std::vector<const KernelTable*> out;
  for (const Candidate& c : kCandidates)
    if (c.runnable()) out.push_back(&c.table());
  return out;
}

const KernelTable* table_named(const std::string& isa) {
  __builtin_cpu_init();
  for (const Candidate& c : kCandidates)
    if (isa == c.name && c.runnable()) return &c.table();
  return nullptr;
}

namespace {
std::atomic<const KernelTable*> g_override{nullptr};
}  // namespace

const KernelTable& kernel_table() {
  static const KernelTable& chosen = choose();
  const KernelTable* o = g_override.load();
  return o ? *o : chosen;
}

void use_kernel_table(const KernelTable* table) { g_override.store(table); }

}  // namespace lossoracle::optimized
