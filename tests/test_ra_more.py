"""argus-rs ra against real ra 3.0.8: -H (abbreviated numbers) and the fields
offset, rtime and idle, on record files real argus made from corpus captures."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SHARED_PCAPS
from oracle import real_argus_file
from ra_oracle import MARKS, ours, real, real_argus_files

CAPTURES = ["basic/smtp.pcap", "apps/ftp.pcap", "basic/DnsPackets.pcap", "basic/5-pings.pcap"]

pytestmark = MARKS


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return real_argus_files(tmp_path_factory.mktemp("ra-more"), CAPTURES, 3)


def _same(capfdbinary: pytest.CaptureFixture[bytes], args: list[str], tries: int = 1) -> None:
    for attempt in range(tries):
        theirs, their_code = real(args)
        mine, my_code = ours(capfdbinary, args)
        if mine == theirs or attempt == tries - 1:
            break
    a, b = theirs.decode("latin-1").splitlines(), mine.decode("latin-1").splitlines()
    diff = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
    assert len(a) == len(b), f"ra {' '.join(args)}: {len(b)} lines, real ra {len(a)}"
    assert diff is None, f"ra {' '.join(args)}: line {diff + 1}\n real: {a[diff]!r}\n ours: {b[diff]!r}"
    assert my_code == their_code


ABBREVIATED = "pkts spkts dpkts bytes sbytes dbytes appbytes sappbytes dappbytes rate srate drate load sload dload"
TCP_ABBREVIATED = "smeansz dmeansz swin dwin sgap dgap synack ackdat tcprtt stcpmax dtcpmax"

H_OPTIONS = [
    ["-H", "-s", *ABBREVIATED.split()],
    ["-H", "-s", *TCP_ABBREVIATED.split()],
    ["-H", "-p", "2", "-s", *ABBREVIATED.split()],
    ["-H", "-p", "0", "-c", ",", "-s", *ABBREVIATED.split(), *TCP_ABBREVIATED.split()],
    ["-H", "-p", "1", "-s", "+tcprtt", "+load"],
    ["-H"],
]


@pytest.mark.parametrize("options", H_OPTIONS, ids=lambda o: " ".join(o))
def test_abbreviated_numbers(capfdbinary: pytest.CaptureFixture[bytes], files: list[str], options: list[str]) -> None:
    for path in files:
        _same(capfdbinary, ["-X", "-r", path, *options])


FIELD_OPTIONS = [
    ["-s", "stime", "offset", "rtime", "dur"],
    ["-u", "-p", "3", "-s", "rtime:20", "offset"],
    ["-p", "0", "-c", ",", "-s", "rtime", "offset", "saddr"],
    ["-p", "9", "-s", "rtime:24"],
    ["-s", "offset", "-", "tcp"],
]


@pytest.mark.parametrize("options", FIELD_OPTIONS, ids=lambda o: " ".join(o))
def test_offset_and_rtime(capfdbinary: pytest.CaptureFixture[bytes], files: list[str], options: list[str]) -> None:
    for path in files:
        _same(capfdbinary, ["-X", "-r", path, *options])


def test_rtime_and_offset_over_several_files(capfdbinary: pytest.CaptureFixture[bytes], files: list[str]) -> None:
    # rtime counts from the first record of the first file; offsets restart in each file
    _same(capfdbinary, ["-X", "-r", *files, "-s", "rtime:20", "offset", "proto"])


@pytest.mark.parametrize("options", [["-s", "idle", "proto"], ["-p", "2", "-s", "idle:20"]])
def test_idle(capfdbinary: pytest.CaptureFixture[bytes], files: list[str], options: list[str]) -> None:
    # the wall clock in single precision (128 s steps): a run at a step's edge is tried again
    _same(capfdbinary, ["-X", "-r", files[0], *options], tries=3)


@pytest.mark.parametrize(
    "options",
    [["-M", "disa", "-s", "stos", "dtos", "sdsb", "ddsb"], ["-M", "disa", "-c", ",", "-s", "sdsb", "ddsb", "proto"]],
    ids=lambda o: " ".join(o),
)
def test_disa_code_points(capfdbinary: pytest.CaptureFixture[bytes], files: list[str], options: list[str]) -> None:
    for path in files:
        _same(capfdbinary, ["-X", "-r", path, *options])


@pytest.fixture(scope="module")
def user_files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("ra-user")
    made = []
    for capture, size in (("basic/smtp.pcap", "16"), ("apps/ftp.pcap", "40")):
        if (SHARED_PCAPS / capture).exists():
            made.append(str(real_argus_file(SHARED_PCAPS / capture, out / (Path(capture).stem + ".argus"), "-U", size)))
    if not made:
        pytest.skip("corpus captures missing")
    return made


USER_FIELDS = [
    ["-s", "suser:32", "duser:20"],
    ["-s", "suser", "duser", "proto"],
    ["-c", ",", "-s", "suser:7", "duser:13"],
]


@pytest.mark.parametrize("printer", ["encode64", "encode32", "ascii"])
@pytest.mark.parametrize("fields", USER_FIELDS, ids=lambda o: " ".join(o))
def test_user_data_printer(
    capfdbinary: pytest.CaptureFixture[bytes], user_files: list[str], printer: str, fields: list[str]
) -> None:
    for path in user_files:
        _same(capfdbinary, ["-X", "-r", path, "-M", f"printer={printer}", *fields])


def test_user_data_encoding_from_rarc(
    capfdbinary: pytest.CaptureFixture[bytes], user_files: list[str], tmp_path: Path
) -> None:
    rc = tmp_path / "rarc"
    rc.write_text("RA_USERDATA_ENCODE=Encode32\n")
    _same(capfdbinary, ["-X", "-F", str(rc), "-r", user_files[0], "-s", "suser:9", "duser"])
