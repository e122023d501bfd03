"""ra's rarc files (argus_rs.rarc) and command line (argus_rs.cli.ra_argv), without real ra.

tests/test_ra_cli.py runs rarc files through real ra and ours and compares the output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from argus_rs.cli._common import CliError
from argus_rs.cli.ra_argv import parse
from argus_rs.rarc import RaConfig, RarcError, apply_rarc, default_rarc_files, parse_rarc


def test_parse_rarc() -> None:
    text = (
        "# comment\n"
        "  ! also a comment\n"
        "\n"
        'RA_FIELD_SPECIFIER="stime saddr,daddr"\n'
        "RA_PRINT_LABELS=\n"  # empty: left alone
        "RA_USEC_PRECISION=3\n"
        "RA_FILTER=tcp and \\\n"
        "   port 80\n"
        "RA_FIELD_DELIMITER='\\t'\n"
    )
    settings = parse_rarc(text, "x.rarc")
    assert [(line, name) for line, name, _ in settings] == [
        (4, "RA_FIELD_SPECIFIER"),
        (6, "RA_USEC_PRECISION"),
        (8, "RA_FILTER"),
        (9, "RA_FIELD_DELIMITER"),
    ]
    config = RaConfig()
    apply_rarc(config, settings, "x.rarc")
    assert config.field_words == [["stime", "saddr", "daddr"]]
    assert config.precision == 3
    assert config.filter_text == "tcp and  port 80"
    assert config.separator == "\t"
    assert config.labels == -1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("RA_NOT_A_THING=1", "x.rarc: syntax error line 2"),
        ("RA_PRINT_LABELS = 0", "x.rarc: syntax error line 2"),  # the name must touch its "="
        ("RADIUM_DAEMON=yes", "radium directive"),
        ("RA_TIMERANGE=2019", "needs a range"),
    ],
)
def test_rarc_errors(line: str, message: str) -> None:
    with pytest.raises(RarcError, match=message):
        apply_rarc(RaConfig(), parse_rarc(f"# first\n{line}\n", "x.rarc"), "x.rarc")


def test_search_order(tmp_path: Path) -> None:
    home, argushome, path1, path2 = (tmp_path / n for n in ("home", "argushome", "p1", "p2"))
    for d in (home, argushome, path1, path2):
        d.mkdir()
    (home / ".rarc").write_text("")
    (argushome / ".rarc").write_text("")
    (argushome / "ra.conf").write_text("")
    (path2 / ".rarc").write_text("")
    system = [Path("/etc/ra.conf")] if Path("/etc/ra.conf").exists() else []
    env = {"HOME": str(home), "ARGUSHOME": str(argushome)}
    assert default_rarc_files(env) == [*system, argushome / "ra.conf", home / ".rarc"]
    env["ARGUSPATH"] = f"{path1}:{path2}"
    assert default_rarc_files(env) == [*system, argushome / "ra.conf", path2 / ".rarc"]
    assert default_rarc_files({"ARGUSHOME": str(argushome)}) == [*system, argushome / "ra.conf", argushome / ".rarc"]


def test_command_line_grammar(tmp_path: Path) -> None:
    rc = tmp_path / "rc"
    rc.write_text("RA_USEC_PRECISION=2\nRA_PRINT_LABELS=-1\n")
    args = parse(
        ["-nn", "-r", "a", "b", "-Zb", "-L0", "-s", "-dur", "+proto", "tcp", "-F", str(rc), "-p", "4", "-"],
        read_defaults=False,
    )
    c = args.config
    assert c.inputs == ["a", "b"]
    assert c.nflag == 3
    assert c.flags_z == "b"
    assert c.labels == 0  # -L0 then the rarc's RA_PRINT_LABELS=-1 (0 = none)
    assert c.precision == 4  # -p after -F wins
    assert c.field_words == [["-dur", "+proto", "tcp"]]  # -s takes the bare words that follow it
    assert args.filter_words == []
    args = parse(["-X", "udp", "-r", "f", "-w", "out", "port 53", "-", "and", "not", "icmp"], read_defaults=False)
    # getopt moves the bare words to the end in their order; only a leading - is dropped (as ra)
    assert args.filter_words == ["udp", "-", "and", "not", "icmp"]
    assert args.config.outputs == [("out", "port 53")]
    args = parse(["-n", "-n", "-n", "-n", "-N", "o3-9", "-t", "2019", "-", "2020", "-X"], read_defaults=False)
    assert args.config.nflag == 1  # -X resets
    assert args.config.output_n == (0, 0)
    args = parse(["-N", "o3-9", "-t", "2019", "-", "2020"], read_defaults=False)
    assert args.config.output_n == (3, 9)
    assert args.config.time_range == "2019-2020"
    with pytest.raises(CliError):
        parse(["-k"], read_defaults=False)
    with pytest.raises(CliError):
        parse(["-N", "abc"], read_defaults=False)
