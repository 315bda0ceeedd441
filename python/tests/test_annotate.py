"""`boilerstrip annotate`: Dolma attribute rows, aligned with the documents, whose __removed
spans turn each text into exactly what `clean` writes, and which Cleaner.annotate reproduces."""

import gzip
import json
import subprocess

import pytest

import boilerstrip
from conftest import SHARED, delete_spans, read_jsonl, run_cli, sample_records, write_jsonl

P = "boilerstrip__boilerstrip"


def read_rows(path):
    data = path.read_bytes()
    if path.suffix == ".zst":
        data = subprocess.run(["zstd", "-dcq"], input=data, capture_output=True, check=True).stdout
    elif path.suffix == ".gz":
        data = gzip.decompress(data)
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def annotate_and_clean(tmp_path, shard, *flags):
    """The attribute rows, the input records and clean's output records for one shard."""
    run_cli("annotate", shard, "-o", tmp_path / "attrs", "-q", "-f", *flags)
    run_cli("clean", shard, "-o", tmp_path / "clean", "-q", "-f", *flags)
    return (read_rows(tmp_path / "attrs" / shard.name), read_rows(shard),
            read_rows(tmp_path / "clean" / shard.name))


def check_round_trip(rows, records, cleaned, cleaner):
    """Every property the issue asks of the rows; returns how many documents changed."""
    assert len(rows) == len(records)
    out = iter(cleaned)
    changed = 0
    for row, rec in zip(rows, records):
        assert row["id"] == rec["id"]
        assert ("source" in row) == ("source" in rec) and row.get("source") == rec.get("source")
        attrs = row["attributes"]
        text = rec["text"]
        spans = attrs[f"{P}__removed"]
        assert all(s[2] == 1.0 for s in spans)
        ours = cleaner.annotate(text)
        assert [(s, e) for s, e, _ in ours] == [(s, e) for s, e, _ in spans]
        by_reason = {}
        for s, e, reason in ours:
            by_reason.setdefault(f"{P}__{reason}", []).append([s, e, 1.0])
        if f"{P}__drop_doc" in attrs:
            assert attrs[f"{P}__drop_doc"] == [[0, len(text), 1.0]] == spans
            by_reason[f"{P}__drop_doc"] = spans
            continue  # clean wrote nothing for it
        assert {k: v for k, v in attrs.items() if k != f"{P}__removed"} == by_reason
        assert delete_spans(text, spans) == next(out)["text"]
        changed += bool(spans)
    assert next(out, None) is None
    return changed


def test_round_trip_on_the_seed(tmp_path):
    seed = SHARED / "seed-example" / "seed.jsonl"
    if not seed.exists():
        pytest.skip(f"{seed} is absent")
    rows, records, cleaned = annotate_and_clean(tmp_path, seed)
    assert check_round_trip(rows, records, cleaned, boilerstrip.Cleaner()) == 1
    reasons = set(rows[0]["attributes"])
    assert {f"{P}__removed", f"{P}__source-link", f"{P}__duplicate"} <= reasons


def test_round_trip_on_the_generated_shard_zstd_in_zstd_out(tmp_path):
    shard = tmp_path / "gen.jsonl.zst"
    run_cli("gen", "--size", "4M", "--seed", "2", "-o", shard)
    rows, records, cleaned = annotate_and_clean(tmp_path, shard)
    assert (tmp_path / "attrs" / "gen.jsonl.zst").read_bytes()[:4] == b"\x28\xb5\x2f\xfd"
    assert check_round_trip(rows, records, cleaned, boilerstrip.Cleaner()) > 100


def test_round_trip_on_realweb(tmp_path):
    pages = SHARED / "data" / "realweb" / "pages.jsonl.zst"
    if not pages.exists():
        pytest.skip(f"{pages} is absent")
    rows, records, cleaned = annotate_and_clean(tmp_path, pages)
    assert check_round_trip(rows, records, cleaned, boilerstrip.Cleaner()) > 500


def test_the_output_is_the_same_at_any_thread_count(tmp_path):
    shard = tmp_path / "gen.jsonl"
    run_cli("gen", "--size", "2M", "--seed", "4", "-o", shard)
    outs = []
    for t in ("1", "2"):
        run_cli("annotate", shard, "-o", tmp_path / t, "-q", "-T", t, "--batch-size", "64K")
        outs.append((tmp_path / t / "gen.jsonl").read_bytes())
    assert outs[0] == outs[1] and outs[0]


def test_drop_doc_bad_records_prefix_and_gzip(tmp_path):
    rules = tmp_path / "r.rules"
    rules.write_text("spam drop-doc i buy cheap pills\nshare drop il share this\n")
    lines = [
        json.dumps({"id": "a", "source": "web", "text": "Keep this line of text.\nShare this\n"}),
        json.dumps({"id": "b", "text": "Buy cheap pills – now\nMore"}, ensure_ascii=False),
        '{"id": "c", "text": "broken',                        # invalid-json
        '{"id": 7, "text": "lone \\ud800 surrogate"}',         # invalid-string
        json.dumps({"id": "d", "text": "Nothing to remove here"}),
        json.dumps({"id": "e"}),                               # missing-text
    ]
    shard = tmp_path / "in.jsonl.gz"
    shard.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    flags = ["-p", rules, "--no-classifier", "--attribute-prefix", "x__y"]
    p = run_cli("annotate", shard, "-o", tmp_path / "attrs", "--stats", tmp_path / "s.json", *flags)
    rows = read_rows(tmp_path / "attrs" / "in.jsonl.gz")
    assert (tmp_path / "attrs" / "in.jsonl.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert [r["id"] for r in rows] == ["a", "b", None, 7, "d", "e"]
    # "Share this\n" goes, and with it the kept line's break (the text loses its trailing one).
    assert rows[0] == {"id": "a", "source": "web", "attributes": {
        "x__y__removed": [[23, 24, 1.0], [24, 35, 1.0]], "x__y__share": [[24, 35, 1.0]],
        "x__y__layout": [[23, 24, 1.0]]}}
    n = len("Buy cheap pills – now\nMore")
    assert rows[1]["attributes"] == {"x__y__removed": [[0, n, 1.0]], "x__y__drop_doc": [[0, n, 1.0]],
                                     "x__y__spam": [[0, n, 1.0]]}
    assert rows[2]["attributes"] == {} and rows[3]["attributes"] == {} and rows[5]["attributes"] == {}
    assert rows[4]["attributes"] == {"x__y__removed": []}
    # The quarantine contract is clean's: the same quarantine file.
    q = read_rows(tmp_path / "attrs" / "in.quarantine.jsonl.gz")
    assert [r["reason"] for r in q] == ["invalid-json", "invalid-string", "missing-text"]
    run_cli("clean", shard, "-o", tmp_path / "clean", "-q", *flags[:3])
    assert read_rows(tmp_path / "clean" / "in.quarantine.jsonl.gz") == q
    total = json.loads((tmp_path / "s.json").read_text())["total"]
    assert total["records_in"] == 6 and total["quarantined"] == 3 and total["dropped_doc"] == 1
    # --on-bad-record pass: still one row per record, and never the record itself.
    run_cli("annotate", shard, "-o", tmp_path / "pass", "-q", "--on-bad-record", "pass", *flags)
    rows = read_rows(tmp_path / "pass" / "in.jsonl.gz")
    assert [r["id"] for r in rows] == ["a", "b", None, 7, "d", "e"]
    assert not (tmp_path / "pass" / "in.quarantine.jsonl.gz").exists()


def test_annotate_takes_clean_options_and_rejects_bad_ones(tmp_path):
    write_jsonl(tmp_path / "in.jsonl", [{"id": "x", "text": "a"}])
    p = run_cli("annotate", tmp_path / "in.jsonl", "-o", tmp_path / "o", "--tail-fraction", "7",
                check=False)
    assert p.returncode == 1 and "--tail-fraction: expected a number in [0, 1], got '7'" in p.stderr
    p = run_cli("annotate", tmp_path / "in.jsonl", check=False)
    assert p.returncode == 1 and "annotate: no output directory" in p.stderr


def test_recursive_mirrors_the_dolma_documents_tree(tmp_path):
    docs = tmp_path / "documents"
    for sub, n in (("cc/2024", 2), ("wiki", 1)):
        (docs / sub).mkdir(parents=True)
        write_jsonl(docs / sub / "part-0.jsonl", [
            {"id": f"{sub}-{i}", "text": "A line of article prose long enough to stay here.\nShare this\n"}
            for i in range(n)])
    run_cli("annotate", docs, "-r", "-o", tmp_path / "attributes" / "boilerstrip", "-q")
    for sub, n in (("cc/2024", 2), ("wiki", 1)):
        rows = read_rows(tmp_path / "attributes" / "boilerstrip" / sub / "part-0.jsonl")
        assert [r["id"] for r in rows] == [f"{sub}-{i}" for i in range(n)]
        assert all(r["attributes"][f"{P}__share-buttons"] for r in rows)
