"""argus-rs: Argus 3 network flow monitoring with a Rust core, read from Python.

>>> import argus_rs
>>> flows = argus_rs.read_pcap("samples/demo.pcap", flow_status_interval=5)  # doctest: +SKIP
>>> flows.group_by("proto").len()  # doctest: +SKIP

The compiled core lives in the private module ``argus_rs._core``; use the names
re-exported here.
"""

from __future__ import annotations

from argus_rs._core import ArgusReadError, __version__, record_schema
from argus_rs.io import iter_pcap, read_pcap
from argus_rs.records import iter_argus, read_argus, scan_argus, write_argus
from argus_rs.sensor import Sensor

__all__ = [
    "ArgusReadError",
    "Sensor",
    "__version__",
    "iter_argus",
    "iter_pcap",
    "read_argus",
    "read_pcap",
    "record_schema",
    "scan_argus",
    "write_argus",
]
