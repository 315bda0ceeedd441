"""boilerstrip: strip boilerplate lines out of web-crawl text, from Python.

A thin layer over the C++ library the `boilerstrip` command uses: the same rules, options and
results, at native speed. See the README's "From Python" section.

    >>> import boilerstrip
    >>> c = boilerstrip.Cleaner()              # the bundled default rules, classifier, dedup
    >>> c.clean(text)                          # cleaned text, or None when a drop-doc rule fires
    >>> c.annotate(text)                       # [(start, end, reason), ...] in str offsets
    >>> c.clean_batch(texts, threads=0)        # many texts on the library's threads
    >>> c.stats                                # counters as in `boilerstrip clean --stats`
    >>> boilerstrip.check("my.rules")          # rule problems as "FILE:LINE: rule NAME: ..."

Text in and out is `str`. A `str` holding a lone surrogate (U+D800-U+DFFF alone, which no
UTF-8 text can hold) raises ValueError: the CLI quarantines a record whose text holds such a
`\\ud800` escape as `invalid-string`, and the Python API refuses the text the same way.

`boilerstrip.datatrove` holds a datatrove pipeline step; importing `boilerstrip` never imports
datatrove.
"""

import json as _json

# The bundled rule sets are built into the extension (as into the CLI): patterns="default" or
# "c4" needs no file. An installed package also carries copies under patterns/ to read and copy.

from ._boilerstrip import Cleaner as _Cleaner  # noqa: E402
from ._boilerstrip import check  # noqa: E402,F401

__all__ = ["Cleaner", "check"]
__version__ = "0.1.0"


class Cleaner(_Cleaner):
    """Cleaner(patterns=None, classifier=None, dedup=None, site_profile=None, **options)

    A compiled rule set and the cleaning options: `boilerstrip clean`'s cleaning step for one
    text at a time (`clean`, `annotate`) or many (`clean_batch`).

    patterns: None (the bundled default rules), a preset name ("default", "c4"), "none", or a
        rule file or directory path, or a list of them: what `boilerstrip clean -p` takes.
    classifier, dedup: None (on, except with a foreign preset such as "c4"), True or False.
    site_profile: a site profile file (`boilerstrip merge --final`), or None; `url` arguments
        then name each document's site.
    **options: every other cleaning option of `boilerstrip clean`, its flag with '_' for '-':
        tail_fraction=0.5 is --tail-fraction 0.5, min_line_share=0.3 is --min-line-share 0.3,
        title_headline=False is --no-title-headline. Same meanings and defaults as the CLI.

    Raises ValueError with the CLI's message for a bad rule, option value or profile, and
    TypeError for an unknown keyword or a value of the wrong type.

    A Cleaner is safe to share across threads: each call takes its own working state, and the
    counters are merged under a lock.
    """

    __slots__ = ()

    @property
    def stats(self):
        """Counters of everything this Cleaner cleaned, as the "total" object of `boilerstrip
        clean --stats`: records_in (texts), records_out, records_changed, dropped_doc,
        lines_in, lines_removed, bytes_in and bytes_out (UTF-8 bytes of the texts),
        lines_removed_by {reason: lines}, docs_dropped_by {rule: documents}, seconds (time
        spent cleaning). A new dict on each access."""
        return _json.loads(self._stats_json())
