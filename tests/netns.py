"""Two network namespaces joined by a veth pair, for live-capture tests (root only).

>>> with VethPair.create() as net:           # doctest: +SKIP
...     with net.inside(net.b):                # sockets made here live in namespace b
...         server = socket.create_server((net.b_addr, 0))

Names are unique per run (``ar<pid><n>a`` / ``...b``), addresses are private
(10.<x>.<y>.1/.2 in a /30 picked from the pid); IPv6 is turned off on the pair so
that only the traffic a test sends crosses it.  Everything is removed on exit,
also when the test fails.  Linux only: namespaces are entered per thread with
setns(2) (Python 3.11 has no os.setns, so through libc).
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import shutil
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["VethPair", "why_not_available"]

CLONE_NEWNET = 0x40000000
_counter = itertools.count()


def why_not_available() -> str | None:
    """Why namespaces cannot be made here (None: they can)."""
    if os.geteuid() != 0:
        return "live capture tests need root (network namespaces, veth, packet capture)"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    return None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def _setns(path: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {path}: {os.strerror(err)}")
    finally:
        os.close(fd)


@dataclass
class VethPair:
    a: str  # namespace names
    b: str
    a_if: str  # interface names (a_if lives in a, b_if in b)
    b_if: str
    a_addr: str
    b_addr: str

    @classmethod
    @contextlib.contextmanager
    def create(cls) -> Iterator[VethPair]:
        n = next(_counter)
        tag = f"ar{os.getpid() % 100000}{n}"
        x, y = (os.getpid() >> 6) % 200 + 20, (os.getpid() & 63) << 2
        net = cls(
            a=f"{tag}a",
            b=f"{tag}b",
            a_if=f"{tag}va",
            b_if=f"{tag}vb",
            a_addr=f"10.{x}.{y}.1",
            b_addr=f"10.{x}.{y}.2",
        )
        try:
            net._build()
            yield net
        finally:
            net._remove()

    def _build(self) -> None:
        _ip("netns", "add", self.a)
        _ip("netns", "add", self.b)
        _ip("link", "add", self.a_if, "netns", self.a, "type", "veth", "peer", "name", self.b_if, "netns", self.b)
        for ns, ifname, addr in ((self.a, self.a_if, self.a_addr), (self.b, self.b_if, self.b_addr)):
            for key in ("all", "default", "lo"):
                _ip("netns", "exec", ns, "sysctl", "-qw", f"net.ipv6.conf.{key}.disable_ipv6=1")
            _ip("-n", ns, "addr", "add", f"{addr}/30", "dev", ifname)
            _ip("-n", ns, "link", "set", ifname, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
        # static neighbours: no ARP exchange in the middle of a test's traffic
        _ip("-n", self.a, "neigh", "replace", self.b_addr, "lladdr", self.mac(self.b, self.b_if), "dev", self.a_if)
        _ip("-n", self.b, "neigh", "replace", self.a_addr, "lladdr", self.mac(self.a, self.a_if), "dev", self.b_if)

    @staticmethod
    def mac(ns: str, ifname: str) -> str:
        out = subprocess.run(
            ["ip", "-n", ns, "-o", "link", "show", ifname], check=True, capture_output=True, text=True, timeout=10
        ).stdout
        words = out.split()
        return words[words.index("link/ether") + 1]

    def _remove(self) -> None:
        for ns in (self.a, self.b):  # deleting a namespace deletes its end of the pair
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)

    @contextlib.contextmanager
    def inside(self, ns: str) -> Iterator[None]:
        """Run the block's calls (socket(), pcap open) in namespace ``ns`` (this thread only)."""
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        try:
            _setns(f"/var/run/netns/{ns}")
            try:
                yield
            finally:
                libc = ctypes.CDLL(None, use_errno=True)
                if libc.setns(home, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns back to the test's namespace failed")
        finally:
            os.close(home)

    def exec(self, ns: str, *argv: str) -> list[str]:
        """``argv`` as a command run inside namespace ``ns``."""
        return ["ip", "netns", "exec", ns, *argv]

    def ping(self, count: int, ident: int = 0x4242) -> None:
        """``count`` ICMP echo requests (64 bytes) from a to b, each answered (a raw socket)."""
        with self.inside(self.a):
            icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        with icmp:
            icmp.settimeout(2)
            for seq in range(1, count + 1):
                body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + bytes(56)
                body = body[:2] + struct.pack("!H", _checksum(body)) + body[4:]
                icmp.sendto(body, (self.b_addr, 0))
                icmp.recv(2048)
                time.sleep(0.05)


def _checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of an even-length ``data``."""
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    return ~(total + (total >> 16)) & 0xFFFF
