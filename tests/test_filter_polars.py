"""``argus_rs.filter.to_polars``: ra filter expressions as polars expressions, against real ra.

Every expression of test_filter.FILTER_TABLE that to_polars accepts selects, over the
DataFrames ``read_argus`` makes of the same real argus files, the records real ``ra -r FILE -
EXPR`` selects, record for record. The expressions it refuses (NoPolarsForm) go through
``polars_filter``, which falls back to the record evaluator, and must select the same too.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pytest

import argus_rs
from argus_rs.filter import FilterError, compile, parse_filter, polars_filter, to_polars
from argus_rs.filter.polars_expr import NoPolarsForm, record_mask
from conftest import SHARED_PCAPS
from filter_oracle import ArgusFile, load_argus_file
from oracle import needs_real_argus
from test_filter import CAPTURES, FILTER_TABLE

#: to_polars must accept at least this many of FILTER_TABLE's expressions ra accepts.
MIN_ACCEPTED = 390


def _accepted() -> tuple[list[str], list[str]]:
    """(expressions with a polars form, expressions refused) among those the parser accepts."""
    yes, no = [], []
    for expr in FILTER_TABLE:
        try:
            parse_filter(expr)
        except FilterError:
            continue
        try:
            to_polars(expr)
        except NoPolarsForm:
            no.append(expr)
        else:
            yes.append(expr)
    return yes, no


ACCEPTED, REFUSED = _accepted()


def test_most_of_the_table_has_a_polars_form() -> None:
    assert len(ACCEPTED) >= MIN_ACCEPTED, f"{len(ACCEPTED)} accepted, refused: {REFUSED}"


def test_refusal_points_at_the_primitive() -> None:
    with pytest.raises(NoPolarsForm) as err:
        to_polars("tcp and port 80 and syn")
    assert err.value.position == len("tcp and port 80 and ")
    assert "TCP flags" in err.value.problem
    assert isinstance(err.value, FilterError)
    with pytest.raises(NoPolarsForm) as err:
        to_polars("udp or not (rate gt 5.0)")
    assert err.value.expression[err.value.position :].startswith("rate")


def test_syntax_errors_are_filter_errors() -> None:
    with pytest.raises(FilterError, match="prot"):
        to_polars("tcp and prot 80")


def test_a_tree_is_taken_too() -> None:
    tree = parse_filter("udp and dst port 53")
    df = pl.DataFrame(
        {
            "proto": ["udp", "tcp"],
            "saddr": ["10.0.0.1", "10.0.0.1"],
            "daddr": ["10.0.0.2", "10.0.0.2"],
            "sport": ["5000", "5000"],
            "dport": ["53", "53"],
        }
    )
    assert df.select(to_polars(tree)).to_series().to_list() == [True, False]


# -- against real ra ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, ArgusFile, pl.DataFrame]]:
    if not SHARED_PCAPS.is_dir():
        pytest.skip(f"shared capture corpus not found at {SHARED_PCAPS}")
    out_dir = tmp_path_factory.mktemp("filter-polars")
    out = []
    for i, (cap, args) in enumerate(CAPTURES):
        f = load_argus_file(SHARED_PCAPS / cap, out_dir / f"{i}.argus", args)
        assert f is not None, f"real argus failed on {cap}"
        df = argus_rs.read_argus(str(f.path))
        assert df.height == len(f.records)
        out.append((f"{Path(cap).name}{''.join(args)}", f, df))
    return out


def _compare(expr: str, name: str, f: ArgusFile, df: pl.DataFrame, fallback: bool) -> str | None:
    theirs, err = f.ra_select(expr)
    if theirs is None:
        return f"{expr!r} [{name}]: ra rejects it: {err}"
    selected = (
        polars_filter(df.with_row_index("_row"), expr)
        if fallback
        else df.with_row_index("_row").filter(to_polars(expr))
    )
    rows = set(selected["_row"].to_list())
    ours = f.lines_of([i in rows for i in range(df.height)])
    if ours == theirs:
        return None
    extra, missing = ours - theirs, theirs - ours
    return (
        f"{expr!r} [{name}]: {sum(ours.values())} records, ra {sum(theirs.values())}; "
        f"only ours: {list(extra)[:2]}, only ra: {list(missing)[:2]}"
    )


def _run(jobs: list[tuple[str, str, ArgusFile, pl.DataFrame, bool]]) -> list[str]:
    with ThreadPoolExecutor(8) as pool:
        return [d for d in pool.map(lambda j: _compare(*j), jobs) if d]


@needs_real_argus
def test_polars_selections_equal_real_ra(files: list[tuple[str, ArgusFile, pl.DataFrame]]) -> None:
    jobs = [(expr, name, f, df, False) for expr in ACCEPTED for name, f, df in files]
    diffs = _run(jobs)
    assert not diffs, f"{len(diffs)} of {len(jobs)} selections differ:\n" + "\n".join(diffs[:40])


@needs_real_argus
def test_fallback_selections_equal_real_ra(files: list[tuple[str, ArgusFile, pl.DataFrame]]) -> None:
    jobs = [(expr, name, f, df, True) for expr in REFUSED for name, f, df in files]
    diffs = _run(jobs)
    assert not diffs, f"{len(diffs)} of {len(jobs)} selections differ:\n" + "\n".join(diffs[:40])


@needs_real_argus
@pytest.mark.parametrize(
    "expr",
    ["tcp and port 80", "udp and not port domain", "net 10.0.0.0/8 and bytes gt 1000", "syn and dst port 80"],
)
def test_lazy_scan_filters_like_the_eager_frame(files: list[tuple[str, ArgusFile, pl.DataFrame]], expr: str) -> None:
    for _, f, df in files[:3]:
        eager = polars_filter(df, expr)
        lazy = polars_filter(argus_rs.scan_argus(str(f.path)), expr).collect()
        assert lazy["record"].to_list() == eager["record"].to_list()
        mask = pl.Series(compile(expr).mask(df["record"])).fill_null(False)
        assert eager["record"].to_list() == df.filter(mask)["record"].to_list()


@needs_real_argus
def test_scan_argus_filter_with_to_polars(files: list[tuple[str, ArgusFile, pl.DataFrame]]) -> None:
    _, f, df = files[0]
    lazy = argus_rs.scan_argus(str(f.path)).filter(to_polars("tcp and port 80")).collect()
    assert lazy.height > 0
    assert lazy["record"].to_list() == df.filter(record_mask("tcp and port 80"))["record"].to_list()
