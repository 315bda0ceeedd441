"""The boilerstrip module against the CLI: same results, same errors, on the same texts."""

import json
import subprocess
import sys
import threading

import pytest

import boilerstrip
from conftest import (SHARED, cli_clean, delete_spans, run_cli, sample_records, seed_records,
                      write_jsonl)

RULES = """\
footer  truncate il  source link
share   drop     il  share this
spam    drop-doc i   buy cheap pills
"""

ARTICLE = "".join(f"Paragraph {i} of the article has enough words in it to be content.\n"
                  for i in range(6))


@pytest.fixture(scope="module")
def default():
    return boilerstrip.Cleaner()


@pytest.fixture
def rules(tmp_path):
    p = tmp_path / "test.rules"
    p.write_text(RULES)
    return p


def test_import_does_not_import_datatrove():
    code = "import sys, boilerstrip; boilerstrip.Cleaner(); print('datatrove' in sys.modules)"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.strip() == "False", p.stderr


def test_seed_page_is_cleaned_to_the_expected_text(default):
    records = seed_records()
    expected = (SHARED / "seed-example" / "expected.txt").read_text(encoding="utf-8")
    assert default.clean(records[0]["text"]) == expected.rstrip("\n")


def test_clean_equals_the_cli_on_the_generated_sample(tmp_path, default):
    records = sample_records(tmp_path, "1M")
    out, total = cli_clean(tmp_path, records)
    c = boilerstrip.Cleaner()
    ours = [c.clean(r["text"]) for r in records]
    assert [t for t in ours if t is not None] == [r["text"] for r in out]
    assert sum(t is None for t in ours) == total["dropped_doc"]
    s = c.stats
    for key in ("records_in", "records_out", "records_changed", "dropped_doc", "lines_in",
                "lines_removed", "lines_removed_by", "docs_dropped_by"):
        assert s[key] == total[key], key
    assert s["records_changed"] > 0


def test_unchanged_text_comes_back_as_the_same_object(default):
    text = ARTICLE.strip()
    assert default.clean(text) is text


def test_drop_doc_gives_none_and_a_whole_text_span(rules):
    c = boilerstrip.Cleaner(patterns=str(rules), classifier=False)
    text = ARTICLE + "Buy cheap pills here\n"
    assert c.clean(text) is None
    assert c.annotate(text) == [(0, len(text), "spam")]
    assert c.stats["docs_dropped_by"] == {"spam": 2}


def test_annotate_spans_are_code_points_and_deleting_them_gives_clean(rules):
    c = boilerstrip.Cleaner(patterns=[rules], classifier=False)
    # Non-ASCII before and inside removed lines: byte and code-point offsets differ.
    text = "Café “ouvert” 🎉\nShare this\n\n\nÜber uns – a long line of prose that stays in.\nShare this\n"
    spans = c.annotate(text)
    assert delete_spans(text, spans) == c.clean(text)
    removed = [text[s:e] for s, e, r in spans if r != "layout"]
    assert removed == ["Share this\n", "Share this\n"]
    assert {r for _, _, r in spans} <= {"share", "layout"}


def test_annotate_round_trip_on_the_generated_sample(tmp_path, default):
    changed = 0
    for r in sample_records(tmp_path, "1M", seed=7):
        text = r["text"]
        cleaned = default.clean(text)
        spans = default.annotate(text)
        if cleaned is None:
            assert spans == [(0, len(text), spans[0][2])]
            continue
        assert delete_spans(text, spans) == cleaned
        changed += bool(spans)
    assert changed > 50


def test_clean_batch_equals_clean_at_any_thread_count(tmp_path):
    texts = [r["text"] for r in sample_records(tmp_path, "1M", seed=3)]
    one = boilerstrip.Cleaner()
    want = [one.clean(t) for t in texts]
    for threads in (1, 2, 0):
        c = boilerstrip.Cleaner()
        got = c.clean_batch(texts, threads=threads)
        assert got == want
        assert c.stats["lines_removed_by"] == one.stats["lines_removed_by"]
        assert c.stats["records_in"] == len(texts)
    # Unchanged texts come back as the same objects there too.
    got = one.clean_batch(texts, threads=2)
    assert any(g is t for g, t in zip(got, texts))
    assert one.clean_batch([]) == []


def test_clean_batch_makes_the_strs_clean_makes_for_every_str_kind(tmp_path):
    # clean_batch encodes each str's code points and decodes each result itself (off the GIL):
    # the results must be the strs clean() makes, in the same (narrowest) storage kind, also
    # when the removed lines held the text's only wide characters.
    base = [r["text"] for r in sample_records(tmp_path, "1M", seed=7)][:200]
    texts = []
    for t in base:
        ascii = t.encode("ascii", "ignore").decode()
        texts += [t, ascii, "\u00e9 " + ascii, ascii + "\n\u00e9\U0001F600 line", t + "\n\u4e2d\u6587 line", "\U0001F600\n" + t,
                  t.replace("e", "\u00e9", 5).replace("a", "\U0001F600", 2)]
    want = [boilerstrip.Cleaner().clean(t) for t in texts]
    for threads in (1, 2):
        got = boilerstrip.Cleaner().clean_batch(texts, threads=threads)
        assert got == want
        for g, w in zip(got, want):
            if w is not None:
                assert sys.getsizeof(g) == sys.getsizeof(w)  # same kind, same length
                assert hash(g) == hash(w)
    # Results of every storage kind were made: 1, 2 and 4 bytes a code point.
    widths = {1 if ord(max(w)) < 0x100 else 2 if ord(max(w)) < 0x10000 else 4 for w in want if w}
    assert widths == {1, 2, 4}


def test_clean_batch_raises_for_the_first_bad_text_and_counts_nothing(default):
    c = boilerstrip.Cleaner()
    with pytest.raises(ValueError, match=r"texts\[2\].*lone surrogate at index 1 "):
        c.clean_batch(["ok\n", "\u4e2d fine\n", "a\udfffb", "\ud800"], threads=2)
    with pytest.raises(ValueError, match=r"texts\[0\].*lone surrogate at index 0 "):
        c.clean_batch(["\ud800", 5], threads=2)  # the surrogate comes first
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        c.clean_batch(["fine", 5, "\ud800"], threads=2)
    with pytest.raises(TypeError):
        c.clean_batch(["fine"], urls=[5])
    assert c.stats["records_in"] == 0


def test_a_cleaner_shared_by_threads_gives_the_serial_results(tmp_path):
    texts = [r["text"] for r in sample_records(tmp_path, "1M", seed=5)]
    c = boilerstrip.Cleaner()
    want = [c.clean(t) for t in texts]
    c.reset_stats()
    results = {}

    def work(k):
        results[k] = [c.clean(t) for t in texts] if k % 2 else c.clean_batch(texts, threads=2)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[k] == want for k in range(4))
    assert c.stats["records_in"] == 4 * len(texts)


def test_presets_and_keywords_mean_what_the_cli_flags_mean(tmp_path):
    records = sample_records(tmp_path, "512K", seed=11)
    cases = [
        (dict(patterns="c4"), ["-p", "c4"]),
        (dict(dedup=False, classifier=False), ["--no-dedup", "--no-classifier"]),
        (dict(tail_fraction=0.9, min_dup_length=40, title_headline=False, classifier_run=2),
         ["--tail-fraction", "0.9", "--min-dup-length", "40", "--no-title-headline",
          "--classifier-run", "2"]),
        (dict(patterns="none"), ["-p", "none"]),
    ]
    for kwargs, flags in cases:
        out, _ = cli_clean(tmp_path, records, *flags)
        c = boilerstrip.Cleaner(**kwargs)
        ours = [t for t in (c.clean(r["text"]) for r in records) if t is not None]
        assert ours == [r["text"] for r in out], kwargs
    assert boilerstrip.Cleaner(patterns="c4").rule_names != boilerstrip.Cleaner().rule_names


def cli_error(*args):
    p = run_cli(*args, check=False)
    assert p.returncode == 1, p.stderr
    return p.stderr


def test_bad_options_raise_value_error_with_the_cli_message(tmp_path):
    write_jsonl(tmp_path / "in.jsonl", [{"text": "x"}])
    for kwargs, flags in [
        (dict(tail_fraction=2), ["--tail-fraction", "2"]),
        (dict(min_dup_length=-1), ["--min-dup-length", "-1"]),
        (dict(classifier_stopwords="lots"), ["--classifier-stopwords", "lots"]),
        (dict(min_line_share=0), ["--min-line-share", "0"]),
    ]:
        with pytest.raises(ValueError) as e:
            boilerstrip.Cleaner(**kwargs)
        assert str(e.value) in cli_error("clean", tmp_path / "in.jsonl", "-o", tmp_path / "o", *flags)
        assert str(e.value).startswith(flags[0] + ": expected")


def test_bad_rules_and_profiles_raise_value_error_with_the_cli_message(tmp_path):
    write_jsonl(tmp_path / "in.jsonl", [{"text": "x"}])
    bad = tmp_path / "bad.rules"
    bad.write_text("ok drop il fine\nbroken nonsense i x\nempty drop i a*\n")
    with pytest.raises(ValueError) as e:
        boilerstrip.Cleaner(patterns=bad)
    stderr = cli_error("clean", tmp_path / "in.jsonl", "-o", tmp_path / "o", "-p", bad)
    lines = str(e.value).splitlines()
    assert len(lines) >= 2 and lines[-1].endswith("in rules")
    assert all(line in stderr for line in lines)
    assert f"{bad}:2: rule broken" in str(e.value)

    profile = tmp_path / "junk.bsp"
    profile.write_bytes(b"not a profile at all")
    with pytest.raises(ValueError) as e:
        boilerstrip.Cleaner(site_profile=profile)
    assert str(e.value) in cli_error("clean", tmp_path / "in.jsonl", "-o", tmp_path / "o",
                                     "--site-profile", profile)

    with pytest.raises(ValueError) as e:
        boilerstrip.Cleaner(patterns=tmp_path / "missing.rules")
    assert "missing.rules" in str(e.value)


def test_wrong_types_raise_type_error(default):
    for bad in (b"bytes", None, 3, ["a list"]):
        with pytest.raises(TypeError):
            default.clean(bad)
        with pytest.raises(TypeError):
            default.annotate(bad)
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        default.clean_batch(["fine", 42])
    with pytest.raises(TypeError):
        default.clean_batch("a str is not a batch")
    with pytest.raises(TypeError):
        default.clean("text", url=5)
    with pytest.raises(TypeError, match="unexpected keyword argument 'frobnicate'"):
        boilerstrip.Cleaner(frobnicate=1)
    with pytest.raises(TypeError):
        boilerstrip.Cleaner(tail_fraction=True)
    with pytest.raises(TypeError):
        boilerstrip.Cleaner(title_headline=3)
    with pytest.raises(TypeError):
        boilerstrip.Cleaner(classifier="yes")
    with pytest.raises(TypeError):
        boilerstrip.Cleaner(patterns=42)


def test_lone_surrogates_raise_value_error_as_the_cli_quarantines_them(tmp_path, default):
    text = "Fine line\n\ud800 broken\n"
    with pytest.raises(ValueError, match="lone surrogate at index 10"):
        default.clean(text)
    with pytest.raises(ValueError, match=r"texts\[1\].*invalid-string"):
        default.clean_batch(["ok", text])
    # The CLI's side of the contract: the same text as an escape is quarantined as invalid-string.
    (tmp_path / "in.jsonl").write_text('{"text": "Fine line\\n\\ud800 broken\\n"}\n')
    run_cli("clean", tmp_path / "in.jsonl", "-o", tmp_path / "o", "-q", "--stats", tmp_path / "s.json")
    total = json.loads((tmp_path / "s.json").read_text())["total"]
    assert total["bad_records"] == {"invalid-string": 1}


def test_check_reports_what_the_cli_check_reports(tmp_path):
    good = tmp_path / "good.rules"
    good.write_text("share drop il share this\n  match: Share this\n  nomatch: Share that\n")
    assert boilerstrip.check(good) == []
    bad = tmp_path / "bad.rules"
    bad.write_text("share drop il share this\n  match: Share that\n"
                   "nope nonsense i x\n")
    errors = boilerstrip.check(str(bad))
    p = run_cli("check", bad, check=False)
    assert p.returncode == 1
    assert errors == p.stdout.splitlines()
    assert len(errors) >= 2  # the syntax error and the failed example, in one pass
    assert boilerstrip.check([good]) == []
    assert boilerstrip.check("default") == boilerstrip.check("c4") == []


def test_stats_are_the_cli_stats_shape(default):
    s = boilerstrip.Cleaner().stats
    assert s["records_in"] == 0 and s["lines_removed_by"] == {}
    assert isinstance(s["seconds"], float)
    # The CLI's CPU-time figures time its pipeline's stages; a Cleaner has none.
    assert "cpu_seconds" not in s and "serial_cpu_seconds" not in s


def test_docstrings_and_stub_ship():
    import pathlib
    assert "drop-doc" in boilerstrip.Cleaner.clean.__doc__
    assert "code point" in boilerstrip.Cleaner.annotate.__doc__
    assert "GIL" in boilerstrip.Cleaner.clean_batch.__doc__
    pkg = pathlib.Path(boilerstrip.__file__).parent
    assert (pkg / "__init__.pyi").exists() and (pkg / "py.typed").exists()
