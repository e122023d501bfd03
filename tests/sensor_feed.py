"""A running ``argus-rs argus -r -`` fed packets from the test, so that it lives while it is signalled.

:func:`udp_capture` makes a pcap of ``flows`` UDP request/response pairs, one pair every
``gap`` seconds of packet time (so idle timeouts close flows all along the capture);
:class:`FedSensor` starts the sensor on a pipe and writes packets to it when asked.
"""

from __future__ import annotations

import os
import struct
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
START = 1_600_000_000


def _checksum(data: bytes) -> int:
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _udp_frame(src: bytes, dst: bytes, sport: int, dport: int, payload: bytes) -> bytes:
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    eth = bytes.fromhex("0200000000020200000000010800")
    return eth + ip + udp


def _record(t: float, frame: bytes) -> bytes:
    sec = int(t)
    return struct.pack("<IIII", sec, int((t - sec) * 1e6), len(frame), len(frame)) + frame


def udp_packets(flows: int, gap: float = 2.0) -> list[bytes]:
    """pcap records (header + frame) of ``flows`` request/response pairs, source ports 40000 + i."""
    client, server = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    out = []
    for i in range(flows):
        t = START + i * gap
        out.append(_record(t, _udp_frame(client, server, 40000 + i, 5000, b"q" * 20)))
        out.append(_record(t + 0.001, _udp_frame(server, client, 5000, 40000 + i, b"r" * 40)))
    return out


def filler(count: int, at: float) -> list[bytes]:
    """``count`` large packets of one more flow (port 9), to push what came before through
    any read-ahead buffer between the pipe and the flow table."""
    client, server = bytes([10, 0, 0, 3]), bytes([10, 0, 0, 4])
    return [_record(at, _udp_frame(client, server, 9, 9, b"f" * 1400)) for _ in range(count)]


def udp_capture(path: Path, flows: int, gap: float = 2.0) -> Path:
    path.write_bytes(PCAP_HEADER + b"".join(udp_packets(flows, gap)))
    return path


class FedSensor:
    """``argus-rs argus ... -r -`` with its stdin a pipe the test writes packets to."""

    def __init__(self, cli: Path, args: Sequence[str | os.PathLike[str]], cwd: Path | None = None) -> None:
        env = {**os.environ, "ARGUS_RS_SYSTEM_CONF": ""}
        self.proc = subprocess.Popen(
            [str(cli), "argus", *(os.fspath(a) for a in args), "-r", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
        )
        assert self.proc.stdin is not None
        self.stdin = self.proc.stdin
        self.stdin.write(PCAP_HEADER)
        self.stdin.flush()

    def wait_started(self, output: Path, timeout: float = 30) -> None:
        """Until the sensor has opened ``output`` (its signal handlers are in place by then)."""
        deadline = time.monotonic() + timeout
        while not (output.exists() and output.stat().st_size > 0):
            assert self.proc.poll() is None, "the sensor ended before it started"
            assert time.monotonic() < deadline, f"{output} not created in {timeout} s"
            time.sleep(0.05)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def feed(self, packets: Sequence[bytes], settle: float = 1.5) -> None:
        """Write ``packets``, then give the sensor ``settle`` seconds to take them in."""
        self.stdin.write(b"".join(packets))
        self.stdin.flush()
        time.sleep(settle)

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def close(self, timeout: float = 20) -> tuple[int, str]:
        """End of input; (exit status, stderr)."""
        self.stdin.close()
        return self.wait(timeout)

    def wait(self, timeout: float = 20) -> tuple[int, str]:
        try:
            if not self.stdin.closed and self.proc.poll() is None:
                # a signalled sensor ends with its input still open
                self.proc.wait(timeout=timeout)
            self.proc.stdin = None  # communicate() would flush it
            _, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
            raise
        return self.proc.returncode, err.decode("utf-8", "replace")
