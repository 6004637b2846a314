#include "optimized/thread_pool.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace lossoracle::optimized {

namespace {

int initial_threads() {
  if (const char* s = std::getenv("LOSSORACLE_THREADS")) {
    const int n = std::atoi(s);
    if (n >= 1) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

std::atomic<int> g_threads{initial_threads()};

// Persistent workers that take ranges from a shared counter. One job at a
// time (a mutex serialises callers); the caller works too.
class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

  void run(std::int64_t n, std::int64_t grain, int threads, const std::function<void(std::int64_t, std::int64_t)>& body) {
    std::lock_guard<std::mutex> job_lock(job_);
    const std::int64_t ranges = std::max<std::int64_t>(1, std::min<std::int64_t>((n + grain - 1) / grain, threads * 4));
    const std::int64_t size = (n + ranges - 1) / ranges;
    ensure_workers(threads - 1);
    {
      std::lock_guard<std::mutex> lock(m_);
      body_ = &body;
      n_ = n;
      size_ = size;
      next_.store(0);
      active_ = threads - 1;
      error_ = nullptr;
      ++generation_;
      wanted_ = threads - 1;
    }
    cv_.notify_all();
    work();
    std::unique_lock<std::mutex> lock(m_);
    done_cv_.wait(lock, [&] { return active_ == 0; });
    body_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void ensure_workers(int count) {
    while (static_cast<int>(workers_.size()) < count) {
      const int id = static_cast<int>(workers_.size());
      workers_.emplace_back([this, id] { loop(id); });
    }
  }

  void work() {
    for (;;) {
      const std::int64_t begin = next_.fetch_add(size_);
      if (begin >= n_) return;
      try {
        (*body_)(begin, std::min(n_, begin + size_));
      } catch (...) {
        std::lock_guard<std::mutex> lock(m_);
        if (!error_) error_ = std::current_exception();
      }
    }
  }

  void loop(int id) {
    std::uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(m_);
        cv_.wait(lock, [&] { return stop_ || (generation_ != seen && id < wanted_); });
        if (stop_) return;
        seen = generation_;
      }
      work();
      std::lock_guard<std::mutex> lock(m_);
      if (--active_ == 0) done_cv_.notify_all();
    }
  }

  std::mutex job_, m_;
  std::condition_variable cv_, done_cv_;
  std::vector<std::thread> workers_;
  const std::function<void(std::int64_t, std::int64_t)>* body_ = nullptr;
  std::int64_t n_ = 0, size_ = 1;
  std::atomic<std::int64_t> next_{0};
  int active_ = 0, wanted_ = 0;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int thread_count() { return g_threads.load(); }
void set_thread_count(int n) { g_threads.store(std::max(1, n)); }

void parallel_for(std::int64_t n, std::int64_t grain, const std::function<void(std::int64_t, std::int64_t)>& body) {
  if (n <= 0) return;
  grain = std::max<std::int64_t>(1, grain);
  const int threads = static_cast<int>(std::min<std::int64_t>(thread_count(), (n + grain - 1) / grain));
  if (threads <= 1) {
    body(0, n);
    return;
  }
  pool().run(n, grain, threads, body);
}

}  // namespace lossoracle::optimized
