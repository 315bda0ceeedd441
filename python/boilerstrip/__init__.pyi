import os
from typing import Any, Iterable, Sequence, Union

_Path = Union[str, "os.PathLike[str]"]

__version__: str

class Cleaner:
    def __init__(
        self,
        patterns: Union[None, _Path, Sequence[_Path]] = None,
        classifier: bool | None = None,
        dedup: bool | None = None,
        site_profile: _Path | None = None,
        **options: Union[int, float, str, bool, _Path],
    ) -> None: ...
    def clean(self, text: str, url: str | None = None) -> str | None: ...
    def annotate(self, text: str, url: str | None = None) -> list[tuple[int, int, str]]: ...
    def clean_batch(
        self,
        texts: Sequence[str],
        urls: Sequence[str | None] | None = None,
        threads: int = 0,
    ) -> list[str | None]: ...
    @property
    def stats(self) -> dict[str, Any]: ...
    @property
    def rule_names(self) -> list[str]: ...
    def reset_stats(self) -> None: ...

def check(path: Union[_Path, Sequence[_Path]]) -> list[str]: ...
