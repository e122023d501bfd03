"""The argus-rs command, run as a user would: a subprocess of the installed console script."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DEMO_PACKETS, DEMO_WIRE_BYTES, RunCli

PREFIX = "argus-rs argus: "


def summary_rows(stdout: str) -> dict[str, dict[str, int]]:
    """Parse the per-file table of the summary: {file: {column: value}}."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["file", "packets"])
    columns = lines[start].split()[1:]
    rows: dict[str, dict[str, int]] = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        parts = line.split()
        name = " ".join(parts[: -len(columns)])
        rows[name] = dict(zip(columns, map(int, parts[-len(columns) :]), strict=True))
    return rows


def proto_rows(stdout: str) -> dict[str, dict[str, int]]:
    """Parse the records-per-protocol table: {file: {proto: records}}."""
    lines = stdout.splitlines()
    start = lines.index("records per protocol:") + 1
    protos = lines[start].split()[1:]
    rows: dict[str, dict[str, int]] = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        parts = line.split()
        rows[" ".join(parts[: -len(protos)])] = dict(zip(protos, map(int, parts[-len(protos) :]), strict=True))
    return rows


def assert_one_error_line(stderr: str, *needles: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {stderr!r}"
    assert lines[0].startswith("argus-rs"), lines[0]
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
    return lines[0]


def assert_no_traceback(*outputs: str) -> None:
    for output in outputs:
        assert "Traceback" not in output, output


# --- help and version -----------------------------------------------------------------


def test_app_help(run_cli: RunCli) -> None:
    proc = run_cli(["--help"])
    assert proc.returncode == 0, proc.stderr
    assert "Usage" in proc.stdout
    assert "argus" in proc.stdout
    assert proc.stderr == ""


def test_no_arguments_shows_help(run_cli: RunCli) -> None:
    proc = run_cli([])
    assert proc.returncode == 0, proc.stderr
    assert "Usage" in proc.stdout


def test_argus_help(run_cli: RunCli) -> None:
    proc = run_cli(["argus", "--help"])
    assert proc.returncode == 0, proc.stderr
    for option in ("-r", "-S", "-M", "-A", "-J", "-m", "-Z", "-U", "-e", "-X", "--flows"):
        assert option in proc.stdout, option


def test_version(run_cli: RunCli) -> None:
    proc = run_cli(["--version"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("argus-rs ")


# --- summary --------------------------------------------------------------------------


def test_summary_of_demo(run_cli: RunCli, demo_pcap: Path) -> None:
    proc = run_cli(["argus", "-r", demo_pcap])
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    rows = summary_rows(proc.stdout)
    assert set(rows) == {str(demo_pcap), "total"}
    for name in rows:
        row = rows[name]
        assert row["packets"] == DEMO_PACKETS
        assert row["wire_bytes"] == DEMO_WIRE_BYTES
        assert 0 < row["decoded"] <= DEMO_PACKETS
        assert row["records"] >= row["flows"] > 0
        assert row["errors"] == 0
    protos = proto_rows(proc.stdout)
    assert {"tcp", "udp"} <= set(protos["total"]) or {"6", "17"} <= set(protos["total"])
    assert sum(protos["total"].values()) == rows["total"]["records"]


def test_summary_with_sensor_options(run_cli: RunCli, demo_pcap: Path) -> None:
    args = ["argus", "-X", "-A", "-J", "-m", "-Z", "-U", "64", "-e", '"abcd"', "-S", "2.5", "-M", "30"]
    proc = run_cli([*args, "-r", demo_pcap])
    assert proc.returncode == 0, proc.stderr
    assert summary_rows(proc.stdout)["total"]["packets"] == DEMO_PACKETS


def test_flows_prints_records(run_cli: RunCli, demo_pcap: Path) -> None:
    plain = run_cli(["argus", "-r", demo_pcap])
    with_flows = run_cli(["argus", "-r", demo_pcap, "--flows", "5"])
    assert with_flows.returncode == 0, with_flows.stderr
    assert with_flows.stdout.endswith(plain.stdout)
    listing = with_flows.stdout[: -len(plain.stdout)].strip().splitlines()
    assert len(listing) == 1 + 5  # a header and five records


def test_stdin(run_cli: RunCli, demo_pcap: Path) -> None:
    proc = run_cli(["argus", "-r", "-"], stdin=demo_pcap.read_bytes())
    assert proc.returncode == 0, proc.stderr
    rows = summary_rows(proc.stdout)
    assert rows["(stdin)"]["packets"] == DEMO_PACKETS
    assert rows["(stdin)"]["wire_bytes"] == DEMO_WIRE_BYTES


# --- read errors: one line each, the rest still read, exit 1 ------------------------------


def test_missing_file(run_cli: RunCli, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-file.pcap"
    proc = run_cli(["argus", "-r", missing])
    assert proc.returncode == 1
    assert_one_error_line(proc.stderr, PREFIX, "no-such-file.pcap")
    assert_no_traceback(proc.stdout, proc.stderr)
    assert summary_rows(proc.stdout)["total"]["packets"] == 0


def test_not_a_capture(run_cli: RunCli, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pcap"
    garbage.write_bytes(b"this is not a packet capture\n" * 40)
    proc = run_cli(["argus", "-r", garbage])
    assert proc.returncode == 1
    assert_one_error_line(proc.stderr, PREFIX, "garbage.pcap")
    assert_no_traceback(proc.stdout, proc.stderr)
    assert summary_rows(proc.stdout)["total"]["errors"] == 1


def test_truncated_capture_keeps_what_was_read(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.pcap"
    truncated.write_bytes(demo_pcap.read_bytes()[:10_000])
    proc = run_cli(["argus", "-r", truncated])
    assert proc.returncode == 1
    assert_one_error_line(proc.stderr, PREFIX, "truncated.pcap")
    assert_no_traceback(proc.stdout, proc.stderr)
    row = summary_rows(proc.stdout)[str(truncated)]
    assert 0 < row["packets"] < DEMO_PACKETS
    assert row["records"] > 0


def test_bad_file_then_good_file(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"\x00" * 100)
    proc = run_cli(["argus", "-r", bad, "-r", demo_pcap])
    assert proc.returncode == 1
    assert_one_error_line(proc.stderr, PREFIX, "bad.pcap")
    assert_no_traceback(proc.stdout, proc.stderr)
    rows = summary_rows(proc.stdout)
    assert rows[str(demo_pcap)]["packets"] == DEMO_PACKETS
    assert rows[str(demo_pcap)]["errors"] == 0
    assert rows[str(bad)]["errors"] == 1
    assert rows["total"]["packets"] == DEMO_PACKETS


def test_two_missing_files_two_lines(run_cli: RunCli, tmp_path: Path) -> None:
    proc = run_cli(["argus", "-r", tmp_path / "a.pcap", "-r", tmp_path / "b.pcap"])
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert len(lines) == 2
    assert "a.pcap" in lines[0]
    assert "b.pcap" in lines[1]


# --- usage errors: one line, exit 2, nothing read -------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["-S", "abc"], "-S"),
        (["-S", "-1"], "-S"),
        (["-M", "0"], "-M"),
        (["-U", "many"], "-U"),
        (["-e", "4294967296"], "-e"),
        (["-e", "!"], "-e"),
        (["--flows", "abc"], "--flows"),
        (["--flows", "-3"], "--flows"),
        (["--bogus"], "--bogus"),
        (["-F", "/nonexistent/argus.conf"], "/nonexistent/argus.conf"),
        (["-w", "out.parquet", "--format", "xml"], "--format"),
        (["-w", "out.argus", "-", "tcp", "and", "portx", "80"], "filter"),
    ],
)
def test_bad_option(run_cli: RunCli, demo_pcap: Path, args: list[str], needle: str) -> None:
    proc = run_cli(["argus", "-r", demo_pcap, *args])
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert_one_error_line(proc.stderr, needle)
    assert_no_traceback(proc.stdout, proc.stderr)
    assert proc.stdout == ""


def test_no_input(run_cli: RunCli) -> None:
    proc = run_cli(["argus"])
    assert proc.returncode == 2
    assert_one_error_line(proc.stderr, PREFIX, "-r")


def test_unknown_command(run_cli: RunCli) -> None:
    proc = run_cli(["nosuchcommand"])
    assert proc.returncode == 2
    assert_one_error_line(proc.stderr)
    assert_no_traceback(proc.stdout, proc.stderr)
