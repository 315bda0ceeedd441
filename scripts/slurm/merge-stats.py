#!/usr/bin/env python3
"""Adds up the --stats JSON files of many `boilerstrip clean` tasks.

usage: merge-stats.py [--tasks N] [-o OUT] STATS.json...

Per shard, the attempt that completed it counts ("done"; the newest file wins when several
did); shards only ever "skipped" count as done by an attempt whose stats are gone. The total
sums every counter of the chosen shard entries (per-reason maps key by key; seconds: the sum
of task times). With --tasks N, every task 0..N-1 must have left a file named clean-R.*.json.
Prints the summary; exits 1 when a shard failed or was never completed, or a task is missing.
"""
import argparse
import json
import os
import re
import sys


def add(total, stats):
    for k, v in stats.items():
        if isinstance(v, dict):
            add(total.setdefault(k, {}), v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            total[k] = total.get(k, 0) + v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int)
    ap.add_argument("-o", "--output")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    files = sorted(a.files, key=lambda p: (os.path.getmtime(p), p))
    best, seen, problems, tasks = {}, {}, [], set()
    for p in files:
        m = re.match(r"clean-(\d+)\.", os.path.basename(p))
        if m:
            tasks.add(int(m.group(1)))
        try:
            doc = json.load(open(p, encoding="utf-8"))
        except (OSError, ValueError) as e:
            problems.append(f"{p}: unreadable stats: {e}")
            continue
        if doc.get("interrupted"):
            problems.append(f"{p}: the task was interrupted")
        for s in doc.get("shards", []):
            seen.setdefault(s["input"], []).append(s["state"])
            if s["state"] == "done":
                best[s["input"]] = s  # newest attempt wins
    total, states = {}, {"done": 0, "skipped only": 0, "failed": 0}
    for shard, history in sorted(seen.items()):
        if shard in best:
            add(total, best[shard]["stats"])
            states["done"] += 1
        elif "failed" in history:
            states["failed"] += 1
            problems.append(f"{shard}: failed")
        else:
            states["skipped only"] += 1
    if a.tasks is not None:
        for r in range(a.tasks):
            if r not in tasks:
                problems.append(f"task {r}: no stats file")
    out = {"version": 1, "files": len(files), "shards": states, "total": total,
           "problems": problems}
    text = json.dumps(out, indent=2, sort_keys=True) + "\n"
    if a.output:
        with open(a.output + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(a.output + ".tmp", a.output)
    sys.stdout.write(text)
    return 1 if problems or states["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
