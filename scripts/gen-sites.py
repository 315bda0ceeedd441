#!/usr/bin/env python3
"""Generate multi-site JSONL shards whose site chrome is known, for the site-profile tests.

usage: gen-sites.py OUTDIR [--sites N] [--shards K] [--seed S] [--small-sites M]

Writes OUTDIR/shard-NN.jsonl (records {"id", "url", "text", "meta"}, shuffled across shards so
that every site spans shards) and OUTDIR/truth.json ({id: {"site_docs", "chrome": [...]}}):
the lines of each document that are its site's chrome. Every other non-blank line is article.

Model, per site (registrable domain; hosts vary: www., m., ports, upper case):
  - header and footer lines on every page (some copies with other case, spacing or quotes,
    which normalize to the same line), a sidebar on 3 pages of 4;
  - articles: a unique title and 4-24 paragraphs of random words; 1 page in 10 has a generic
    "Introduction" line (article, not chrome: it is on too few pages to be site-repeated).
Big sites have 5-40 pages; `--small-sites` adds sites of 1-3 pages (below --min-site-docs,
so their chrome is not removable by design). 1 record in 25 has no URL (site_docs 0: never
touched). site_docs counts the site's records that have a URL. Deterministic for a seed.
"""
import argparse
import json
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--sites", type=int, default=40)
    ap.add_argument("--small-sites", type=int, default=10)
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    syll = ["ka", "lo", "mi", "ten", "dra", "vo", "shi", "pel", "run", "zo", "qua", "bel",
            "tor", "an", "es", "ix", "um", "rea", "fin", "gol"]

    def word():
        return "".join(rng.choice(syll) for _ in range(rng.randint(1, 4)))

    def sentence(lo, hi):
        return " ".join(word() for _ in range(rng.randint(lo, hi)))

    records, truth = [], {}
    suffixes = [".com", ".co.uk", ".org", ".com.au", ".net", ".de"]
    n_sites = a.sites + a.small_sites
    for s in range(n_sites):
        big = s < a.sites
        name = (word() + word()).capitalize() + " " + rng.choice(["News", "Daily", "Blog", "Times"])
        domain = f"{word()}{s}{rng.choice(suffixes)}"
        n_docs = rng.randint(5, 40) if big else rng.randint(1, 3)
        header = [name, "Home | " + " | ".join(word().capitalize() for _ in range(5)),
                  "Search " + name, f"Subscribe to {name} for {word()} updates",
                  "Menu", "Sign in"]
        footer = [f"\u00a9 2024 {name}. All rights reserved.", f"About {name} | Contact | Careers",
                  "Privacy policy | Terms of use", f"Follow {name} on {word().capitalize()}",
                  f"{name} is part of the {word().capitalize()} group\u2019s network"]
        sidebar = [f"Most read on {name}", f"{word().capitalize()} newsletter: {sentence(3, 6)}",
                   "Related: " + sentence(4, 8)]
        for d in range(n_docs):
            host = rng.choice(["www." + domain, domain, "m." + domain, "WWW." + domain.upper(),
                               domain + ":8080"])
            url = f"https://{host}/{word()}/{d}-{word()}.html"
            chrome = list(header) + (sidebar if d % 4 != 3 else [])
            tail = list(footer)

            def vary(line):
                # Copies that normalize to the same line: case, spacing, typographic quotes.
                r = rng.random()
                if r < 0.1:
                    return line.upper()
                if r < 0.2:
                    return "  " + line.replace(" ", "  ") + " "
                if r < 0.25:
                    return line.replace("\u2019", "'")
                return line

            chrome = [vary(x) for x in chrome]
            tail = [vary(x) for x in tail]
            article = [sentence(4, 12).capitalize() + f" ({s}.{d})"]
            if rng.random() < 0.1:
                article.append("Introduction")
            article += [sentence(8, 40).capitalize() + "." for _ in range(rng.randint(4, 24))]
            lines = chrome[:3] + [""] + article[:1] + chrome[3:] + [""] + article[1:] + [""] + tail
            text = "\n".join(lines)
            rid = f"s{s}-d{d}"
            rec = {"id": rid, "url": url, "text": text, "meta": {"lang": "en", "n": d}}
            if rng.random() < 0.04:
                del rec["url"]
                truth[rid] = {"site_docs": 0, "chrome": []}
            else:
                truth[rid] = {"site": s, "chrome": chrome + tail}
            records.append(rec)
    with_url = {}
    for t in truth.values():
        if "site" in t:
            with_url[t["site"]] = with_url.get(t["site"], 0) + 1
    for t in truth.values():
        if "site" in t:
            t["site_docs"] = with_url[t.pop("site")]
    rng.shuffle(records)
    os.makedirs(a.outdir, exist_ok=True)
    shards = [[] for _ in range(a.shards)]
    for i, r in enumerate(records):
        shards[rng.randrange(a.shards) if i >= a.shards else i].append(r)
    for k, recs in enumerate(shards):
        with open(os.path.join(a.outdir, f"shard-{k:02d}.jsonl"), "w", encoding="utf-8") as f:
            for r in recs:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    with open(os.path.join(a.outdir, "truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
