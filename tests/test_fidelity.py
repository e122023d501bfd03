"""Fidelity: our flow records against the real Argus 3.0.8, capture by capture, over the shared corpus.

For every capture in ``shared/pcaps`` the real ``argus -X -r`` + ``ra`` (Debian's argus-server /
argus-client, see ``oracle.py``) and ``argus_rs.read_pcap`` each make their flows once; the two
multisets of flow lines must be equal.

Known deviations live in ``docs/compat-captures.txt`` (maintained by hand; absent = none)::

    # min-equal: 0.55
    tcp/some-capture.pcap   why our output differs, on purpose or not yet fixed

A listed capture is an xfail(strict=True): it must still differ, so fixing it means removing its
line.  ``# min-equal: N`` (a fraction 0..1, or a percentage ``N%``) is the least share of the
captures real argus can process whose flows must come out equal.

Real argus spends about a second per capture mostly waiting, so the oracle runs many at a time in
a thread pool (``ARGUS_RS_ORACLE_JOBS``, default 32), started once per session for the selected tests.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import oracle
from argus_rs import ArgusReadError, read_pcap
from conftest import REPO_ROOT, SHARED_PCAPS

CAPTURE_SUFFIXES = frozenset({".pcap", ".pcapng", ".cap", ".gz"})
#: the known-deviations table; ARGUS_RS_COMPAT_CAPTURES overrides the location
COMPAT_FILE = Path(os.environ.get("ARGUS_RS_COMPAT_CAPTURES", REPO_ROOT / "docs" / "compat-captures.txt"))
SHOWN_LINES = 5
ORACLE_JOBS = max(1, int(os.environ.get("ARGUS_RS_ORACLE_JOBS", "32")))
NO_ARGUS = "real argus 3.0.8 (argus, ra) is not installed"
ARGUS_CANNOT = "real argus 3.0.8 cannot process this capture"


def corpus_captures(root: Path) -> list[str]:
    """Relative paths (posix) of the capture files under ``root``, sorted."""
    if not root.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.suffix in CAPTURE_SUFFIXES
    )


@dataclass(frozen=True)
class KnownDeviations:
    """What docs/compat-captures.txt says: capture -> reason, and the least share of equal captures."""

    reasons: dict[str, str] = field(default_factory=dict)
    #: the ``# min-equal:`` value as written (parsed by the test that uses it, so a typo fails only that test)
    min_equal: str | None = None


_MIN_EQUAL = re.compile(r"^#\s*min-equal\s*:\s*(\S+)\s*$", re.IGNORECASE)


def parse_min_equal(text: str) -> float:
    """``0.55`` or ``55%`` -> 0.55."""
    value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    if not 0 <= value <= 1:
        raise ValueError(f"min-equal must be a fraction 0..1 or a percentage N%, not {text!r}")
    return value


def load_known_deviations(path: Path = COMPAT_FILE) -> KnownDeviations:
    """Read the known-deviations table; a missing file means no known deviations and no threshold."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return KnownDeviations()
    reasons: dict[str, str] = {}
    min_equal: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            match = _MIN_EQUAL.match(line)
            if match:
                min_equal = match.group(1)
            continue
        rel, *reason = line.split(maxsplit=1)
        reasons[rel] = reason[0] if reason else "known deviation from argus 3.0.8"
    return KnownDeviations(reasons, min_equal)


KNOWN = load_known_deviations()


def capture_params(rels: Iterable[str], known: KnownDeviations) -> list[object]:
    params: list[object] = []
    for rel in rels:
        reason = known.reasons.get(rel)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason is not None else []
        params.append(pytest.param(rel, id=rel, marks=marks))
    return params or [pytest.param(None, id="no-captures")]


class CorpusOracle:
    """Runs real argus (in a pool) and ours (in the test's thread) at most once per capture."""

    def __init__(self, root: Path, workroot: Path, jobs: int) -> None:
        self.root = root
        self.workroot = workroot
        self.pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="real-argus")
        self._theirs: dict[str, Future[list[oracle.Line] | None]] = {}
        self._ours: dict[str, list[oracle.Line]] = {}

    def prefetch(self, rels: Iterable[str]) -> None:
        for rel in rels:
            self._submit(rel)

    def _submit(self, rel: str) -> Future[list[oracle.Line] | None]:
        future = self._theirs.get(rel)
        if future is None:
            # one directory per capture: oracle names its output after the file name, which repeats
            workdir = self.workroot / f"{len(self._theirs):04d}"
            workdir.mkdir()
            future = self.pool.submit(oracle.real_argus_lines, self.root / rel, workdir)
            self._theirs[rel] = future
        return future

    def theirs(self, rel: str) -> list[oracle.Line] | None:
        return self._submit(rel).result()

    def ours(self, rel: str) -> list[oracle.Line]:
        if rel not in self._ours:
            try:
                frame = read_pcap(self.root / rel)
            except ArgusReadError as exc:
                frame = exc.partial
            self._ours[rel] = [] if frame is None else oracle.our_lines(frame)
        return self._ours[rel]

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session")
def corpus_oracle(
    request: pytest.FixtureRequest, pcaps_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CorpusOracle]:
    if not oracle.have_argus():
        pytest.skip(NO_ARGUS)
    runner = CorpusOracle(pcaps_dir, tmp_path_factory.mktemp("real-argus"), ORACLE_JOBS)
    # start real argus at once on every capture this session's tests will ask for, in test order
    wanted: list[str] = []
    everything = False
    for item in request.session.items:
        if getattr(getattr(item, "module", None), "__name__", None) != __name__:
            continue
        callspec = getattr(item, "callspec", None)
        if callspec is not None and isinstance(callspec.params.get("rel"), str):
            wanted.append(callspec.params["rel"])
        elif getattr(item, "originalname", "") == "test_equal_share_does_not_regress":
            everything = True
    runner.prefetch(wanted)
    if everything:
        runner.prefetch(corpus_captures(pcaps_dir))
    yield runner
    runner.close()


def _show(lines: list[oracle.Line]) -> str:
    shown = [",".join(line) for line in lines[:SHOWN_LINES]]
    if len(lines) > SHOWN_LINES:
        shown.append(f"... ({len(lines) - SHOWN_LINES} more)")
    return "\n    ".join(shown) if shown else "(none)"


def describe(rel: str, comparison: oracle.Comparison) -> str:
    return (
        f"{rel}: flows differ from real argus 3.0.8 "
        f"(ours {len(comparison.ours)}, theirs {len(comparison.theirs)}; "
        f"only ours {len(comparison.only_ours)}, only theirs {len(comparison.only_theirs)})\n"
        f"  fields: {','.join(oracle.FIELDS)}\n"
        f"  only ours:\n    {_show(comparison.only_ours)}\n"
        f"  only theirs:\n    {_show(comparison.only_theirs)}"
    )


@pytest.mark.parametrize("rel", capture_params(corpus_captures(SHARED_PCAPS), KNOWN))
def test_flows_match_real_argus(rel: str | None, corpus_oracle: CorpusOracle) -> None:
    if rel is None:
        pytest.skip(f"no capture files in {SHARED_PCAPS}")
    theirs = corpus_oracle.theirs(rel)
    if theirs is None:
        pytest.skip(ARGUS_CANNOT)
    comparison = oracle.compare(corpus_oracle.ours(rel), theirs)
    if not comparison.equal:
        pytest.fail(describe(rel, comparison))


def test_equal_share_does_not_regress(corpus_oracle: CorpusOracle, pcaps_dir: Path) -> None:
    if KNOWN.min_equal is None:
        pytest.skip(f"no '# min-equal: N' line in {COMPAT_FILE}")
    threshold = parse_min_equal(KNOWN.min_equal)
    equal: list[str] = []
    differ: list[str] = []
    for rel in corpus_captures(pcaps_dir):
        theirs = corpus_oracle.theirs(rel)
        if theirs is None:
            continue
        (equal if oracle.compare(corpus_oracle.ours(rel), theirs).equal else differ).append(rel)
    compared = len(equal) + len(differ)
    if compared == 0:
        pytest.skip("real argus processed none of the captures")
    share = len(equal) / compared
    assert share >= threshold, (
        f"{len(equal)} of {compared} captures equal ({share:.1%}), below min-equal {threshold:.1%}; "
        f"differing: {', '.join(differ[:20])}{' ...' if len(differ) > 20 else ''}"
    )


def test_known_deviations_name_captures(pcaps_dir: Path) -> None:
    """Every capture docs/compat-captures.txt lists is in the corpus (a stale line would excuse nothing)."""
    if not KNOWN.reasons:
        pytest.skip(f"no known deviations listed ({COMPAT_FILE})")
    present = set(corpus_captures(pcaps_dir))
    stale = sorted(set(KNOWN.reasons) - present)
    assert not stale, f"{COMPAT_FILE} lists captures not in {pcaps_dir}: {', '.join(stale)}"
