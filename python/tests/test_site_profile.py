"""Site profiles through Python: clean(text, url), clean_batch(urls=...) and the datatrove step
read the site as the CLI's --site-profile does, and give its results."""

import pytest

import boilerstrip
from conftest import cli_clean, run_cli, write_jsonl

PROSE = ("Story {i} tells of the harbour town where the ferries run late and the council met on "
         "a windy Tuesday to argue about the pier, number {i}.")


def site_records():
    records = []
    for i in range(8):
        site = "dailyplanet.com" if i % 2 == 0 else "news.co.uk"
        records.append({"id": f"d{i}", "url": f"https://www.{site}/story/{i}",
                        "text": f"{PROSE.format(i=i)}\nThe {site} desk prints this on recycled paper since 1921\n"
                                f"{PROSE.format(i=i + 100)}\n"})
    records.append({"id": "no-url", "text": records[0]["text"]})
    return records


@pytest.fixture
def profile(tmp_path):
    records = site_records()
    write_jsonl(tmp_path / "docs.jsonl", records)
    run_cli("profile", tmp_path / "docs.jsonl", "-o", tmp_path / "p.bsp", "-q")
    run_cli("merge", "--final", "--min-site-docs", "3", tmp_path / "p.bsp", "-o", tmp_path / "site.bsp")
    return tmp_path / "site.bsp"


def test_clean_with_a_site_profile_equals_the_cli(tmp_path, profile):
    records = site_records()
    flags = ["--site-profile", profile, "--min-site-docs", "3", "--no-classifier"]
    out, total = cli_clean(tmp_path, records, *flags)
    assert total["lines_removed_by"].get("site-repeated", 0) == 8  # the url-less one keeps it
    c = boilerstrip.Cleaner(site_profile=profile, min_site_docs=3, classifier=False)
    assert [c.clean(r["text"], url=r.get("url")) for r in records] == [r["text"] for r in out]
    assert c.clean_batch([r["text"] for r in records], urls=[r.get("url") for r in records],
                         threads=2) == [r["text"] for r in out]
    spans = c.annotate(records[0]["text"], url=records[0]["url"])
    assert [r for _, _, r in spans if r != "layout"] == ["site-repeated"]
    with pytest.raises(ValueError, match="urls has 1 items for 2 texts"):
        c.clean_batch(["a", "b"], urls=["https://x.com/"])


def test_the_datatrove_step_reads_the_site_from_metadata(tmp_path, profile):
    from test_datatrove import Document, run_step
    from boilerstrip.datatrove import BoilerstripCleaner
    records = site_records()
    out, _ = cli_clean(tmp_path, records, "--site-profile", profile, "--min-site-docs", "3",
                       "--no-classifier")
    docs = [Document(text=r["text"], id=r["id"], metadata={"url": r.get("url")}) for r in records]
    step = BoilerstripCleaner(site_profile=str(profile), min_site_docs=3, classifier=False)
    assert [d.text for d in run_step(step, docs)] == [r["text"] for r in out]
    assert step.stats["lines_removed_site-repeated"].total == 8
