"""A datatrove pipeline step that cleans documents with boilerstrip.

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from boilerstrip.datatrove import BoilerstripCleaner

    LocalPipelineExecutor(pipeline=[
        JsonlReader("crawl/"),
        BoilerstripCleaner(),                 # the same options as boilerstrip.Cleaner
        JsonlWriter("cleaned/"),
    ], tasks=4).run()

Only this module imports datatrove; `import boilerstrip` does not.
"""

from itertools import islice

from datatrove.pipeline.base import PipelineStep
from datatrove.utils.typeshelper import StatHints

from . import Cleaner

__all__ = ["BoilerstripCleaner"]


class BoilerstripCleaner(PipelineStep):
    """Cleans `doc.text` of each document with boilerstrip, `batch_size` documents at a time
    through `Cleaner.clean_batch` (the GIL released, on `threads` threads; 0 = all cores).

    A document a drop-doc rule removes (stat `drop_doc`), or whose text becomes empty (stat
    `empty`), is dropped (stat `dropped`); with `drop_empty=False` it goes on with an empty
    text instead. `id`, `media` and `metadata` are kept as they are. With a site profile
    the site is read from `doc.metadata[url_key]`.

    A text boilerstrip cannot take (not a str, or a str with a lone surrogate: what the CLI
    quarantines as invalid-string) is counted as `bad_text` and, by `on_bad_text`, passed on
    unchanged ("pass", the default), dropped ("drop") or raised ("raise").

    Stats (datatrove's `stat_update`): total, forwarded, dropped, changed, lines_in,
    lines_removed, `lines_removed_<reason>` per rule or built-in reason, chars_in, chars_out,
    drop_doc, empty, bad_text, batches.

    The other arguments are `boilerstrip.Cleaner`'s. The step pickles (datatrove ships steps
    to its workers) and builds its Cleaner again where it runs.
    """

    name = "🧹 boilerstrip"
    type = "✂️ - FORMAT"

    def __init__(self, patterns=None, classifier=None, dedup=None, site_profile=None,
                 batch_size=1000, threads=0, drop_empty=True, url_key="url",
                 on_bad_text="pass", **options):
        super().__init__()
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        if on_bad_text not in ("pass", "drop", "raise"):
            raise ValueError(f"on_bad_text: expected pass, drop or raise, got {on_bad_text!r}")
        self._args = dict(patterns=patterns, classifier=classifier, dedup=dedup,
                          site_profile=site_profile, **options)
        self.batch_size = batch_size
        self.threads = threads
        self.drop_empty = drop_empty
        self.url_key = url_key if site_profile is not None else None
        self.on_bad_text = on_bad_text
        self._cleaner = Cleaner(**self._args)  # bad options fail here, not in a worker

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_cleaner"] = None
        return state

    def _clean(self, batch):
        """The batch's new texts (None: drop-doc), and which documents were bad."""
        texts = [doc.text for doc in batch]
        urls = None
        if self.url_key is not None:
            urls = [doc.metadata.get(self.url_key) for doc in batch]
            urls = [u if isinstance(u, str) else None for u in urls]
        try:
            return self._cleaner.clean_batch(texts, urls, threads=self.threads), [False] * len(batch)
        except (TypeError, ValueError):
            if self.on_bad_text == "raise":
                raise
        # Some text is bad: clean one by one to find it, the others as usual.
        results, bad = [], []
        for i, text in enumerate(texts):
            try:
                results.append(self._cleaner.clean(text, urls[i] if urls else None))
                bad.append(False)
            except (TypeError, ValueError):
                results.append(text)
                bad.append(True)
        return results, bad

    def _record_stats(self):
        s = self._cleaner.stats
        self._cleaner.reset_stats()
        self.stat_update("lines_in", value=s["lines_in"], unit="batch")
        self.stat_update("lines_removed", value=s["lines_removed"], unit="batch")
        for reason, n in s["lines_removed_by"].items():
            self.stat_update(f"lines_removed_{reason}", value=n, unit="batch")

    def run(self, data, rank: int = 0, world_size: int = 1):
        if self._cleaner is None:
            self._cleaner = Cleaner(**self._args)
        if data is None:
            return
        data = iter(data)
        while batch := list(islice(data, self.batch_size)):
            self.stat_update("batches")
            with self.track_time("batch"):
                results, bad = self._clean(batch)
                self._record_stats()
            for doc, new, is_bad in zip(batch, results, bad):
                self.stat_update(StatHints.total)
                if is_bad:
                    self.stat_update("bad_text")
                    if self.on_bad_text == "drop":
                        self.stat_update(StatHints.dropped)
                        continue
                    self.stat_update(StatHints.forwarded)
                    yield doc
                    continue
                self.stat_update("chars_in", value=len(doc.text))
                if new is not doc.text:
                    self.stat_update("changed")
                if new is None or new == "":
                    self.stat_update("drop_doc" if new is None else "empty")
                    if self.drop_empty:
                        self.stat_update(StatHints.dropped)
                        continue
                    new = ""
                doc.text = new
                self.stat_update("chars_out", value=len(new))
                self.stat_update(StatHints.forwarded)
                yield doc
