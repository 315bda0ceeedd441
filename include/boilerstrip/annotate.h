// Annotate: what cleaning would remove, written as Dolma attributes instead of cleaned records.
//
// `boilerstrip annotate` runs the clean pipeline (pipeline.h) with RunOptions::rows set to an
// AttributeRows: every record read gives one row of the attributes file, in the same order, so
// that Dolma's mixer can pair the rows with the documents file's lines:
//
//   {"id": ID, "source": SOURCE, "attributes": {"P__removed": [[s, e, 1.0], ...],
//                                               "P__RULE": [[s, e, 1.0], ...], ...}}
//
// ID and SOURCE are copied from the record as written there (SOURCE only when the record has
// one). Offsets are Unicode code points of the text (Python str offsets): deleting every
// "P__removed" span from the text gives exactly the text `clean` writes (Cleaner::AppendRemovals:
// each removed line is one span with its line break; the blank lines and breaks that go with
// removed lines are "layout" spans). One key per reason that fired: a rule's name, "duplicate",
// "classifier", "site-repeated", "layout". A document a drop-doc rule removes gets the
// document-level span [0, length, 1.0] under "P__removed", "P__drop_doc" and its rule's key.
// An unchanged document has {"P__removed": []}. A bad record (quarantined or passed, as clean
// treats it) still gets its row, with "attributes": {} and its id when one can be read (else
// null), so the rows stay aligned with the documents.
#ifndef BOILERSTRIP_ANNOTATE_H_
#define BOILERSTRIP_ANNOTATE_H_

#include <string>
#include <string_view>

#include "boilerstrip/cleaner.h"
#include "boilerstrip/stats.h"

namespace boilerstrip {

// What the pipeline writes for each record instead of the cleaned record. Implementations are
// immutable: their const methods are called concurrently, each thread with its own State.
class RecordRows {
 public:
  virtual ~RecordRows() = default;

  // A record the pipeline read (without its '\n'; SIMDJSON_PADDING readable bytes follow it).
  // Like Cleaner::CleanRecord, whose verdicts and counting it follows, except that it appends
  // to *out the record's row (without '\n') for kWritten and for kDropped too. kBad leaves *out
  // alone: the pipeline then calls BadRow.
  virtual RecordOutcome Row(std::string_view record, Cleaner::State& state, Stats* stats,
                            std::string* out) const = 0;

  // The row (with its '\n') of a bad record, quarantined or passed. `record` is empty for a
  // record too long to be held; otherwise SIMDJSON_PADDING readable bytes follow it.
  virtual void BadRow(std::string_view record, std::string* out) const = 0;
};

// Dolma attribute rows, as described above.
class AttributeRows final : public RecordRows {
 public:
  // `prefix` starts every attribute name (Default of the CLI: "boilerstrip__boilerstrip").
  // `cleaner` must outlive this.
  AttributeRows(const Cleaner& cleaner, std::string prefix);

  RecordOutcome Row(std::string_view record, Cleaner::State& state, Stats* stats,
                    std::string* out) const override;
  void BadRow(std::string_view record, std::string* out) const override;

 private:
  const Cleaner& cleaner_;
  std::string prefix_;
};

}  // namespace boilerstrip

#endif  // BOILERSTRIP_ANNOTATE_H_
