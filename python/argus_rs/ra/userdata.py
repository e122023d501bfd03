"""ra's ``-M printer=encode32|encode64`` user data (``suser``/``duser``), as ra 3.0.8 prints it:
``s[N]=`` then the first bytes (at most the field width) encoded, N being the encoded length
(for encode32, of the byte count rounded up to even); encode32 is upper-case hex, encode64
base64 with padding."""

from __future__ import annotations

import base64


def encoded_user(data: bytes | None, maxlen: int, tag: str, encoding: str) -> str | None:
    """One direction's user data as ra prints it with ``-M printer=ENCODING``."""
    if not data:
        return None
    raw = data[:maxlen]
    if encoding == "encode32":
        text = raw.hex().upper()
        # ra counts an odd byte count as the next even one
        shown = ((len(raw) + 1) & ~1) * 2
    else:
        text = base64.b64encode(raw).decode("ascii")
        shown = len(text)
    return f"{tag}[{shown}]={text}"


def obfuscate_passwords(text: str) -> str:
    """ra's ``-M printer=obfuscate``: in the ascii text, the word after each ``PASS`` (up to a
    space or '.') becomes 'x's of the same length."""
    out = list(text)
    start = text.find("PASS")
    while start >= 0:
        i = start + 5
        while i < len(out) and out[i] not in " .":
            out[i] = "x"
            i += 1
        start = text.find("PASS", i)
    return "".join(out)


__all__ = ["encoded_user", "obfuscate_passwords"]
