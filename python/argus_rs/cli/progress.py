"""A progress bar for long reads (rich), shown only when standard error is a terminal.

The clients read record files batch by batch; the bar counts the input bytes of the files
(each file's size; inside a file the bytes are estimated from the records read so far, as
the reader does not report its offset) and shows the records read.  Nothing is drawn when
stderr is not a terminal (pipes, files, tests), or when ``ARGUS_RS_PROGRESS=0``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from types import TracebackType
from typing import Any

__all__ = ["ReadProgress", "wanted"]

#: bytes per record assumed before a whole file has been read (a typical sensor record)
_GUESS_RECORD_BYTES = 100
#: do not bother with a bar for inputs smaller than this (it would only flash)
_MIN_BYTES = 4 << 20


def wanted(paths: list[str]) -> bool:
    """Draw a bar?  Only on a terminal, and for inputs big enough to take a while."""
    setting = os.environ.get("ARGUS_RS_PROGRESS", "")
    if setting == "0":
        return False
    try:
        if not sys.stderr.isatty():
            return False
    except (AttributeError, ValueError):
        return False
    if setting == "1":
        return True
    return _total(paths) >= _MIN_BYTES or "-" in paths


def _total(paths: list[str]) -> int:
    total = 0
    for p in paths:
        with contextlib.suppress(OSError):
            total += os.path.getsize(p) if p != "-" else 0
    return total


class ReadProgress:
    """``with ReadProgress(paths, "racluster") as bar: bar.file(p); bar.records(n); ...``"""

    def __init__(self, paths: list[str], label: str, enabled: bool | None = None) -> None:
        self.enabled = wanted(paths) if enabled is None else enabled
        self.total = _total(paths)
        self.label = label
        self._progress: Any = None
        self._task: Any = None
        self._done_bytes = 0  # bytes of the files finished
        self._file_bytes = 0
        self._file_records = 0
        self._per_record = float(_GUESS_RECORD_BYTES)
        self._records = 0

    def __enter__(self) -> ReadProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TextColumn("{task.fields[records]:,} records"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(file=sys.stderr),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=self.total or None, records=0)
        return self

    def file(self, path: str) -> None:
        """A new input file starts (the previous one is finished)."""
        self._finish_file()
        try:
            self._file_bytes = os.path.getsize(path) if path != "-" else 0
        except OSError:
            self._file_bytes = 0
        self._file_records = 0

    def _finish_file(self) -> None:
        if self._file_records and self._file_bytes:
            self._per_record = self._file_bytes / self._file_records
        self._done_bytes += self._file_bytes
        self._file_bytes = 0
        self._update(self._done_bytes)

    def records(self, n: int) -> None:
        """``n`` more records were read from the current file."""
        self._records += n
        self._file_records += n
        guess = min(self._file_records * self._per_record, self._file_bytes)
        self._update(self._done_bytes + int(guess))

    def _update(self, completed: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=completed, records=self._records)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._finish_file()
            self._progress.stop()
            self._progress = None
