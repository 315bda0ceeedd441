"""boilerstrip.datatrove.BoilerstripCleaner against the vendored datatrove source, run the way
datatrove's executor runs a step, compared with the CLI on the same records."""

import pickle
import sys

import pytest

from conftest import SHARED, cli_clean, sample_records

DATATROVE = SHARED / "vendor" / "datatrove" / "src"
if not DATATROVE.is_dir():
    pytest.skip(f"{DATATROVE} is absent", allow_module_level=True)
sys.path.insert(0, str(DATATROVE))
try:
    from datatrove.data import Document
    from datatrove.pipeline.base import PipelineStep
except ImportError as e:  # its Debian dependencies (see its README) are missing
    pytest.skip(f"datatrove does not import here: {e}", allow_module_level=True)

from boilerstrip.datatrove import BoilerstripCleaner  # noqa: E402


def documents(records):
    return [Document(text=r["text"], id=r["id"], metadata={"url": r.get("url"), "n": i})
            for i, r in enumerate(records)]


def run_step(step, docs):
    # What datatrove's executor does with a step: run() over the previous step's generator.
    return list(step.run(iter(docs), rank=0, world_size=1))


def test_is_a_real_pipeline_step():
    assert issubclass(BoilerstripCleaner, PipelineStep)


def test_texts_drops_and_stats_match_the_cli(tmp_path):
    records = sample_records(tmp_path, "2M", seed=9)
    rules = tmp_path / "extra.rules"
    # A drop-doc rule that fires on some generated pages, beside the default rules.
    rules.write_text("cookies drop-doc i we use cookies\n")
    out, total = cli_clean(tmp_path, records, "-p", "default", "-p", rules)
    assert total["dropped_doc"] > 0

    step = BoilerstripCleaner(patterns=["default", str(rules)], batch_size=64, threads=2)
    docs = run_step(step, documents(records))
    cli_kept = [r for r in out if r["text"] != ""]
    assert [d.text for d in docs] == [r["text"] for r in cli_kept]
    assert [d.id for d in docs] == [r["id"] for r in cli_kept]
    assert all(d.metadata["url"] == records[d.metadata["n"]].get("url") for d in docs)

    s = step.stats
    empty = len(out) - len(cli_kept)
    assert s["total"].total == len(records)
    assert s["drop_doc"].total == total["dropped_doc"]
    assert s["dropped"].total == total["dropped_doc"] + empty
    assert s["forwarded"].total == len(docs)
    assert s["changed"].total == total["records_changed"] + total["dropped_doc"]
    assert s["lines_removed"].total == total["lines_removed"]
    assert s["lines_in"].total == total["lines_in"]
    for reason, n in total["lines_removed_by"].items():
        assert s[f"lines_removed_{reason}"].total == n


def test_keeping_empty_documents_and_batch_sizes(tmp_path):
    records = sample_records(tmp_path, "512K", seed=10)
    out, _ = cli_clean(tmp_path, records)
    for batch_size in (1, 7, 10_000):
        step = BoilerstripCleaner(batch_size=batch_size, drop_empty=False)
        docs = run_step(step, documents(records))
        assert [d.text for d in docs] == [r["text"] for r in out]


def test_bad_texts_are_counted_and_passed_dropped_or_raised(tmp_path):
    good = "A line of article prose long enough to be kept by the cleaner's stages, surely.\n"
    docs = lambda: [Document(text=good, id="1"), Document(text="x\ud800y", id="2"),
                    Document(text=good, id="3")]
    step = BoilerstripCleaner(classifier=False)
    assert [d.id for d in run_step(step, docs())] == ["1", "2", "3"]
    assert step.stats["bad_text"].total == 1
    step = BoilerstripCleaner(classifier=False, on_bad_text="drop")
    assert [d.id for d in run_step(step, docs())] == ["1", "3"]
    with pytest.raises(ValueError):
        run_step(BoilerstripCleaner(on_bad_text="raise"), docs())


def test_pickles_for_datatrove_workers_and_checks_options_early(tmp_path):
    step = pickle.loads(pickle.dumps(BoilerstripCleaner(tail_fraction=0.5)))
    assert run_step(step, [Document(text="Share this\n", id="1")]) is not None
    with pytest.raises(ValueError, match="--tail-fraction"):
        BoilerstripCleaner(tail_fraction=5)
