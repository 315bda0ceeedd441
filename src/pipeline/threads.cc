#include "pipeline/threads.h"

#include <sys/resource.h>

#include <algorithm>

namespace boilerstrip::internal {

size_t ThreadLimits::WorkerStackBytes() {
  constexpr size_t kMiB = size_t{1} << 20;
  struct rlimit rl;
  if (::getrlimit(RLIMIT_STACK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 8 * kMiB;
  return std::clamp(static_cast<size_t>(rl.rlim_cur), kMiB, 16 * kMiB);
}

ThreadLimits::ThreadLimits(size_t threads)
    : parallelism_(tbb::global_control::max_allowed_parallelism, threads),
      stack_(tbb::global_control::thread_stack_size, WorkerStackBytes()) {}

}  // namespace boilerstrip::internal
