// ThreadSanitizer support for the TBB pipelines. Internal to the library.
//
// TSan cannot see the synchronization inside libtbb (not instrumented): each item handed from
// stage to stage, each serial stage moving between threads, and the pipeline's end would all be
// reported as races. TBB_HANDOFF_ACQUIRE/RELEASE state the happens-before edges that TBB
// guarantees. TsanFreshWorkers makes each run start its worker threads anew (and end them), so
// that the creation of a thread orders what the caller wrote before the run; otherwise a second
// run in one process reuses the first run's threads and everything set up for it looks racy.
// Outside TSan builds all of this compiles to nothing.
#ifndef BOILERSTRIP_SRC_PIPELINE_TSAN_H_
#define BOILERSTRIP_SRC_PIPELINE_TSAN_H_

#if defined(__SANITIZE_THREAD__)
#define BOILERSTRIP_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BOILERSTRIP_TSAN 1
#endif
#endif

#ifdef BOILERSTRIP_TSAN
#include <tbb/global_control.h>

#include <new>

extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#define TBB_HANDOFF_ACQUIRE(p) __tsan_acquire(const_cast<void*>(static_cast<const void*>(p)))
#define TBB_HANDOFF_RELEASE(p) __tsan_release(const_cast<void*>(static_cast<const void*>(p)))
// The start of a shard's pipeline: a lane builds it on its own thread, and TBB may run any stage,
// the first one included, on another worker. RELEASE before tbb::parallel_pipeline and ACQUIRE
// first thing in every stage state that edge. One address serves every lane, because a stage
// cannot name its own pipeline's address without reading its closure, which is the very read to
// be ordered; the cost is that TSan also sees one lane's set-up ordered before another lane's
// stages, so it could miss a race between two lanes' set-ups (it reports nothing false).
namespace boilerstrip::internal {
inline char tsan_pipeline_start;
}  // namespace boilerstrip::internal
#define TBB_PIPELINE_START_RELEASE() __tsan_release(&::boilerstrip::internal::tsan_pipeline_start)
#define TBB_PIPELINE_START_ACQUIRE() __tsan_acquire(&::boilerstrip::internal::tsan_pipeline_start)

namespace boilerstrip::internal {
class TsanFreshWorkers {
 public:
  TsanFreshWorkers() : handle_(tbb::attach{}) {}
  ~TsanFreshWorkers() { (void)tbb::finalize(handle_, std::nothrow); }

 private:
  tbb::task_scheduler_handle handle_;
};
}  // namespace boilerstrip::internal
#else
#define TBB_HANDOFF_ACQUIRE(p) ((void)0)
#define TBB_HANDOFF_RELEASE(p) ((void)0)
#define TBB_PIPELINE_START_RELEASE() ((void)0)
#define TBB_PIPELINE_START_ACQUIRE() ((void)0)
namespace boilerstrip::internal {
struct TsanFreshWorkers {
  ~TsanFreshWorkers() {}  // user-provided: not an "unused variable" where it is declared
};
}  // namespace boilerstrip::internal
#endif

#endif  // BOILERSTRIP_SRC_PIPELINE_TSAN_H_
