"""Live capture into polars DataFrames: :class:`Sensor`.

>>> with argus_rs.Sensor(interface="eth0", flow_status_interval=2) as sensor:  # doctest: +SKIP
...     for frame in sensor:
...         print(frame.select("saddr", "daddr", "pkts", "bytes"))

Capture (one libpcap handle and thread per interface) and the flow engine run
in Rust threads; record batches wait in a bounded queue of ``queue_batches``.
When Python does not keep up the engine drops whole batches and counts them
(``stats["dropped_batches"]``, ``stats["dropped_records"]``): memory stays
bounded and capture never stalls.  See docs/sensor.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from argus_rs import _core
from argus_rs.options import to_core_options

if TYPE_CHECKING:
    import polars as pl

__all__ = ["DEFAULT_SNAPLEN", "Sensor"]

#: argus's capture length (ARGUS_MINSNAPLEN); with user data (-U n) it is n + 96
DEFAULT_SNAPLEN = 96


def _interfaces(interface: str | Sequence[str]) -> list[str]:
    names = [interface] if isinstance(interface, str) else list(interface)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"interface: expected a name or a list of names, got {interface!r}")
    return names


def _positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"invalid value for {name}: {value!r} (expected an integer >= 1)")
    return value


class Sensor:
    """A live sensor on one or more interfaces, yielding DataFrames of flow records.

    ``options`` are argus.conf-style sensor options, as for :func:`argus_rs.read_pcap`
    (``flow_status_interval``, ``generate_mac_data``, ``ip_timeout``, ...).  ``filter`` is
    the input packet filter (ra syntax with a packet meaning, or tcpdump syntax), run in
    the kernel.  ``snaplen`` is the bytes captured per packet (argus's 96, plus
    ``capture_data_len`` when user data is asked for), ``promisc`` promiscuous mode,
    ``buffer_size`` the kernel buffer in bytes (None: libpcap's default), ``immediate``
    delivery without buffering delay.  ``batch_rows`` bounds the rows of one DataFrame,
    ``queue_batches`` the DataFrames waiting for Python.

    Iterating yields each batch as it is made (status and closing records, as a live
    argus writes them); :meth:`close` (also at the end of a ``with`` block) stops
    capturing and returns the last records: every open flow, cause SHUTDOWN.
    """

    def __init__(
        self,
        interface: str | Sequence[str],
        *,
        filter: str | None = None,
        snaplen: int | None = None,
        promisc: bool = True,
        buffer_size: int | None = None,
        immediate: bool = True,
        batch_rows: int = 4096,
        queue_batches: int = 16,
        filter_optimize: bool = True,
        **options: object,
    ) -> None:
        from argus_rs.filter.bpf import sensor_input_filter

        core_options = to_core_options(**options)
        if snaplen is None:
            user = core_options.get("user_data_len", 0)
            snaplen = DEFAULT_SNAPLEN + (user if isinstance(user, int) else 0)
        capture: dict[str, object] = {
            "snaplen": _positive("snaplen", snaplen),
            "promisc": bool(promisc),
            "immediate": bool(immediate),
        }
        if buffer_size is not None:
            capture["buffer_size"] = _positive("buffer_size", buffer_size)
        self._core = _core.LiveSensor(
            _interfaces(interface),
            core_options,
            capture,
            sensor_input_filter(filter),
            filter_optimize,
            batch_rows=_positive("batch_rows", batch_rows),
            queue_batches=_positive("queue_batches", queue_batches),
        )
        self._closed = False

    @property
    def interfaces(self) -> list[str]:
        """The interfaces captured on (``all`` expanded)."""
        return self._core.interfaces

    @property
    def stats(self) -> dict[str, int]:
        """Counters: packets, bytes, records, flows, open_flows; the kernel's captured,
        kernel_dropped, interface_dropped; the batches and records dropped because
        Python did not keep up (dropped_batches, dropped_records)."""
        return dict(self._core.stats)

    def next_frame(self, timeout: float | None = None) -> pl.DataFrame | None:
        """The next batch of records, waiting at most ``timeout`` seconds (TimeoutError);
        None once the sensor has stopped and every record was taken."""
        import polars as pl

        batch = self._core.next_batch(timeout)
        return None if batch is None else pl.DataFrame(batch)

    def __iter__(self) -> Iterator[pl.DataFrame]:
        while (frame := self.next_frame()) is not None:
            yield frame

    def stop(self) -> None:
        """Stop capturing (safe from a signal handler or another thread): iteration then
        yields the last records (open flows, cause SHUTDOWN) and ends."""
        self._core.stop()

    def close(self) -> pl.DataFrame:
        """Stop capturing and return every record not yet taken, the open flows last
        (cause SHUTDOWN)."""
        import polars as pl

        from argus_rs.io import empty_frame

        if self._closed:
            return empty_frame()
        self._closed = True
        self.stop()
        frames = list(self)
        if not frames:
            return empty_frame()
        return pl.concat(frames, how="vertical")

    def __enter__(self) -> Sensor:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "running"
        return f"Sensor(interface={self.interfaces!r}, {state})"
