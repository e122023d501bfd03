"""The benchmark: argus-rs against real Argus 3.0.8 and the bare capture walk, on the same files.

    make bench                          # full size: ~10 M packets / ~1 M flows, 4 M open SYN flows
    .venv/bin/python bench/run.py --quick   # small sizes, for development
    .venv/bin/python bench/run.py --help

Captures come from bench/capgen (deterministic, fixed seed) into bench/data/ (git-ignored) and are
reused while their parameters stay the same. Every command runs as a child process; its CPU time
(user + sys) and peak RSS come from os.wait4, its wall time from the clock around it. All inputs are
read once before timing so that every command reads from the page cache.

Rows: the bare walk (the engine's capture reader alone, then with the packet decoder), the argus-rs
sensor (CLI, Python read_pcap into a polars DataFrame, two threads when the CLI has --threads), real
argus; memory per open flow from the SYN-only capture ((peak RSS at N flows - peak RSS at 1000
flows) / (N - 1000)); then slots for sort/aggregate (issue 5) and filter+print (issue 4), skipped
with the reason while argus-rs has no such command.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
VENV_BIN = ROOT / ".venv" / "bin"
SEED = 1


@dataclass
class Run:
    """One measured command."""

    name: str
    cmd: list[str]
    packets: int = 0
    cpu: float = 0.0
    wall: float = 0.0
    rss_kb: int = 0
    rc: int = 0
    note: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def pps_cpu(self) -> float:
        return self.packets / self.cpu if self.cpu > 0 and self.rc == 0 else 0.0

    @property
    def pps_wall(self) -> float:
        return self.packets / self.wall if self.wall > 0 and self.rc == 0 else 0.0

    @property
    def label(self) -> str:
        return self.name if self.rc == 0 else f"{self.name} (FAILED, exit {self.rc})"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def measure(name: str, cmd: list[str], packets: int = 0, repeat: int = 1, stdout_path: Path | None = None) -> Run:
    """Runs `cmd` `repeat` times; keeps the run with the least CPU time."""
    best: Run | None = None
    for _ in range(repeat):
        log(f"{name}: {' '.join(cmd)}")
        out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
            assert proc.stderr is not None
            err = proc.stderr.read()
            _, status, ru = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if stdout_path:
                out.close()  # type: ignore[union-attr]
        r = Run(name, cmd, packets, ru.ru_utime + ru.ru_stime, wall, ru.ru_maxrss, proc.returncode)
        if r.rc != 0:
            r.note = f"exit {r.rc}: {err.decode(errors='replace').strip()[-300:]}"
            log(r.note)
        if best is None or r.cpu < best.cpu:
            best = r
    assert best is not None
    return best


def cargo_target() -> Path:
    env = os.environ.get("CARGO_TARGET_DIR")
    return Path(env) if env else ROOT / "target"


def build_tools() -> tuple[Path, Path]:
    log("building bench/capgen (capgen, capwalk)")
    res = subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "capgen", "--features", "walk"], cwd=ROOT)
    rel = cargo_target() / "release"
    tools = rel / "capgen", rel / "capwalk"
    if res.returncode != 0:
        if not all(t.exists() for t in tools):
            sys.exit("bench: cargo build of bench/capgen failed")
        log("cargo build failed: using the capgen/capwalk binaries already built")
    return tools


def generate(capgen: Path, name: str, args: list[str]) -> tuple[Path, dict[str, object]]:
    """bench/data/NAME.pcap from capgen ARGS, unless it is already there (its .json is written last)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"{name}.pcap"
    meta = Path(f"{path}.json")
    if path.exists() and meta.exists():
        log(f"reusing {path}")
    else:
        log(f"generating {path}")
        t0 = time.perf_counter()
        tmp = DATA / f"{name}.tmp.pcap"
        subprocess.run([str(capgen), args[0], str(tmp), *args[1:]], check=True, stdout=subprocess.DEVNULL)
        tmp.replace(path)
        Path(f"{tmp}.json").replace(meta)
        log(f"generated in {time.perf_counter() - t0:.1f} s")
    info: dict[str, object] = json.loads(meta.read_text())
    return path, info


def racount(path: Path) -> int:
    out = subprocess.run(["racount", "-r", str(path)], capture_output=True, text=True, check=True).stdout
    return int(out.splitlines()[-1].split()[1])


def records_file(real_argus: str, mix: Path, want: int) -> tuple[Path, int]:
    """An Argus record file of at least `want` records: real argus's records of `mix`, repeated."""
    base = DATA / f"{mix.stem}.argus"
    if not base.exists():
        log(f"writing {base} (real argus)")
        tmp = DATA / f"{mix.stem}.tmp.argus"
        tmp.unlink(missing_ok=True)
        subprocess.run([real_argus, "-X", "-r", str(mix), "-w", str(tmp)], check=True)
        tmp.replace(base)
    n = racount(base)
    copies = max(1, -(-want // n))
    big = DATA / f"{mix.stem}-x{copies}.argus"
    if not big.exists():
        log(f"writing {big} ({copies} x {n} records, real ra)")
        tmp = DATA / f"{mix.stem}.tmp.argus"
        tmp.unlink(missing_ok=True)
        subprocess.run(["ra", "-r", *[str(base)] * copies, "-w", str(tmp)], check=True)
        tmp.replace(big)
    return big, racount(big)


def warm(path: Path) -> None:
    """Reads the file once so that every measured command finds it in the page cache."""
    with open(path, "rb") as f:
        while f.read(16 << 20):
            pass


def argus_rs_has(words: list[str], option: str) -> bool:
    exe = VENV_BIN / "argus-rs"
    if not exe.exists():
        return False
    res = subprocess.run([str(exe), *words, "--help"], capture_output=True, text=True)
    return res.returncode == 0 and option in res.stdout


def argus_rs_commands() -> set[str]:
    """The subcommands `argus-rs --help` lists (lines of its Commands box: "│ NAME  what it does")."""
    exe = VENV_BIN / "argus-rs"
    if not exe.exists():
        return set()
    res = subprocess.run([str(exe), "--help"], capture_output=True, text=True)
    names = set()
    for line in res.stdout.splitlines():
        m = re.match(r"^\s*│ (\w[\w-]*)  ", line)
        if m:
            names.add(m.group(1))
    return names


POLARS_SCRIPT = """
import sys, argus_rs
df = argus_rs.read_pcap(sys.argv[1])
print(df.height)
"""

# issue 5 before its CLI: the Python API on the same records (read, then sort and write / aggregate),
# reading only the columns each needs (read_argus(columns=...)): rasort -m bytes -w needs the key,
# the AGR stand-ins (dur), the times of the output's MAR and the records; racluster every column
# but the record bytes (its rows have none)
ANALYTICS = {
    "rasort": "import sys, argus_rs\nfrom argus_rs.analytics import rasort\n"
    "df = argus_rs.read_argus(sys.argv[1], columns=['stime', 'ltime', 'dur', 'bytes', 'record'])\n"
    "argus_rs.write_argus(rasort(df, 'bytes').collect(), '/dev/null')",
    "racluster": "import sys, argus_rs\nfrom argus_rs.analytics import racluster\nfrom argus_rs.io import empty_frame\n"
    "cols = [c for c in empty_frame().columns if c != 'record']\n"
    "print(racluster(argus_rs.read_argus(sys.argv[1], columns=cols)).collect().height)",
}


def has_analytics(py: str) -> bool:
    res = subprocess.run([py, "-c", "from argus_rs.analytics import rasort, racluster"], capture_output=True)
    return res.returncode == 0


IMPORT_SCRIPT = "import argus_rs, polars"


def fmt_rate(x: float) -> str:
    if x == 0:
        return "-"
    return f"{x / 1e6:.2f} M" if x >= 1e5 else f"{x / 1e3:.1f} k"


def machine() -> dict[str, object]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "mem_gib": round(mem_kb / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "argus": shutil.which("argus") or "",
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--packets", type=int, default=10_500_000, help="packets in the mixed capture")
    ap.add_argument("--syn-flows", type=int, default=4_000_000, help="open flows in the SYN-only capture")
    ap.add_argument("--duration", type=int, default=300, help="seconds of packet time of the mixed capture")
    ap.add_argument("--quick", action="store_true", help="small sizes (300 k packets, 200 k SYN flows)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per command; the least CPU time is kept")
    ap.add_argument("--no-real", action="store_true", help="skip real argus")
    ap.add_argument("--no-syn", action="store_true", help="skip memory per open flow")
    ap.add_argument("--records", type=int, default=10_000_000, help="records for the record clients")
    ap.add_argument(
        "--analytics-records",
        type=int,
        default=2_000_000,
        help="records for sort/aggregate through the Python API (held in memory; the commands get --records)",
    )
    ap.add_argument("--no-records", action="store_true", help="skip the record clients (sort, aggregate, print)")
    ap.add_argument(
        "--data",
        type=Path,
        default=ROOT / "bench" / "data",
        help="where captures and record files are kept (bench/data)",
    )
    ap.add_argument("--venv", type=Path, default=ROOT / ".venv", help="the virtualenv with argus-rs (.venv)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    a = ap.parse_args()
    global DATA, VENV_BIN
    DATA, VENV_BIN = a.data.resolve(), a.venv.resolve() / "bin"
    if a.quick:
        a.packets, a.syn_flows, a.records, a.analytics_records = 300_000, 200_000, 400_000, 100_000

    load_before = os.getloadavg()
    capgen, capwalk = build_tools()
    mix, mix_info = generate(
        capgen,
        f"mix-p{a.packets}-d{a.duration}-s{SEED}",
        ["mix", "--packets", str(a.packets), "--duration", str(a.duration), "--seed", str(SEED)],
    )
    npk = int(mix_info["packets"])  # type: ignore[call-overload]
    warm(mix)
    argus_rs = str(VENV_BIN / "argus-rs")
    real_argus = shutil.which("argus")
    runs: list[Run] = []
    skipped: list[tuple[str, str]] = []

    runs.append(measure("bare walk (capture reader)", [str(capwalk), str(mix)], npk, a.repeat))
    runs.append(measure("bare walk + decode", [str(capwalk), "--decode", str(mix)], npk, a.repeat))
    ours = measure("argus-rs argus (CLI)", [argus_rs, "argus", "-X", "-r", str(mix), "-w", "/dev/null"], npk, a.repeat)
    runs.append(ours)
    if argus_rs_has(["argus"], "--threads"):
        runs.append(
            measure(
                "argus-rs argus --threads 2",
                [argus_rs, "argus", "-X", "--threads", "2", "-r", str(mix), "-w", "/dev/null"],
                npk,
                a.repeat,
            )
        )
    else:
        skipped.append(("argus-rs argus --threads 2", "`argus-rs argus --help` has no --threads yet (issue 6)"))
    py = str(VENV_BIN / "python")
    imp = measure("python: import argus_rs, polars", [py, "-c", IMPORT_SCRIPT], 0, a.repeat)
    pl_out = DATA / "polars-rows.txt"
    polars_run = measure(
        "argus_rs.read_pcap -> polars", [py, "-c", POLARS_SCRIPT, str(mix)], npk, a.repeat, stdout_path=pl_out
    )
    polars_run.extra["rows"] = pl_out.read_text().strip() if pl_out.exists() else ""
    polars_run.extra["import_cpu_s"] = round(imp.cpu, 3)
    polars_run.note = f"{polars_run.extra['rows']} rows; includes interpreter + import ({imp.cpu:.2f} CPU s)"
    runs.append(polars_run)
    argus_run: Run | None = None
    if real_argus and not a.no_real:
        argus_run = measure("real argus 3.0.8", [real_argus, "-X", "-r", str(mix), "-w", "/dev/null"], npk, a.repeat)
        runs.append(argus_run)
    else:
        skipped.append(("real argus 3.0.8", "argus not installed" if not real_argus else "--no-real"))

    # memory per open flow
    mem_rows: list[tuple[str, float, int, int]] = []
    syn_runs: list[Run] = []
    if not a.no_syn:
        syn_base, _ = generate(capgen, "syn-f1000", ["syn", "--flows", "1000"])
        syn, _ = generate(capgen, f"syn-f{a.syn_flows}", ["syn", "--flows", str(a.syn_flows)])
        warm(syn)
        tools = [("argus-rs", [argus_rs, "argus", "-X"])]
        if real_argus and not a.no_real:
            tools.append(("real argus", [real_argus, "-X"]))
        for label, base_cmd in tools:
            b = measure(f"{label} SYN 1000 flows", [*base_cmd, "-r", str(syn_base), "-w", "/dev/null"], 1000)
            n = measure(f"{label} SYN {a.syn_flows} flows", [*base_cmd, "-r", str(syn), "-w", "/dev/null"], a.syn_flows)
            per_flow = (n.rss_kb - b.rss_kb) * 1024 / (a.syn_flows - 1000)
            mem_rows.append((label, per_flow, n.rss_kb, b.rss_kb))
            syn_runs += [b, n]

    # record clients on >= 10 M records: real ra/rasort/racluster, and argus-rs's when it has them
    rec_runs: list[Run] = []
    ra_print = ROOT / "bench" / "ra_print.py"
    big: Path | None = None
    small: Path | None = None
    nrec = nsmall = 0
    if real_argus and not a.no_real and not a.no_records:
        big, nrec = records_file(real_argus, mix, a.records)
        warm(big)
        cases = [
            ("sort (issue 5)", "rasort", ["-m", "bytes", "-w", "/dev/null"]),
            ("aggregate (issue 5)", "racluster", ["-w", "/dev/null"]),
            ("print (issue 4)", "ra", ["-n"]),
            ("filter + print (issue 4)", "ra", ["-n", "-", "tcp and dst port 443"]),
        ]
        if ra_print.exists():
            cases = [c for c in cases if c[1] != "ra"]  # bench/ra_print.py measures ra
        # the Python analytics hold every record in memory (~2 KB each): a smaller file for sort/aggregate
        small, nsmall = records_file(real_argus, mix, a.analytics_records)
        for what, tool, args in cases:
            real = shutil.which(tool)
            # the argus-rs commands stream their input: the full record file, as ra
            streams = tool == "ra" or tool in argus_rs_commands()
            src, nsrc = (big, nrec) if streams else (small, nsmall)
            if real:
                rec_runs.append(measure(f"{what}: real {tool}", [real, "-r", str(src), *args], nsrc, a.repeat))
            if tool in argus_rs_commands():
                rec_runs.append(
                    measure(f"{what}: argus-rs {tool}", [argus_rs, tool, "-r", str(src), *args], nsrc, a.repeat)
                )
            elif tool in ANALYTICS and has_analytics(py):
                rec_runs.append(
                    measure(f"{what}: argus_rs.analytics.{tool} (Python)", [py, "-c", ANALYTICS[tool], str(src)], nsrc)
                )
            else:
                skipped.append((f"{what}: argus-rs {tool}", f"argus-rs has no {tool} command yet"))
    else:
        skipped.append(("record clients", "need real argus to write the records (--no-real / --no-records)"))
    # bench/ra_print.py (issue 4) measures print and filter + print, ours and real ra, on the same records
    ra_print_out = ""
    if ra_print.exists() and big:
        log(f"running {ra_print}")
        env = {**os.environ, "BENCH_RECORDS": str(big)}
        res = subprocess.run(
            [py, str(ra_print), "--repeat", str(a.repeat)],
            cwd=ROOT,
            check=False,
            env=env,
            capture_output=True,
            text=True,
        )
        ra_print_out = res.stdout + (
            f"\n(exit {res.returncode}: {res.stderr.strip()[-300:]})" if res.returncode else ""
        )
    elif not ra_print.exists():
        skipped.append(("bench/ra_print.py (issue 4)", "not there yet"))
    load_after = os.getloadavg()

    # --- report ---
    walk = runs[0]
    print()
    print(f"input: {mix.name}: {npk:,} packets, {mix_info['flows']:,} flows, {mix_info['file_bytes']:,} bytes")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}; {machine()}")
    print()
    print(
        "| command | packets | CPU s | packets / CPU s | wall s | packets / wall s | peak RSS MB "
        "| x argus (CPU) | walk / this (CPU) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        vs_argus = f"{r.pps_cpu / argus_run.pps_cpu:.2f}" if argus_run and argus_run.pps_cpu and r.pps_cpu else ""
        vs_walk = f"{walk.pps_cpu / r.pps_cpu:.2f}" if r.pps_cpu else ""
        print(
            f"| {r.label} | {r.packets:,} | {r.cpu:.2f} | {fmt_rate(r.pps_cpu)} | {r.wall:.2f} "
            f"| {fmt_rate(r.pps_wall)} | {r.rss_kb / 1024:.0f} | {vs_argus} | {vs_walk} |"
        )
    if mem_rows:
        print()
        print("| memory per open flow (SYN-only) | bytes / flow | peak RSS MB at N | at 1000 flows |")
        print("|---|---:|---:|---:|")
        for label, per_flow, n_kb, b_kb in mem_rows:
            print(f"| {label} ({a.syn_flows:,} flows) | {per_flow:.0f} | {n_kb / 1024:.0f} | {b_kb / 1024:.0f} |")
        if len(mem_rows) == 2:
            print(f"\nargus-rs / real argus bytes per flow: {mem_rows[0][1] / mem_rows[1][1]:.2f}")
    if rec_runs and big and small:
        print()
        print(f"records: {big.name}: {nrec:,} records (ra); {small.name}: {nsmall:,} records (sort, aggregate)")
        print()
        print("| command | records | CPU s | records / CPU s | wall s | peak RSS MB |")
        print("|---|---:|---:|---:|---:|---:|")
        for r in rec_runs:
            print(
                f"| {r.label} | {r.packets:,} | {r.cpu:.2f} | {fmt_rate(r.pps_cpu)} | {r.wall:.2f} "
                f"| {r.rss_kb / 1024:.0f} |"
            )
    if ra_print_out:
        print(f"\nbench/ra_print.py on {big.name if big else ''}:\n")
        print(ra_print_out)
    for r in syn_runs:
        if r.packets == 1000:
            print(f"\nstartup (1000-packet capture): {r.name.split(' SYN')[0]} {r.cpu:.2f} CPU s, {r.wall:.2f} wall s")
    for r in runs + syn_runs + rec_runs:
        if r.note:
            print(f"\nnote, {r.name}: {r.note}")
    if skipped:
        print()
        for name, why in skipped:
            print(f"skipped: {name}: {why}")
    if a.json:
        a.json.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "load_before": load_before,
                    "load_after": load_after,
                    "input": mix_info,
                    "runs": [r.__dict__ for r in runs + syn_runs + rec_runs],
                    "memory_per_flow": mem_rows,
                    "skipped": skipped,
                },
                indent=1,
            )
        )
    return 0 if all(r.rc == 0 for r in runs + syn_runs + rec_runs) else 1


if __name__ == "__main__":
    sys.exit(main())
