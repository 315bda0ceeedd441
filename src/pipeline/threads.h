// The TBB limits a run sets while it lasts: how many threads, and how deep a worker's stack.
//
// The stack matters twice. A record may nest 1024 deep and is validated recursively on whichever
// thread cleans it (record_fields.cc), which under ASan needs more than TBB's 4 MiB default. But
// TBB lets the thread that started the run (the "external" thread, waiting in task_group::wait)
// steal work only while its stack pointer is above base - worker_stack/2: with workers given
// 16 MiB and the main thread's usual 8 MiB (ulimit -s), that bound lies past the main thread's
// whole stack and it never takes a task. At -T2 one thread then does all the work while the other
// spins in sched_yield: no speed-up and a third more CPU (seen on a 112 MB shard: 1.2 s wall at
// -T1 and at -T2). WorkerStackBytes() matches the workers' stacks to the calling thread's limit.
#ifndef BOILERSTRIP_SRC_PIPELINE_THREADS_H_
#define BOILERSTRIP_SRC_PIPELINE_THREADS_H_

#include <tbb/global_control.h>

#include <cstddef>

namespace boilerstrip::internal {

class ThreadLimits {
 public:
  // At most `threads` threads (the caller included), workers' stacks WorkerStackBytes().
  explicit ThreadLimits(size_t threads);
  ThreadLimits(const ThreadLimits&) = delete;
  ThreadLimits& operator=(const ThreadLimits&) = delete;

  // The main thread's stack limit (RLIMIT_STACK) capped at 16 MiB (and at least 1 MiB); 8 MiB
  // where it is unlimited. Not more than a finite limit of 1 MiB or more: see the top comment.
  static size_t WorkerStackBytes();

 private:
  tbb::global_control parallelism_;
  tbb::global_control stack_;
};

}  // namespace boilerstrip::internal

#endif  // BOILERSTRIP_SRC_PIPELINE_THREADS_H_
