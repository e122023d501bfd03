"""Pictures of flow records: time series (rabins --plot), top talkers and the address matrix
(ramon --plot).

Each function takes a polars DataFrame (or LazyFrame) and writes ``path``: a PNG (matplotlib,
Agg backend: no display needed) when it ends in ``.png``, a self-contained HTML page (plotly,
its JavaScript embedded: opens offline) when it ends in ``.html``/``.htm``.  They return the
path written.  matplotlib and plotly are the ``plot`` extra: ``pip install argus-rs[plot]``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

__all__ = ["matrix_heatmap", "time_series", "top_talkers"]

StrPath = str | os.PathLike[str]


def _kind(path: StrPath) -> str:
    suffix = Path(path).suffix.lower()
    if suffix == ".png":
        return "png"
    if suffix in (".html", ".htm"):
        return "html"
    raise ValueError(f"{os.fspath(path)}: a plot is written as .png or .html")


def _frame(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    return frame.collect() if isinstance(frame, pl.LazyFrame) else frame


def _need(frame: pl.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"plot: the frame has no column {', '.join(missing)} (columns: {', '.join(frame.columns)})")


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ValueError("PNG plots need matplotlib: pip install 'argus-rs[plot]'") from None
    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    return plt


def _plotly() -> Any:
    try:
        import plotly.graph_objects as go  # type: ignore[import-untyped]
    except ImportError:
        raise ValueError("HTML plots need plotly: pip install 'argus-rs[plot]'") from None
    return go


def _write_html(fig: Any, path: StrPath) -> None:
    # the plotly library embedded: the page needs no network
    fig.write_html(os.fspath(path), include_plotlyjs=True, full_html=True)


def time_series(
    frame: pl.DataFrame | pl.LazyFrame,
    path: StrPath,
    *,
    time_col: str = "stime",
    value_cols: Sequence[str] = ("bytes", "pkts", "flows"),
    group_col: str | None = None,
    title: str | None = None,
) -> Path:
    """One panel per value column over ``time_col`` (a bin start); one line per ``group_col``
    value when given.  A value column named ``flows`` that the frame lacks counts the rows
    (records) per time and group."""
    df = _frame(frame)
    keys = [time_col] + ([group_col] if group_col else [])
    counted = [c for c in value_cols if c == "flows" and c not in df.columns]
    values = [c for c in value_cols if c not in counted]
    _need(df, [*keys, *values])
    aggs = [pl.col(c).sum() for c in values] + [pl.len().alias(c) for c in counted]
    data = df.group_by(keys).agg(aggs).sort(keys)
    cols = list(value_cols)
    groups: list[Any] = data.get_column(group_col).unique(maintain_order=True).to_list() if group_col else [None]
    heading = title or ("per " + time_col + (f" by {group_col}" if group_col else ""))

    def part(g: Any) -> pl.DataFrame:
        return data if group_col is None else data.filter(pl.col(group_col) == g)

    if _kind(path) == "png":
        plt = _pyplot()
        fig, axes = plt.subplots(len(cols), 1, figsize=(10, 2.6 * len(cols)), sharex=True, squeeze=False)
        for ax, col in zip(axes[:, 0], cols, strict=True):
            for g in groups:
                sub = part(g)
                ax.step(sub.get_column(time_col).to_list(), sub.get_column(col).to_list(), where="post", label=g)
            ax.set_ylabel(col)
            ax.grid(alpha=0.3)
        if group_col:
            axes[0, 0].legend(title=group_col, fontsize="small", loc="upper right")
        axes[0, 0].set_title(heading)
        axes[-1, 0].set_xlabel(time_col)
        fig.autofmt_xdate()
        fig.tight_layout()
        fig.savefig(os.fspath(path), format="png", dpi=100)
        plt.close(fig)
    else:
        go = _plotly()
        from plotly.subplots import make_subplots  # type: ignore[import-untyped]

        fig = make_subplots(rows=len(cols), cols=1, shared_xaxes=True, subplot_titles=cols)
        for row, col in enumerate(cols, start=1):
            for g in groups:
                sub = part(g)
                name = str(g) if group_col else col
                fig.add_trace(
                    go.Scatter(
                        x=sub.get_column(time_col).to_list(),
                        y=sub.get_column(col).to_list(),
                        mode="lines",
                        line_shape="hv",
                        name=name,
                        legendgroup=name,
                        showlegend=row == 1,
                    ),
                    row=row,
                    col=1,
                )
        fig.update_layout(title=heading, height=260 * len(cols) + 80)
        _write_html(fig, path)
    return Path(path)


def top_talkers(
    frame: pl.DataFrame | pl.LazyFrame,
    path: StrPath,
    *,
    host_col: str = "saddr",
    value: str = "bytes",
    n: int = 20,
    title: str | None = None,
) -> Path:
    """Horizontal bars of the ``n`` busiest hosts: outgoing (``s<value>``) and incoming
    (``d<value>``) stacked, as ramon TopN's rows give them (``value`` = bytes or pkts)."""
    df = _frame(frame)
    out_col, in_col = f"s{value}", f"d{value}"
    _need(df, [host_col, out_col, in_col])
    data = (
        df.select(host_col, pl.col(out_col).cast(pl.Int64).alias("out"), pl.col(in_col).cast(pl.Int64).alias("in"))
        .group_by(host_col, maintain_order=True)
        .agg(pl.col("out").sum(), pl.col("in").sum())
        .with_columns((pl.col("out") + pl.col("in")).alias("total"))
        .sort("total", descending=True, maintain_order=True)
        .head(n)
    )
    hosts = [str(h) for h in data.get_column(host_col).to_list()]
    outs, ins = data.get_column("out").to_list(), data.get_column("in").to_list()
    heading = title or f"Top {len(hosts)} talkers by {value}"
    if _kind(path) == "png":
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(10, max(2.5, 0.35 * len(hosts) + 1.2)))
        ypos = list(range(len(hosts)))[::-1]  # the busiest on top
        ax.barh(ypos, outs, label=f"out ({out_col})", color="#1f77b4")
        ax.barh(ypos, ins, left=outs, label=f"in ({in_col})", color="#ff7f0e")
        ax.set_yticks(ypos, hosts, fontsize="small")
        ax.set_xlabel(value)
        ax.set_title(heading)
        ax.legend(loc="lower right")
        ax.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        fig.savefig(os.fspath(path), format="png", dpi=100)
        plt.close(fig)
    else:
        go = _plotly()
        fig = go.Figure(
            [
                go.Bar(y=hosts, x=outs, orientation="h", name=f"out ({out_col})"),
                go.Bar(y=hosts, x=ins, orientation="h", name=f"in ({in_col})"),
            ]
        )
        fig.update_layout(barmode="stack", title=heading, yaxis={"autorange": "reversed"}, xaxis_title=value)
        _write_html(fig, path)
    return Path(path)


def matrix_heatmap(
    frame: pl.DataFrame | pl.LazyFrame,
    path: StrPath,
    *,
    src_col: str = "saddr",
    dst_col: str = "daddr",
    value_col: str = "bytes",
    n: int = 30,
    symmetric: bool = False,
    title: str | None = None,
) -> Path:
    """A heat map of ``value_col`` between address pairs (ramon Matrix's rows), restricted to
    the ``n`` addresses with the most traffic; empty cells are pairs without traffic.
    ``symmetric``: the pairs are unordered (ramon Matrix): each is drawn in both cells."""
    df = _frame(frame)
    _need(df, [src_col, dst_col, value_col])
    pairs = (
        df.select(
            pl.col(src_col).cast(pl.Utf8).alias("a"),
            pl.col(dst_col).cast(pl.Utf8).alias("b"),
            pl.col(value_col).cast(pl.Float64).alias("v"),
        )
        .group_by("a", "b", maintain_order=True)
        .agg(pl.col("v").sum())
    )
    busiest = (
        pl.concat([pairs.select(pl.col("a").alias("h"), "v"), pairs.select(pl.col("b").alias("h"), "v")])
        .group_by("h", maintain_order=True)
        .agg(pl.col("v").sum())
        .sort("v", descending=True, maintain_order=True)
        .head(n)
        .get_column("h")
        .to_list()
    )
    index = {h: i for i, h in enumerate(busiest)}
    grid: list[list[float | None]] = [[None] * len(busiest) for _ in busiest]
    for a, b, v in pairs.iter_rows():
        if a in index and b in index:
            grid[index[a]][index[b]] = (grid[index[a]][index[b]] or 0.0) + v
            if symmetric and a != b:
                grid[index[b]][index[a]] = (grid[index[b]][index[a]] or 0.0) + v
    heading = title or f"{value_col} between the {len(busiest)} busiest addresses"
    if _kind(path) == "png":
        import math

        plt = _pyplot()
        size = max(4.0, 0.32 * len(busiest) + 2.5)
        fig, ax = plt.subplots(figsize=(size + 1.5, size))
        cells = [[math.nan if v is None else v for v in row] for row in grid]
        image = ax.imshow(cells, cmap="viridis", aspect="auto", interpolation="nearest")
        ax.set_xticks(range(len(busiest)), busiest, rotation=90, fontsize="x-small")
        ax.set_yticks(range(len(busiest)), busiest, fontsize="x-small")
        ax.set_xlabel(dst_col)
        ax.set_ylabel(src_col)
        ax.set_title(heading)
        fig.colorbar(image, ax=ax, label=value_col)
        fig.tight_layout()
        fig.savefig(os.fspath(path), format="png", dpi=100)
        plt.close(fig)
    else:
        go = _plotly()
        fig = go.Figure(go.Heatmap(z=grid, x=busiest, y=busiest, colorscale="Viridis", colorbar={"title": value_col}))
        fig.update_layout(title=heading, xaxis_title=dst_col, yaxis_title=src_col, yaxis={"autorange": "reversed"})
        _write_html(fig, path)
    return Path(path)
