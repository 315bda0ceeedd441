"""Shared helpers for the Python tests: the CLI binary, the source tree, ../shared, and running
`boilerstrip clean` on records to compare with."""

import json
import os
import subprocess
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("BOILERSTRIP_SOURCE_DIR", Path(__file__).resolve().parents[2]))
SHARED = SOURCE_DIR.parent / "shared"


def binary():
    b = os.environ.get("BOILERSTRIP_BINARY", str(SOURCE_DIR / "build" / "boilerstrip"))
    if not os.access(b, os.X_OK):
        pytest.fail(f"no boilerstrip binary at {b} (set BOILERSTRIP_BINARY)")
    return b


def run_cli(*args, check=True):
    """Runs the CLI; returns the CompletedProcess (text mode)."""
    p = subprocess.run([binary(), *map(str, args)], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"boilerstrip {' '.join(map(str, args))}: exit {p.returncode}\n{p.stderr}")
    return p


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def cli_clean(tmp_path, records, *flags):
    """`boilerstrip clean` of `records`: (the output records, the --stats total)."""
    src = tmp_path / "cli-in"
    src.mkdir(exist_ok=True)
    write_jsonl(src / "shard.jsonl", records)
    out = tmp_path / "cli-out"
    run_cli("clean", src / "shard.jsonl", "-o", out, "-q", "-f", "--stats", tmp_path / "stats.json", *flags)
    with open(tmp_path / "stats.json") as f:
        total = json.load(f)["total"]
    return read_jsonl(out / "shard.jsonl"), total


def sample_records(tmp_path, size="2M", seed=1, sites=None):
    """The records of a generated sample shard (`boilerstrip gen`)."""
    path = tmp_path / f"gen-{size}-{seed}.jsonl"
    args = ["gen", "--size", size, "--seed", seed, "-o", path]
    if sites:
        args += ["--sites", sites]
    run_cli(*args)
    return read_jsonl(path)


def seed_records():
    path = SHARED / "seed-example" / "seed.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return read_jsonl(path)


def delete_spans(text, spans):
    """`text` without the [start, end) code-point spans (in order, disjoint)."""
    kept, at = [], 0
    for s in spans:
        start, end = s[0], s[1]
        assert at <= start < end <= len(text), (at, start, end, len(text))
        kept.append(text[at:start])
        at = end
    kept.append(text[at:])
    return "".join(kept)
