"""argus_rs.analytics.plot and ``argus-rs ramon --plot``: the files are written, PNGs are PNGs,
HTML pages are self-contained and carry the data."""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path

import polars as pl
import pytest

from argus_rs.analytics import plot

pytest.importorskip("matplotlib")
pytest.importorskip("plotly")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _plot_data(path: Path) -> str:
    """The figure's data in a plotly page (after the embedded library)."""
    text = path.read_text()
    assert "<script" in text
    assert '<script src="http' not in text  # the library is embedded: works offline
    return text.split("Plotly.newPlot(", 1)[1]


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert data.endswith(b"IEND\xaeB`\x82")
    return width, height


def _bins() -> pl.DataFrame:
    t0 = dt.datetime(2024, 5, 1, 12, 0)
    rows = [(t0 + dt.timedelta(minutes=i // 2), ("tcp", "udp")[i % 2], 1000 + 7 * i, 10 + i) for i in range(20)]
    return pl.DataFrame(rows, schema=["stime", "proto", "bytes", "pkts"], orient="row")


def _talkers() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "saddr": ["10.0.0.1", "10.0.0.2", "192.168.7.77", "10.0.0.9"],
            "daddr": ["10.0.0.2", "192.168.7.77", "10.0.0.9", "10.0.0.1"],
            "sbytes": [5000, 300, 123456, 9],
            "dbytes": [700, 40000, 55, 1],
            "spkts": [50, 3, 1200, 1],
            "dpkts": [7, 400, 5, 1],
            "bytes": [5700, 40300, 123511, 10],
        }
    )


@pytest.mark.parametrize("group", [None, "proto"])
def test_time_series_png_and_html(tmp_path: Path, group: str | None) -> None:
    png = plot.time_series(_bins(), tmp_path / "ts.png", time_col="stime", group_col=group)
    width, height = _png_size(png)
    assert width > 300
    assert height > 300
    html = plot.time_series(_bins().lazy(), tmp_path / "ts.html", time_col="stime", group_col=group)
    text = _plot_data(html)
    # the last minute's bytes: both records (1126 + 1133), or the udp record alone
    assert ("1133" if group else "2259") in text
    if group:
        assert "udp" in text


def test_top_talkers_and_matrix(tmp_path: Path) -> None:
    _png_size(plot.top_talkers(_talkers(), tmp_path / "top.png"))
    text = _plot_data(plot.top_talkers(_talkers(), tmp_path / "top.html", value="pkts", n=2))
    assert "192.168.7.77" in text
    assert "10.0.0.9" not in text  # n=2: only the two busiest hosts
    _png_size(plot.matrix_heatmap(_talkers(), tmp_path / "m.png", symmetric=True))
    text = _plot_data(plot.matrix_heatmap(_talkers(), tmp_path / "m.html"))
    assert "123511" in text


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.png or \.html"):
        plot.top_talkers(_talkers(), tmp_path / "x.svg")
    with pytest.raises(ValueError, match="no column"):
        plot.time_series(_bins(), tmp_path / "x.png", time_col="when")


def test_ramon_plot_command(tmp_path: Path) -> None:
    from argus_rs.cli import main
    from conftest import SHARED_PCAPS
    from oracle import have_argus, real_argus_file

    if not have_argus() or not (SHARED_PCAPS / "basic/smtp.pcap").exists():
        pytest.skip("real argus or the corpus capture basic/smtp.pcap not available")
    records = real_argus_file(SHARED_PCAPS / "basic/smtp.pcap", tmp_path / "smtp.argus")
    png, html = tmp_path / "top.png", tmp_path / "matrix.html"
    assert main(["ramon", "-X", "-r", str(records), "-q", "--plot", str(png)]) == 0
    _png_size(png)
    assert main(["ramon", "-X", "-r", str(records), "-M", "Matrix", "-q", "--plot", str(html)]) == 0
    assert "74.53.140.153" in _plot_data(html)
    assert main(["ramon", "-X", "-r", str(records), "--plot", str(tmp_path / "x.svg")]) == 2
