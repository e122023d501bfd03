"""The sensor's signals, as argus handles them (reference §1.1), with SIGHUP as logrotate expects.

* SIGTERM and SIGINT end the run in order: every open flow is written (cause SHUTDOWN),
  then the STOP MAR, and the exit status is 0;
* SIGHUP closes and reopens the output files, each beginning again with a START MAR
  (argus 3.0.8.2 shuts down on SIGHUP: docs/compat.md).

Python runs the handlers between the sensor's steps (``run_sensor`` checks for signals at
least every ~0.1 s), so the Rust loop finishes the step it is in first.
"""

from __future__ import annotations

import signal
from types import FrameType

from argus_rs import _core

__all__ = ["SensorStop", "install"]


class SensorStop(KeyboardInterrupt):
    """SIGTERM: stop as Ctrl-C does."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SensorStop(signal.Signals(signum).name)


def _reopen(signum: int, frame: FrameType | None) -> None:
    _core.request_reopen()


def install() -> None:
    """Handlers for the rest of the run (the main thread only, as Python requires)."""
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGHUP, _reopen)
