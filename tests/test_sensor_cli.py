"""``argus-rs argus -w``: the offline sensor's record streams, read by the real Argus clients.

Every check runs the real tools on what we wrote: ``ra`` prints it, ``racluster``/``rasort``/
``racount`` process it, and the results are compared with the same tools on real argus's file.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import polars as pl
import pytest

import oracle
from argus_rs import read_argus, read_pcap
from conftest import SHARED_PCAPS, RunCli

pytestmark = oracle.needs_real_argus

FIELDS = ["stime", "ltime", "proto", "saddr", "sport", "dir", "daddr", "dport", "spkts", "dpkts", "sbytes", "state"]
BIG = SHARED_PCAPS / "basic" / "example2.pcap"


def ra_lines(path: Path, *args: str, fields: list[str] = FIELDS) -> list[str]:
    rows = oracle.ra_rows(path, fields, *args, precision=None)
    assert rows is not None, f"real ra could not read {path}"
    return [",".join(row) for row in rows]


def ours(run_cli: RunCli, pcap: Path, out: Path, *args: str) -> Path:
    out.unlink(missing_ok=True)
    proc = run_cli(["argus", "-X", *args, "-r", pcap, "-w", out])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    return out


def test_ra_prints_our_file_as_real_argus_file(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    mine = ours(run_cli, demo_pcap, tmp_path / "o.argus", "-m", "-A")
    theirs = oracle.real_argus_file(demo_pcap, tmp_path / "t.argus", "-m", "-A")
    wide = [*FIELDS, "flgs", "dbytes", "sappbytes", "dappbytes", "sttl", "dttl", "smac", "dmac", "cause", "seq"]
    assert sorted(ra_lines(mine, fields=wide)) == sorted(ra_lines(theirs, fields=wide))
    # management records: one START and one STOP, as argus writes them
    man = ra_lines(mine, "-M", "man", fields=["proto", "state"])
    assert [m for m in man if m.startswith("man")] == ["man,STA", "man,STP"]


def test_outputs_with_their_own_filters(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    a, b, c = tmp_path / "tcp.argus", tmp_path / "rest.argus", tmp_path / "all.argus"
    proc = run_cli(["argus", "-X", "-r", demo_pcap, "-w", a, "tcp", "-w", b, "not tcp", "-w", c])
    assert proc.returncode == 0, proc.stderr
    every = ra_lines(c)
    tcp, rest = ra_lines(a), ra_lines(b)
    assert tcp
    assert rest
    assert all(line.split(",")[2] == "tcp" for line in tcp)
    assert not any(line.split(",")[2] == "tcp" for line in rest)
    assert sorted(tcp + rest) == sorted(every)
    # the same split as real ra's filter on the full file
    assert sorted(tcp) == sorted(ra_lines(c, "-", "tcp"))


def test_output_filter_like_real_argus(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    expression = "udp and port domain"
    mine = tmp_path / "o.argus"
    proc = run_cli(["argus", "-X", "-r", demo_pcap, "-w", mine, expression])
    assert proc.returncode == 0, proc.stderr
    theirs = tmp_path / "t.argus"
    subprocess.run(["argus", "-X", "-r", str(demo_pcap), "-w", str(theirs), expression], check=True)
    assert ra_lines(mine)
    assert sorted(ra_lines(mine)) == sorted(ra_lines(theirs))


def test_bpf_input_filter_like_real_argus(run_cli: RunCli, tmp_path: Path) -> None:
    mine = tmp_path / "o.argus"
    proc = run_cli(["argus", "-X", "-r", BIG, "-w", mine, "-", "tcp", "and", "not", "port", "80"])
    assert proc.returncode == 0, proc.stderr
    theirs = tmp_path / "t.argus"
    subprocess.run(["argus", "-X", "-r", str(BIG), "-w", str(theirs), "-", "tcp and not port 80"], check=True)
    assert ra_lines(mine)
    assert sorted(ra_lines(mine)) == sorted(ra_lines(theirs))


def test_several_inputs_after_one_r(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    mine = tmp_path / "o.argus"
    proc = run_cli(["argus", "-X", "-r", demo_pcap, BIG, "-w", mine])
    assert proc.returncode == 0, proc.stderr
    theirs = tmp_path / "t.argus"
    subprocess.run(["argus", "-X", "-r", str(demo_pcap), str(BIG), "-w", str(theirs)], check=True)
    assert sorted(ra_lines(mine)) == sorted(ra_lines(theirs))


def test_stdout_stream_into_real_ra(cli_path: Path, demo_pcap: Path) -> None:
    env = {**os.environ, "ARGUS_RS_SYSTEM_CONF": ""}
    sensor = subprocess.Popen(
        [str(cli_path), "argus", "-X", "-r", str(demo_pcap), "-w", "-"], stdout=subprocess.PIPE, env=env
    )
    ra = subprocess.run(
        ["ra", "-X", "-n", "-r", "-", "-s", "proto", "saddr", "daddr"],
        stdin=sensor.stdout,
        capture_output=True,
        text=True,
    )
    assert sensor.wait() == 0
    assert len(ra.stdout.splitlines()) - 1 == read_pcap(demo_pcap).height


def test_append_adds_a_stream(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    out = ours(run_cli, demo_pcap, tmp_path / "o.argus")
    once = ra_lines(out)
    assert run_cli(["argus", "-X", "-r", demo_pcap, "-w", out]).returncode == 0
    assert sorted(ra_lines(out)) == sorted(once + once)
    starts = [m for m in ra_lines(out, "-M", "man", fields=["proto", "state"]) if m == "man,STA"]
    assert len(starts) == 2


@pytest.mark.parametrize(("given", "printed"), [('"abcd"', "abcd"), ("10.1.2.3", "10.1.2.3"), ("42", "42")])
def test_source_id(run_cli: RunCli, demo_pcap: Path, tmp_path: Path, given: str, printed: str) -> None:
    mine = ours(run_cli, demo_pcap, tmp_path / "o.argus", "-e", given)
    theirs = oracle.real_argus_file(demo_pcap, tmp_path / "t.argus", "-e", given)
    assert set(ra_lines(mine, fields=["srcid"])) == set(ra_lines(theirs, fields=["srcid"])) == {printed}


def test_config_file(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    out = tmp_path / "conf.argus"
    conf = tmp_path / "argus.conf"
    conf.write_text(
        "# a comment\n"
        f"ARGUS_OUTPUT_FILE={out}\n"
        "ARGUS_GENERATE_MAC_DATA=yes\n"
        'ARGUS_MONITOR_ID="ab"\n'
        "ARGUS_INTERFACE=eth0   // live only, ignored offline\n"
    )
    proc = run_cli(["argus", "-F", conf, "-r", demo_pcap])
    assert proc.returncode == 0, proc.stderr
    rows = ra_lines(out, fields=["srcid", "smac"])
    assert rows
    assert all(r.startswith("ab,") and r.split(",")[1] for r in rows)


def test_system_conf_is_read_without_x(cli_path: Path, demo_pcap: Path, tmp_path: Path) -> None:
    out = tmp_path / "sys.argus"
    conf = tmp_path / "etc-argus.conf"
    conf.write_text(f"ARGUS_OUTPUT_FILE={out}\n")
    env = {**os.environ, "ARGUS_RS_SYSTEM_CONF": str(conf)}
    run = subprocess.run([str(cli_path), "argus", "-r", str(demo_pcap)], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert out.exists()
    # -X: the system file is not read, and the summary is printed instead
    out.unlink()
    run = subprocess.run([str(cli_path), "argus", "-X", "-r", str(demo_pcap)], env=env, capture_output=True, text=True)
    assert run.returncode == 0
    assert "total" in run.stdout
    assert not out.exists()


def test_bad_config_line_is_named(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    conf = tmp_path / "argus.conf"
    conf.write_text("ARGUS_FLOW_STATUS_INTERVAL=5\nARGUS_FLOW_STAUTS=3\n")
    proc = run_cli(["argus", "-F", conf, "-r", demo_pcap, "-w", tmp_path / "x.argus"])
    assert proc.returncode == 2
    assert f"{conf}:2" in proc.stderr
    assert "ARGUS_FLOW_STAUTS" in proc.stderr
    assert not (tmp_path / "x.argus").exists()


def test_bad_output_filter(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    proc = run_cli(["argus", "-X", "-r", demo_pcap, "-w", tmp_path / "x.argus", "tcp and prot 80"])
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1
    assert "prot" in proc.stderr


def test_unreadable_input_keeps_the_rest(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.argus"
    proc = run_cli(["argus", "-X", "-r", tmp_path / "missing.pcap", demo_pcap, "-w", out])
    assert proc.returncode == 1
    assert "missing.pcap" in proc.stderr
    assert len(ra_lines(out)) == read_pcap(demo_pcap).height


@pytest.mark.parametrize("fmt", ["parquet", "ipc", "csv", "ndjson"])
def test_export_formats(run_cli: RunCli, demo_pcap: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"flows.{fmt}"
    proc = run_cli(["argus", "-X", "-r", demo_pcap, "-w", out, "tcp", "--format", fmt])
    assert proc.returncode == 0, proc.stderr
    want = read_pcap(demo_pcap).filter(pl.col("proto") == "tcp")
    got = {
        "parquet": pl.read_parquet,
        "ipc": pl.read_ipc,
        "csv": pl.read_csv,
        "ndjson": pl.read_ndjson,
    }[fmt](out)
    if fmt == "ndjson":  # objects: keys in any order, null values left out
        assert set(got.columns) <= set(want.columns)
        assert {"saddr", "record"} <= set(got.columns)
    else:
        assert got.columns == want.columns
    assert got.height == want.height
    assert got["saddr"].to_list() == want["saddr"].to_list()
    if fmt in ("parquet", "ipc"):
        assert got.equals(want)
    else:
        assert got["record"].to_list() == [r.hex() for r in want["record"].to_list()]


# --- the real Argus clients on our files ------------------------------------------------------


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, cli_path: Path) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("pair")
    mine, theirs = tmp / "o.argus", tmp / "t.argus"
    env = {**os.environ, "ARGUS_RS_SYSTEM_CONF": ""}
    subprocess.run([str(cli_path), "argus", "-X", "-r", str(BIG), "-w", str(mine)], check=True, env=env)
    oracle.real_argus_file(BIG, theirs)
    return mine, theirs


@pytest.mark.parametrize(
    "command",
    [
        ["racluster", "-n", "-s", "proto", "saddr", "daddr", "pkts", "bytes"],
        ["racluster", "-n", "-m", "saddr", "-s", "saddr", "trans", "pkts", "bytes"],
        ["rasort", "-n", "-m", "bytes", "saddr", "-s", "saddr", "daddr", "proto", "bytes"],
        ["racount", "-n"],
        ["racount", "-n", "-M", "proto"],
    ],
    ids=lambda c: " ".join(c[:3]),
)
def test_real_clients_agree(pair: tuple[Path, Path], command: list[str]) -> None:
    mine, theirs = pair

    def run(path: Path) -> list[str]:
        proc = subprocess.run(
            [command[0], "-X", "-r", str(path), *command[1:]], capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.splitlines()

    got, want = run(mine), run(theirs)
    assert len(got) > 1
    if command[0] == "rasort":
        assert got == want
    else:
        assert sorted(got) == sorted(want)


def test_reader_on_our_cli_file(pair: tuple[Path, Path]) -> None:
    mine, _ = pair
    frame = read_argus(mine)
    engine = read_pcap(BIG)
    cols = [c for c in engine.columns if c not in ("record", "swin", "dwin")]
    assert frame.select(cols).equals(engine.select(cols))
