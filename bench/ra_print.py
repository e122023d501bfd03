"""Benchmark of ``argus-rs ra`` against real ``ra`` (Argus 3.0.8.2): print, and filter + print.

    .venv/bin/python bench/ra_print.py                  # 10 M records
    .venv/bin/python bench/ra_print.py --records 1000000 --repeat 1
    BENCH_RECORDS=big.argus .venv/bin/python bench/ra_print.py   # an existing record file (bench/run.py)

Without BENCH_RECORDS (or --file) the input is made deterministically: the flow records of
samples/demo.pcap (made by argus-rs's sensor) repeated, in order, to --records records, written as
one Argus 3 stream in bench/data/ (reused while it exists).  Each case runs ours and real ra with
the same arguments, standard output to /dev/null, TZ=UTC, and prints wall seconds and CPU
seconds (user + sys of the process, best of --repeat) and the ratios real / ours (above 1: ours
is faster); --check runs each case once more and says whether the two outputs are identical.
Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
SAMPLE = ROOT / "samples" / "demo.pcap"

CASES: list[tuple[str, list[str]]] = [
    ("print -n", ["-n"]),
    ("filter + print -n - tcp", ["-n", "-", "tcp"]),
    ("filter + print -n - tcp and dst port 443", ["-n", "-", "tcp", "and", "dst", "port", "443"]),
    ("filter only -q - udp", ["-q", "-", "udp"]),
    ("-s list -u -c ,", ["-u", "-c", ",", "-s", "stime", "dur", "saddr", "daddr", "proto", "bytes"]),
]


def make_records(n: int) -> Path:
    """bench/data/ra-demo-N.argus: the demo capture's records repeated to n records (deterministic)."""
    import polars as pl

    import argus_rs
    from argus_rs import _core

    target = DATA / f"ra-demo-{n}.argus"
    if target.exists() and target.stat().st_size > 0:
        return target
    DATA.mkdir(parents=True, exist_ok=True)
    flows = argus_rs.read_pcap(str(SAMPLE))
    records = flows.get_column("record")
    if records.len() == 0:
        raise SystemExit(f"{SAMPLE}: no flow records")
    first = int(flows.select(pl.col("stime").min().dt.epoch("us")).item())
    last = int(flows.select(pl.col("ltime").max().dt.epoch("us")).item())
    partial = target.with_suffix(".part")
    writer = _core.ArgusWriter(str(partial), first, last, False)
    chunk = pl.concat([records] * max(1, 65_536 // records.len()))
    written = 0
    try:
        while written < n:
            part = chunk.head(n - written)
            writer.write(part)
            written += part.len()
    finally:
        writer.close()
    partial.rename(target)
    return target


def timed(cmd: list[str], repeat: int) -> tuple[float, float]:
    """Best wall seconds and best CPU seconds (user + sys, from os.wait4) of ``repeat`` runs."""
    best_wall = best_cpu = float("inf")
    env = {**os.environ, "TZ": "UTC"}
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        best_wall = min(best_wall, time.perf_counter() - t0)
        best_cpu = min(best_cpu, usage.ru_utime + usage.ru_stime)
        if proc.returncode not in (0, 1):
            sys.stderr.write(f"{' '.join(cmd)}: exit {proc.returncode}\n")
    return best_wall, best_cpu


def digest(cmd: list[str]) -> str:
    """SHA-256 of the command's standard output (TZ=UTC), for --check."""
    h = hashlib.sha256()
    env = {**os.environ, "TZ": "UTC"}
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env) as proc:
        assert proc.stdout is not None
        for chunk in iter(lambda: proc.stdout.read(1 << 20), b""):  # type: ignore[union-attr]
            h.update(chunk)
    return h.hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=10_000_000, help="records to generate (default 10 M)")
    ap.add_argument("--file", help="an existing Argus record file instead (also: BENCH_RECORDS)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per command; the best is shown")
    ap.add_argument("--cases", nargs="*", help="only the cases whose label contains one of these words")
    ap.add_argument("--check", action="store_true", help="run each case once more to compare the outputs")
    a = ap.parse_args()

    given = a.file or os.environ.get("BENCH_RECORDS") or ""
    path = Path(given) if given else make_records(a.records)
    ours = [str(ROOT / ".venv" / "bin" / "argus-rs"), "ra"]
    if not Path(ours[0]).exists():
        ours = [sys.executable, "-m", "argus_rs.cli", "ra"]
    real = shutil.which("ra")
    counter = [real] if real else ours
    summary = subprocess.run([*counter, "-X", "-q", "-A", "-r", str(path)], capture_output=True, text=True, check=False)
    nrec = int(summary.stdout.split()[5])  # TotalFarRecords
    subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=False)  # into the page cache
    print(f"input: {path} ({nrec:,} flow records, {path.stat().st_size / 1e6:,.0f} MB)")
    print()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times suffer when it is high)")
    print()
    head = "| case | ours wall s | real wall s | real / ours (wall) | ours CPU s | real CPU s | real / ours (CPU) |"
    print(head + (" output |" if a.check else ""))
    print("|---|---:|---:|---:|---:|---:|---:|" + ("---|" if a.check else ""))
    cases = [c for c in CASES if not a.cases or any(k in c[0] for k in a.cases)]
    for label, args in cases:
        wall, cpu = timed([*ours, "-X", "-r", str(path), *args], a.repeat)
        rwall, rcpu = timed([real, "-X", "-r", str(path), *args], a.repeat) if real else (float("nan"), float("nan"))
        same = ""
        if a.check and real:
            ok = digest([*ours, "-X", "-r", str(path), *args]) == digest([real, "-X", "-r", str(path), *args])
            same = " identical |" if ok else " DIFFERS |"
        ratios = f"{rwall:.2f} | {rwall / wall:.2f} | {cpu:.2f} | {rcpu:.2f} | {rcpu / cpu:.2f}"
        print(f"| {label} | {wall:.2f} | {ratios} |{same}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
