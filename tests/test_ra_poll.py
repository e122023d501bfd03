"""ra ``-M poll`` against real ra 3.0.8: of files, the opening management record only; of a
``-S`` source (our sensor), the START MAR read without ``START:``, nothing printed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from argus_rs.cli.ra_poll import _address
from conftest import SHARED_PCAPS, RunCli
from oracle import needs_real_argus, real_argus_file
from ra_oracle import ours, real
from test_remote import free_port, served

CAPTURES = ["apps/ftp.pcap", "basic/smtp.pcap"]
FILE_CASES = [
    [],
    ["-A"],
    ["-M", "man"],
    ["-M", "man", "-s", "+ltime", "+srcid"],
    ["-", "tcp"],  # a filter: exit status 1, the MAR is no match
    ["-q", "-A", "-M", "man", "-", "tcp"],
    ["-A", "-M", "man", "-", "man"],
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("poll")
    return [str(real_argus_file(SHARED_PCAPS / c, out / (Path(c).stem + ".argus"))) for c in CAPTURES]


@needs_real_argus
@pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")
@pytest.mark.parametrize("case", FILE_CASES, ids=lambda c: " ".join(c) or "plain")
@pytest.mark.parametrize("count", [1, 2], ids=["one file", "two files"])
def test_poll_files_match_real_ra(
    files: list[str], case: list[str], count: int, capfdbinary: pytest.CaptureFixture[bytes], utc: None
) -> None:
    args = ["-X", "-r", *files[:count], "-M", "poll", *case]
    assert ours(capfdbinary, args) == real(args)


def _real_ra_polling(port: int, *args: str) -> str:
    """Real ra -M poll never exits (it reconnects after the server drops it): stopped after
    3 s, before our server's 5 s start-up timeout ends its first connection."""
    ra = subprocess.Popen(
        ["ra", "-X", "-S", f"127.0.0.1:{port}", "-M", "poll", *args], stdout=subprocess.PIPE, text=True
    )
    try:
        out, _ = ra.communicate(timeout=3)
    except subprocess.TimeoutExpired:
        ra.terminate()  # ra prints its -A summary as it ends
        out, _ = ra.communicate(timeout=10)
    return out


@pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")
def test_poll_source_as_real_ra(cli_path: Path, run_cli: RunCli) -> None:
    with served(cli_path, "argus", "-X", "-r", str(SHARED_PCAPS / CAPTURES[0])) as (port, proc):
        for args in (["-A"], ["-M", "man"]):
            expected = _real_ra_polling(port, *args)
            if args == ["-A"]:
                assert "TotalManRecords 1 " in expected  # one connection, one START MAR
            else:
                assert expected == ""  # real ra prints no MAR line of a source
            run = run_cli(["ra", "-X", "-S", f"127.0.0.1:{port}", "-M", "poll", *args])
            assert (run.stdout, run.stderr, run.returncode) == (expected, "", 0)
        assert proc.poll() is None  # no client started: the sensor still waits


def test_poll_unreachable_source_is_one_line_error(run_cli: RunCli) -> None:
    port = free_port()
    run = run_cli(["ra", "-S", f"127.0.0.1:{port}", "-M", "poll"])
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1
    assert f"127.0.0.1:{port}: cannot connect" in run.stderr


def test_source_addresses() -> None:
    assert _address("host") == ("host", 561)
    assert _address("argus://u:p@10.0.0.1:5610/") == ("10.0.0.1", 5610)
    assert _address("[::1]:99") == ("::1", 99)
    assert _address("fe80::1") == ("fe80::1", 561)
    for bad in ("cisco://h:1", "h:0", "h:x", ":5"):
        with pytest.raises(ValueError, match=r"^-S "):
            _address(bad)
