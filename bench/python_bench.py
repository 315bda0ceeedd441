#!/usr/bin/env python3
"""clean_batch throughput against the CLI on the same texts, and datatrove's C4 filter.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_bench.py [--size 256M] [--runs 3]
        [--input FILE.jsonl[.zst]]... [--binary build/boilerstrip]

For each input (default: a generated shard of --size, and the realweb pages when
../shared/data/realweb/ is there) it reports, as medians of --runs runs:
- Cleaner.clean_batch over the texts at 1 and 2 threads: MB of text per CPU-second (per core)
  and per wall second, and the 1 -> 2 thread speed-up; and its serial fraction, the thread CPU
  it spends with the GIL held on the calling thread over all of its CPU (Cleaner's
  _last_batch_cpu), which bounds the speed-up whatever the machine's load (Amdahl);
- the CPU of annotate against clean's: the CLI's, and Cleaner.annotate's against
  Cleaner.clean's one text at a time (that one pays for a Python tuple per span);
- `boilerstrip clean -T1` on the same records as uncompressed .jsonl: MB of text per
  CPU-second (and MB of JSONL), so that the two figures share a denominator;
- datatrove's C4QualityFilter on the same texts (one process), when the vendored datatrove
  imports (its hub dependency stubbed, as ../shared/vendor/datatrove/README.md describes).
MB = 10^6 bytes of UTF-8 text. JSON parsing of the inputs is outside every Python timing.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import boilerstrip

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def cpu_self():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(fn):
    c0, w0 = cpu_self(), time.perf_counter()
    fn()
    return cpu_self() - c0, time.perf_counter() - w0


def load(path):
    data = Path(path).read_bytes()
    if str(path).endswith(".zst"):
        data = subprocess.run(["zstd", "-dcq"], input=data, capture_output=True, check=True).stdout
    lines = [line for line in data.split(b"\n") if line.strip()]
    return lines, [json.loads(line)["text"] for line in lines]


def datatrove_c4():
    """datatrove's C4QualityFilter, or None (and why) when it does not import here."""
    src = SHARED / "vendor" / "datatrove" / "src"
    if not src.is_dir():
        return None, f"{src} is absent"

    class Stub(types.ModuleType):
        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            return type(name, (), {"__init__": lambda self, *a, **k: None})

    for name in ("huggingface_hub", "huggingface_hub.hf_api", "huggingface_hub.utils",
                 "huggingface_hub.errors", "huggingface_hub.constants",
                 "huggingface_hub.file_download"):
        sys.modules.setdefault(name, Stub(name))
    sys.path.insert(0, str(src))
    try:
        from datatrove.data import Document
        from datatrove.pipeline.filters import C4QualityFilter
        # min_num_sentences=-1: the sentence counter needs tokenizer assets that the vendored
        # copy leaves out; every line rule of C4 runs as published.
        return (C4QualityFilter(min_num_sentences=-1), Document), None
    except Exception as e:  # noqa: BLE001 - any import failure means: not measured
        return None, f"datatrove's C4 filter does not import: {type(e).__name__}: {e}"


def bench(path, binary, runs, c4, thread_counts=(1, 2)):
    lines, texts = load(path)
    if not texts:
        raise SystemExit(f"{path}: no records")
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    jsonl_mb = sum(len(line) + 1 for line in lines) / 1e6
    encoded = [t.encode("utf-8") for t in texts]

    def fresh():
        # New str objects for every run, as a reader hands them over: CPython caches a str's
        # UTF-8 form once asked for it, and a second run over the same objects would skip
        # the encoding that real use pays.
        return [b.decode("utf-8") for b in encoded]

    def measure(fn, after=None):
        """Median (CPU, wall) seconds of `fn(texts)` over `runs` runs on fresh texts.

        Each run's results live until the next run has made its own, as in a pipeline that
        writes one batch while it cleans the next: freed all at once, glibc hands the heap
        back to the system and the next run pays a page fault for every page of its results
        (on this VM ~14 us each), which measures the allocator, not the cleaning. `after()`
        runs after each run, outside the timing."""
        results, kept = [], None
        for _ in range(runs):
            batch = fresh()
            out = []
            results.append(timed(lambda: out.append(fn(batch))))
            kept = out
            if after is not None:
                after()
        del kept
        return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)

    rows = {}
    serial = {}
    for threads in sorted(set(thread_counts) | {1, 2}):
        c = boilerstrip.Cleaner()
        c.clean_batch(fresh()[:500], threads=threads)  # warm: states, line caches
        fractions = []

        def serial_fraction():
            # Thread CPU of the call: with the GIL held on the calling thread vs in the work
            # split over the threads. Independent of the machine's load, unlike wall time.
            d = c._last_batch_cpu()
            fractions.append(d["serial"] / (d["serial"] + d["parallel"]))

        cpu, wall = measure(lambda batch: c.clean_batch(batch, threads=threads), serial_fraction)
        rows[f"clean_batch threads={threads}"] = (mb / cpu, mb / wall)
        serial[threads] = statistics.median(fractions)
    c = boilerstrip.Cleaner()
    c.clean_batch(fresh()[:500], threads=1)
    cpu_clean = measure(lambda batch: [c.clean(t) for t in batch])[0]
    cpu_annotate = measure(lambda batch: [c.annotate(t) for t in batch])[0]

    with tempfile.TemporaryDirectory() as tmp:
        shard = Path(tmp) / "in.jsonl"
        shard.write_bytes(b"\n".join(lines) + b"\n")
        cli = {"clean": [], "annotate": []}
        for _ in range(runs):
            for command in cli:
                c0, w0 = cpu_children(), time.perf_counter()
                subprocess.run([binary, command, shard, "-o", Path(tmp) / command, "-T1", "-f", "-q"],
                               check=True)
                cli[command].append((cpu_children() - c0, time.perf_counter() - w0))
        cli_cpu = statistics.median(x[0] for x in cli["clean"])
        cli_annotate_cpu = statistics.median(x[0] for x in cli["annotate"])
        rows["boilerstrip clean -T1 (.jsonl)"] = (mb / cli_cpu, mb / statistics.median(x[1] for x in cli["clean"]))
        rows["boilerstrip annotate -T1 (.jsonl)"] = (
            mb / cli_annotate_cpu, mb / statistics.median(x[1] for x in cli["annotate"]))

    if c4 is not None:
        flt, Document = c4
        docs = [Document(text=t, id=str(i)) for i, t in enumerate(texts)]
        try:
            cpu = statistics.median(timed(lambda: [flt.filter(d) for d in docs])[0]
                                    for _ in range(max(1, runs - 2)))
            rows["datatrove C4QualityFilter(min_num_sentences=-1), 1 process"] = (mb / cpu, mb / cpu)
        except Exception as e:  # noqa: BLE001 - reported, not measured
            print(f"(datatrove's C4 filter failed here: {type(e).__name__}: {e})")

    print(f"\n{path}: {len(texts)} texts, {mb:.1f} MB of text ({jsonl_mb:.1f} MB of JSONL); "
          f"medians of {runs}")
    print("| what | MB of text per CPU-second | MB/s wall |")
    print("| --- | --- | --- |")
    for name, (per_cpu, per_wall) in rows.items():
        print(f"| {name} | {per_cpu:.0f} | {per_wall:.0f} |")
    one, two = rows["clean_batch threads=1"], rows["clean_batch threads=2"]
    cli_per_cpu = rows["boilerstrip clean -T1 (.jsonl)"][0]
    print(f"clean_batch per core / CLI per core: {one[0] / cli_per_cpu:.2f} (1 thread), "
          f"{two[0] / cli_per_cpu:.2f} (2 threads); 1 -> 2 threads: {two[1] / one[1]:.2f}x wall; "
          f"CPU of annotate / clean: CLI {cli_annotate_cpu / cli_cpu:.2f}, Python (one text at a "
          f"time, a tuple per span) {cpu_annotate / cpu_clean:.2f}; "
          f"CLI clean: {jsonl_mb / cli_cpu:.0f} MB of JSONL per CPU-second")
    f = serial[2]
    print(f"clean_batch serial fraction (thread CPU with the GIL held / all its CPU): "
          f"{serial[1]:.3f} at 1 thread, {f:.3f} at 2; Amdahl's bound from 1 to 2 threads: "
          f"{1 / (f + (1 - f) / 2):.2f}x")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="256M", help="size of the generated shard (boilerstrip gen)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--input", action="append", default=[], help="JSONL shards instead")
    ap.add_argument("--binary", default=str(ROOT / "build" / "boilerstrip"))
    ap.add_argument("--threads", default="1,2", help="clean_batch thread counts (1 and 2 always)")
    args = ap.parse_args()
    c4, why = datatrove_c4()
    if why:
        print(f"(datatrove not measured: {why})")
    inputs = args.input
    with tempfile.TemporaryDirectory() as tmp:
        if not inputs:
            gen = Path(tmp) / f"gen-{args.size}.jsonl"
            subprocess.run([args.binary, "gen", "--size", args.size, "--seed", "1", "-o", gen], check=True)
            inputs = [gen]
            realweb = SHARED / "data" / "realweb" / "pages.jsonl.zst"
            if realweb.exists() and shutil.which("zstd"):
                inputs.append(realweb)
        print(f"boilerstrip {boilerstrip.__version__}, Python {sys.version.split()[0]}, "
              f"{os.cpu_count()} CPUs")
        for path in inputs:
            bench(path, args.binary, args.runs, c4, [int(t) for t in args.threads.split(",")])


if __name__ == "__main__":
    main()
