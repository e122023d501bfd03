"""``ra -R DIR`` (record files under directories) and ``ra -E FILE`` (the records the filter
rejects), against the real ra 3.0.8.2."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from argus_rs.cli import main
from conftest import SHARED_PCAPS
from oracle import needs_real_argus, real_argus_file

pytestmark = [needs_real_argus, pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("radirs")
    caps = {"smtp": "basic/smtp.pcap", "sip": "apps/sip.pcap", "pings": "basic/5-pings.pcap"}
    return {k: real_argus_file(SHARED_PCAPS / v, out / f"{k}.argus") for k, v in caps.items()}


def _real(*argv: str) -> tuple[str, int]:
    run = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    return run.stdout, run.returncode


def _ours(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[str, int]:
    capfd.readouterr()
    code = main(list(argv))
    return capfd.readouterr().out, code


def test_read_directories(files: dict[str, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "tree"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / ".hidden").mkdir()
    shutil.copy(files["smtp"], root / "b.argus")
    shutil.copy(files["sip"], root / "sub" / "a.argus")
    shutil.copy(files["pings"], root / ".hidden" / "c.argus")
    shutil.copy(files["pings"], root / "sub" / "deeper" / "z.argus")
    (root / "notes.txt").write_text("not argus data\n")
    os.symlink(files["smtp"], root / "link.argus")  # a link to a file is read
    os.symlink(root / "sub", root / "linkdir")  # and a link to a directory (read twice here)
    shutil.copy(files["pings"], root / "sub" / "0first.argus")
    for args in (["-n"], ["-n", "-s", "stime", "saddr", "daddr", "bytes"]):
        argv = ["-X", "-R", str(root), *args]
        assert _ours(capfd, "ra", *argv) == _real("ra", *argv)
    argv = ["-X", "-R", str(root), "-m", "proto", "-s", "proto", "trans", "pkts", "bytes"]
    ours, _ = _ours(capfd, "racluster", *argv)
    real, _ = _real("racluster", *argv)
    assert sorted(ours.splitlines()) == sorted(real.splitlines())


@pytest.mark.parametrize("expression", ["tcp", "udp and port 5060", "icmp or arp"])
def test_rejected_records(
    files: dict[str, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str], expression: str
) -> None:
    inputs = [str(files["smtp"]), str(files["sip"]), str(files["pings"])]
    ours, theirs = tmp_path / "ours.argus", tmp_path / "theirs.argus"
    printed, code = _ours(capfd, "ra", "-X", "-r", *inputs, "-E", str(ours), "-", expression)
    real_printed, real_code = _real("ra", "-X", "-r", *inputs, "-E", str(theirs), "-", expression)
    assert (printed, code) == (real_printed, real_code)
    assert _real("ra", "-X", "-r", str(ours), "-n") == _real("ra", "-X", "-r", str(theirs), "-n")


@pytest.fixture(scope="module")
def user_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rauser") / "smtp-user.argus"
    return real_argus_file(SHARED_PCAPS / "basic/smtp.pcap", out, "-U", "64")


@pytest.mark.parametrize(
    "regex", ["EHLO", "ehlo", "d:220", "s:220", "^220", "AUTH|QUIT", "s:^QUIT", "220.*ESMTP", "d:^[0-9]+-"]
)
def test_user_data_regex(user_data: Path, capfd: pytest.CaptureFixture[str], regex: str) -> None:
    argv = ["-X", "-r", str(user_data), "-n", "-e", regex]
    assert _ours(capfd, "ra", *argv) == _real("ra", *argv)
    argv += ["-", "tcp"]
    assert _ours(capfd, "ra", *argv) == _real("ra", *argv)
