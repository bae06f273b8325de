"""One progress bar for every long command (check of many files, variants): tqdm on stderr, shown only when stderr
is a terminal, so logs, pipes and CI output never get carriage-return noise."""
from __future__ import annotations

import sys
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def progress(items: Iterable[T], total: int, label: str, show: bool = True) -> Iterator[T]:
    """Yield ``items`` unchanged while a bar counts them; no bar when ``show`` is false or stderr is no terminal."""
    if not show or not sys.stderr.isatty():
        yield from items
        return
    from tqdm import tqdm   # imported here: only an interactive run with many items pays for it
    yield from tqdm(items, total=total, desc=label, unit="file" if label == "check" else "it",
                    file=sys.stderr, leave=True, dynamic_ncols=True)
