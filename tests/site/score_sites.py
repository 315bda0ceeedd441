#!/usr/bin/env python3
"""Scores a clean of gen-sites.py shards against the generator's truth.

usage: score_sites.py GENDIR CLEANDIR MIN_SITE_DOCS [MIN_CHROME_REMOVED MAX_ARTICLE_REMOVED]
Chrome counts only in sites with at least MIN_SITE_DOCS documents with a URL (smaller sites
are out of reach by design). Records without a URL must come back byte-identical. Prints the
figures; exits 1 when the chrome removed is below, or the article lines removed above, the
limits (default 0.99 and 0.001).
"""
import glob
import json
import os
import subprocess
import sys


def read(path):
    if path.endswith(".zst"):
        data = subprocess.run(["zstd", "-dcq", path], check=True, capture_output=True).stdout
    else:
        data = open(path, "rb").read()
    return {json.loads(l)["id"]: json.loads(l) for l in data.decode("utf-8").split("\n") if l.strip()}


def main():
    gen, clean, min_docs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    lo = float(sys.argv[4]) if len(sys.argv) > 4 else 0.99
    hi = float(sys.argv[5]) if len(sys.argv) > 5 else 0.001
    truth = json.load(open(os.path.join(gen, "truth.json"), encoding="utf-8"))
    src, out = {}, {}
    for p in sorted(glob.glob(os.path.join(gen, "*.jsonl"))):
        src.update(read(p))
    for p in sorted(glob.glob(os.path.join(clean, "*.jsonl*"))):
        if ".quarantine." not in p:
            out.update(read(p))
    bad = 0
    if set(src) != set(out):
        print(f"records differ: {len(src)} in, {len(out)} out")
        return 1
    chrome = chrome_removed = article = article_removed = 0
    for rid, rec in src.items():
        t = truth[rid]
        kept = set(out[rid]["text"].split("\n"))
        if t["site_docs"] == 0 and out[rid] != rec:
            print(f"{rid}: no URL, but changed")
            bad += 1
        ch = set(t["chrome"])
        for line in rec["text"].split("\n"):
            if not line.strip():
                continue
            if line in ch:
                if t["site_docs"] >= min_docs:
                    chrome += 1
                    chrome_removed += line not in kept
            else:
                article += 1
                article_removed += line not in kept
    cr = chrome_removed / max(chrome, 1)
    ar = article_removed / max(article, 1)
    print(f"chrome lines removed {chrome_removed}/{chrome} = {cr:.4f}; "
          f"article lines removed {article_removed}/{article} = {ar:.5f}")
    if cr < lo or ar >= hi or bad:
        print(f"FAIL: want chrome removed >= {lo} and article removed < {hi}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
