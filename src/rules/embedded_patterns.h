// The bundled rule files, compiled into the library (the .cc is generated at build time by
// cmake/EmbedPatterns.cmake from patterns/PRESET/*.rules). Internal: rules.h's BuiltinRuleFiles
// is the way in.
#ifndef BOILERSTRIP_SRC_RULES_EMBEDDED_PATTERNS_H_
#define BOILERSTRIP_SRC_RULES_EMBEDDED_PATTERNS_H_

#include <cstddef>

namespace boilerstrip::embedded {

struct EmbeddedFile {
  const char* preset;         // the directory under patterns/: "default", "c4"
  const char* name;           // the file name: "10-post-footer.rules"
  const unsigned char* data;  // its bytes (followed by a 0 not counted in size)
  size_t size;
};

// Sorted by preset, then by name (the order LoadRules reads a directory in).
extern const EmbeddedFile kFiles[];
extern const size_t kFileCount;

// The bytes of patterns/line-model (size 0 when the tree had none).
extern const unsigned char kLineModel[];
extern const size_t kLineModelSize;

}  // namespace boilerstrip::embedded

#endif  // BOILERSTRIP_SRC_RULES_EMBEDDED_PATTERNS_H_
