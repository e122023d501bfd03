"""ra's ``-R DIR ...``: the Argus record files under directories, as real ra 3.0.8.2 reads them.

Observed with the real ra: in each directory its files come first, then its subdirectories,
each in name order; directories whose names start with a dot are skipped; links are followed
(a directory already being read is not entered again, so link loops end); files that are not
Argus data are passed over quietly.
"""

from __future__ import annotations

import os

__all__ = ["record_files"]

#: compressed inputs are read whatever their first byte
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".Z")
#: the first byte of an Argus 3 stream: a MAR, version 3
_MAR_V3 = 0x83


def _is_argus(path: str) -> bool:
    if path.endswith(_COMPRESSED):
        return True
    try:
        with open(path, "rb") as f:
            first = f.read(1)
    except OSError:
        return False
    return first == bytes([_MAR_V3])


def record_files(root: str, _open: frozenset[str] = frozenset()) -> list[str]:
    """The Argus files under ``root`` (a file itself when ``root`` is not a directory); a
    missing ``root`` raises FileNotFoundError."""
    if not os.path.isdir(root):
        if not os.path.exists(root):
            raise FileNotFoundError(root)
        return [root]
    real = os.path.realpath(root)
    if real in _open:
        return []  # a link back into a directory being read
    files: list[str] = []
    dirs: list[str] = []
    with os.scandir(root) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=True):
                if not entry.name.startswith("."):
                    dirs.append(entry.path)
            elif entry.is_file(follow_symlinks=True) and _is_argus(entry.path):
                files.append(entry.path)
    out = sorted(files)
    for sub in sorted(dirs):
        out += record_files(sub, _open | {real})
    return out
