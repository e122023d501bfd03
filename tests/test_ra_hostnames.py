"""``ra -nnn``: host names for addresses, against real ra.

Only loopback captures: 127.0.0.1 resolves through /etc/hosts everywhere, and no
lookup leaves the machine (a DNS server that does not answer would only slow both ra's).
"""

from __future__ import annotations

import pytest

from ra_oracle import MARKS, ours, real, real_argus_files

pytestmark = MARKS

CAPTURES = ["encap/socks.pcap"]

CASES = [
    ["-nnn"],
    ["-nnnn"],
    ["-n", "-n", "-n"],
    ["-nnn", "-s", "saddr", "daddr", "proto", "sport", "dport"],
    ["-nnn", "-s", "saddr:5", "daddr:12", "sport"],
    ["-nnn", "-c", ",", "-s", "saddr", "daddr", "sport", "dport", "state"],
    ["-nnn", "-L", "0", "-s", "stime", "saddr", "sport", "dir", "daddr", "dport", "pkts"],
    ["-nnn", "-", "host", "127.0.0.1"],
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return real_argus_files(tmp_path_factory.mktemp("hostnames"), CAPTURES, 1)


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a))
def test_nnn_prints_as_real_ra(files: list[str], args: list[str], capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    argv = ["-r", *files, *args]
    want, want_code = real(argv)
    got, code = ours(capfdbinary, argv)
    assert (got.decode(), code) == (want.decode(), want_code)


def test_nnn_names_loopback(files: list[str], capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    """What a user checks: -nnn turns 127.0.0.1 into its name, -n keeps the number."""
    named, _ = ours(capfdbinary, ["-r", *files, "-nnn", "-s", "saddr", "daddr"])
    plain, _ = ours(capfdbinary, ["-r", *files, "-n", "-s", "saddr", "daddr"])
    assert b"localhost" in named
    assert b"127.0.0.1" not in named
    assert b"127.0.0.1" in plain
    assert b"localhost" not in plain


def test_host_name_leaves_non_addresses() -> None:
    from argus_rs.ra.render import host_name

    assert host_name("0") == "0"
    assert host_name("00:11:22:33:44:55") == "00:11:22:33:44:55"
    assert host_name("127.0.0.1") == "localhost"
