"""argus.conf: every directive of reference §1.4 recognised, values checked, errors as ``FILE:LINE:``.

Real argus is the oracle for accept/reject: a file using every directive is accepted by both
(real argus writes its output), and the syntax errors argus knows (unterminated quote, a
back-quoted command other than hostname) are rejected by both (real argus writes no output).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

import oracle
from argus_rs.conf import CONF_VARIABLES, ConfError, parse_conf
from argus_rs.conf_directives import DIRECTIVES
from conftest import REPO_ROOT, RunCli

SPEC = REPO_ROOT.parent / "shared" / "spec" / "argus3-reference.md"

#: reference §1.4, the complete list recognised by argus 3.0.8.2
_SPEC_TEXT = """
ARGUS_DAEMON ARGUS_MONITOR_ID ARGUS_ACCESS_PORT ARGUS_BIND_IP ARGUS_INTERFACE ARGUS_OUTPUT_FILE
ARGUS_OUTPUT_STREAM ARGUS_SET_PID ARGUS_PID_PATH ARGUS_GO_PROMISCUOUS ARGUS_FLOW_STATUS_INTERVAL
ARGUS_MAR_STATUS_INTERVAL ARGUS_CAPTURE_DATA_LEN ARGUS_GENERATE_START_RECORDS
ARGUS_GENERATE_RESPONSE_TIME_DATA ARGUS_GENERATE_JITTER_DATA ARGUS_GENERATE_MAC_DATA ARGUS_DEBUG_LEVEL
ARGUS_FILTER_OPTIMIZER ARGUS_FILTER ARGUS_PACKET_CAPTURE_FILE ARGUS_PACKET_CAPTURE_ON_ERROR ARGUS_MIN_SSF
ARGUS_MAX_SSF ARGUS_COLLECTOR ARGUS_FLOW_TYPE ARGUS_FLOW_KEY ARGUS_GENERATE_APPBYTE_METRIC ARGUS_CHROOT_DIR
ARGUS_SETUSER_ID ARGUS_SETGROUP_ID ARGUS_GENERATE_TCP_PERF_METRIC ARGUS_GENERATE_BIDIRECTIONAL_TIMESTAMPS
ARGUS_GENERATE_PACKET_SIZE ARGUS_ENV ARGUS_CAPTURE_FULL_CONTROL_DATA ARGUS_SELF_SYNCHRONIZE ARGUS_EVENT_DATA
ARGUS_JITTER_HISTOGRAM ARGUS_KEYSTROKE ARGUS_KEYSTROKE_CONF ARGUS_TUNNEL_DISCOVERY ARGUS_IP_TIMEOUT
ARGUS_TCP_TIMEOUT ARGUS_ICMP_TIMEOUT ARGUS_IGMP_TIMEOUT ARGUS_FRAG_TIMEOUT ARGUS_ARP_TIMEOUT
ARGUS_OTHER_TIMEOUT ARGUS_TRACK_DUPLICATES ARGUS_PCAP_BUF_SIZE
"""
SPEC_DIRECTIVES = _SPEC_TEXT.split()

#: a value of each directive that real argus and argus-rs both accept (offline, harmless)
GOOD = {
    "ARGUS_DAEMON": "no",
    "ARGUS_MONITOR_ID": "`hostname`",
    "ARGUS_ACCESS_PORT": "0",
    "ARGUS_BIND_IP": '"127.0.0.1,::1"',
    "ARGUS_INTERFACE": "lo",
    "ARGUS_OUTPUT_FILE": "{out}",
    "ARGUS_SET_PID": "no",
    "ARGUS_PID_PATH": '"/var/run"',
    "ARGUS_GO_PROMISCUOUS": "yes",
    "ARGUS_FLOW_STATUS_INTERVAL": "5",
    "ARGUS_MAR_STATUS_INTERVAL": "60",
    "ARGUS_CAPTURE_DATA_LEN": "0",
    "ARGUS_GENERATE_START_RECORDS": "no",
    "ARGUS_GENERATE_RESPONSE_TIME_DATA": "no",
    "ARGUS_GENERATE_JITTER_DATA": "no",
    "ARGUS_GENERATE_MAC_DATA": "no",
    "ARGUS_DEBUG_LEVEL": "0",
    "ARGUS_FILTER_OPTIMIZER": "yes",
    "ARGUS_FILTER": '"tcp"',
    "ARGUS_PACKET_CAPTURE_ON_ERROR": "no",
    "ARGUS_MIN_SSF": "40",
    "ARGUS_MAX_SSF": "128",
    "ARGUS_COLLECTOR": "yes",
    "ARGUS_FLOW_TYPE": "Bidirectional",
    "ARGUS_FLOW_KEY": "CLASSIC_5_TUPLE",
    "ARGUS_GENERATE_APPBYTE_METRIC": "no",
    "ARGUS_GENERATE_TCP_PERF_METRIC": "yes",
    "ARGUS_GENERATE_BIDIRECTIONAL_TIMESTAMPS": "no",
    "ARGUS_GENERATE_PACKET_SIZE": "no",
    "ARGUS_ENV": '"TZ=UTC"',
    "ARGUS_CAPTURE_FULL_CONTROL_DATA": "no",
    "ARGUS_SELF_SYNCHRONIZE": "no",
    "ARGUS_JITTER_HISTOGRAM": "no",
    "ARGUS_KEYSTROKE": "no",
    "ARGUS_KEYSTROKE_CONF": '"DC_MIN=48;DC_MAX=128;ICR_MIN=0.892"',
    "ARGUS_TUNNEL_DISCOVERY": "no",
    "ARGUS_IP_TIMEOUT": "30",
    "ARGUS_TCP_TIMEOUT": "60",
    "ARGUS_ICMP_TIMEOUT": "5",
    "ARGUS_IGMP_TIMEOUT": "30",
    "ARGUS_FRAG_TIMEOUT": "5",
    "ARGUS_ARP_TIMEOUT": "5",
    "ARGUS_OTHER_TIMEOUT": "30",
    "ARGUS_TRACK_DUPLICATES": "no",
    "ARGUS_PCAP_BUF_SIZE": "8M",
}

#: values argus-rs rejects (real argus takes most of them silently, as atoi/strncmp would)
BAD = {
    "ARGUS_DAEMON": "maybe",
    "ARGUS_MONITOR_ID": '"abc',
    "ARGUS_ACCESS_PORT": "70000",
    "ARGUS_BIND_IP": "not an address!",
    "ARGUS_OUTPUT_STREAM": "/tmp/x",
    "ARGUS_SET_PID": "2",
    "ARGUS_FLOW_STATUS_INTERVAL": "abc",
    "ARGUS_CAPTURE_DATA_LEN": "-1",
    "ARGUS_DEBUG_LEVEL": "high",
    "ARGUS_MIN_SSF": "x",
    "ARGUS_FLOW_TYPE": "sideways",
    "ARGUS_FLOW_KEY": "FOO",
    "ARGUS_SETUSER_ID": "bad user",
    "ARGUS_ENV": "novalue",
    "ARGUS_EVENT_DATA": "mail:x:1",
    "ARGUS_KEYSTROKE": "maybe",
    "ARGUS_KEYSTROKE_CONF": "FOO=1",
    "ARGUS_TCP_TIMEOUT": "-5",
    "ARGUS_PCAP_BUF_SIZE": "8Q",
}


def test_every_spec_directive_is_recognised() -> None:
    assert set(SPEC_DIRECTIVES) == set(CONF_VARIABLES) == set(DIRECTIVES)
    assert len(SPEC_DIRECTIVES) == 51


@pytest.mark.skipif(not SPEC.is_file(), reason=f"spec not found at {SPEC}")
def test_list_matches_the_spec_table() -> None:
    text = SPEC.read_text()
    section = text[text.index("### 1.4") : text.index("### 1.5")]
    assert set(re.findall(r"`(ARGUS_[A-Z_0-9]+)`", section)) == set(CONF_VARIABLES)


def test_docs_table_names_every_directive() -> None:
    doc = (REPO_ROOT / "docs" / "conf.md").read_text()
    for name in CONF_VARIABLES:
        assert f"`{name}`" in doc, name


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_value_is_one_error_with_file_and_line(run_cli: RunCli, demo_pcap: Path, tmp_path: Path, name: str) -> None:
    conf = tmp_path / "argus.conf"
    conf.write_text(f"# comment\nARGUS_FLOW_STATUS_INTERVAL=5\n{name}={BAD[name]}\n")
    proc = run_cli(["argus", "-F", conf, "-r", demo_pcap, "-w", tmp_path / "x.argus"])
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert f"{conf}:3: " in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x.argus").exists()


def test_unknown_directive_names_file_and_line() -> None:
    with pytest.raises(ConfError, match=r"^x.conf:2: unknown variable 'ARGUS_FLOW_STAUTS'"):
        parse_conf("ARGUS_DAEMON=no\nARGUS_FLOW_STAUTS=3\n", "x.conf")


def test_command_line_wins_over_the_file(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    conf = tmp_path / "argus.conf"
    conf.write_text(f"ARGUS_MONITOR_ID=1\nARGUS_OUTPUT_FILE={tmp_path / 'conf.argus'}\n")
    out = tmp_path / "cli.argus"
    proc = run_cli(["argus", "-F", conf, "-e", "2", "-r", demo_pcap, "-w", out])
    assert proc.returncode == 0, proc.stderr
    assert out.exists()
    assert not (tmp_path / "conf.argus").exists()
    from argus_rs import read_argus

    assert set(read_argus(out)["srcid"].to_list()) == {"0.0.0.2"}


@oracle.needs_real_argus
def test_full_file_accepted_like_real_argus(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    texts = {}
    for who in ("ours", "real"):
        out = tmp_path / f"{who}.argus"
        body = "".join(f"{name}={value.format(out=out)}\n" for name, value in GOOD.items())
        conf = tmp_path / f"{who}.conf"
        conf.write_text(body)
        texts[who] = out
        if who == "ours":
            proc = run_cli(["argus", "-F", conf, "-r", demo_pcap])
            assert proc.returncode == 0, proc.stderr
        else:
            subprocess.run(["argus", "-F", conf, "-r", demo_pcap], capture_output=True, timeout=60, check=False)
    rows = {
        who: oracle.ra_rows(path, ["proto", "saddr", "daddr", "spkts", "dpkts"], precision=None)
        for who, path in texts.items()
    }
    assert rows["real"], "real argus wrote nothing: it no longer accepts the file"
    assert sorted(rows["ours"] or []) == sorted(rows["real"])


@oracle.needs_real_argus
@pytest.mark.parametrize("line", ['ARGUS_FILTER="ip', "ARGUS_MONITOR_ID=`date`"])
def test_rejected_like_real_argus(run_cli: RunCli, demo_pcap: Path, tmp_path: Path, line: str) -> None:
    conf = tmp_path / "argus.conf"
    conf.write_text(f"ARGUS_DAEMON=no\n{line}\n")
    real = tmp_path / "real.argus"
    proc = subprocess.run(
        ["argus", "-F", conf, "-r", demo_pcap, "-w", real], capture_output=True, text=True, timeout=60, check=False
    )
    assert "ArgusError" in proc.stderr, "real argus now accepts this line"
    assert not real.exists()
    ours = tmp_path / "ours.argus"
    mine = run_cli(["argus", "-F", conf, "-r", demo_pcap, "-w", ours])
    assert mine.returncode == 2
    assert mine.stderr.count("\n") == 1
    assert f"{conf}:2: " in mine.stderr
    assert not ours.exists()


def test_example_conf_is_valid() -> None:
    """packaging/argus.conf: every line parses and every value passes its directive's check."""
    from argus_rs.options import to_core_options

    path = REPO_ROOT / "packaging" / "argus.conf"
    settings = parse_conf(path.read_text(), str(path))
    assert len(settings) > 20
    for item in settings:
        directive = DIRECTIVES[item.name]
        if directive.status == "core":
            to_core_options(**{directive.field: item.value})
        else:
            directive.parse(item.name, item.value)
