"""argus_rs.options: argus.conf-style names and values -> the core's option dict."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from argus_rs import options
from argus_rs.options import (
    FLOW_KEYS,
    OPTION_NAMES,
    normalize_name,
    parse_bool,
    parse_flow_key,
    parse_flow_type,
    parse_monitor_id,
    to_core_options,
)

CORE_NAMES = {
    "status_interval",
    "mar_interval",
    "tcp_timeout",
    "ip_timeout",
    "icmp_timeout",
    "igmp_timeout",
    "frag_timeout",
    "arp_timeout",
    "other_timeout",
    "appbytes",
    "jitter",
    "mac",
    "packet_size",
    "user_data_len",
    "start_records",
    "unidirectional",
    "flow_key",
    "tcp_perf",
    "bidirectional_timestamps",
    "monitor_id",
    "monitor_id_kind",
    "track_duplicates",
    "max_flows",
    "max_flow_memory",
}


def test_empty() -> None:
    assert to_core_options() == {}


def test_none_means_unset() -> None:
    assert to_core_options(flow_status_interval=None, monitor_id=None) == {}


def test_every_option_maps_to_a_core_name() -> None:
    values: dict[str, object] = {
        "flow_status_interval": 5,
        "mar_status_interval": 60,
        "tcp_timeout": 60,
        "ip_timeout": 30,
        "icmp_timeout": 5,
        "igmp_timeout": 30,
        "frag_timeout": 5,
        "arp_timeout": 5,
        "other_timeout": 30,
        "generate_appbyte_metric": "yes",
        "generate_jitter_data": "yes",
        "generate_mac_data": "yes",
        "generate_packet_size": "yes",
        "capture_data_len": 64,
        "generate_start_records": "yes",
        "flow_type": "Unidirectional",
        "flow_key": "CLASSIC_5_TUPLE",
        "generate_tcp_perf_metric": "no",
        "generate_bidirectional_timestamps": "yes",
        "monitor_id": "10.0.0.1",
        "track_duplicates": "yes",
        "max_flows": "1000",
        "max_flow_memory": "64M",
    }
    assert set(values) == set(OPTION_NAMES)
    core = to_core_options(**values)
    assert set(core) == CORE_NAMES
    assert core == {
        "status_interval": 5.0,
        "mar_interval": 60.0,
        "tcp_timeout": 60.0,
        "ip_timeout": 30.0,
        "icmp_timeout": 5.0,
        "igmp_timeout": 30.0,
        "frag_timeout": 5.0,
        "arp_timeout": 5.0,
        "other_timeout": 30.0,
        "appbytes": True,
        "jitter": True,
        "mac": True,
        "packet_size": True,
        "user_data_len": 64,
        "start_records": True,
        "unidirectional": True,
        "flow_key": ["CLASSIC_5_TUPLE"],
        "tcp_perf": False,
        "bidirectional_timestamps": True,
        "monitor_id": 0x0A000001,
        "monitor_id_kind": "ipv4",
        "track_duplicates": True,
        "max_flows": 1000,
        "max_flow_memory": 64_000_000,
    }


def test_core_value_types() -> None:
    core = to_core_options(flow_status_interval="1.5", capture_data_len="128", generate_mac_data=1)
    assert core == {"status_interval": 1.5, "user_data_len": 128, "mac": True}
    assert type(core["status_interval"]) is float
    assert type(core["user_data_len"]) is int
    assert type(core["mac"]) is bool


# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ARGUS_FLOW_KEY", "argus_flow_key", "Flow_Key", "flow_key", " FLOW_KEY "])
def test_argus_conf_spellings(name: str) -> None:
    assert normalize_name(name) == "flow_key"
    assert options.options_from_items([(name, "VLAN")]) == {"flow_key": ["VLAN"]}


def test_directive_as_keyword() -> None:
    assert to_core_options(ARGUS_FLOW_STATUS_INTERVAL="10") == {"status_interval": 10.0}


def test_unknown_option_suggests() -> None:
    with pytest.raises(ValueError, match=r"unknown option 'flow_status_intervl'.*flow_status_interval"):
        to_core_options(flow_status_intervl=5)


def test_unknown_option_lists_known() -> None:
    with pytest.raises(ValueError, match=r"unknown option 'zzz'; known options: flow_status_interval"):
        to_core_options(zzz=1)


def test_core_name_is_not_a_user_name() -> None:
    with pytest.raises(ValueError, match="unknown option 'jitter'"):
        to_core_options(jitter=True)


def test_option_given_twice() -> None:
    with pytest.raises(ValueError, match="given twice"):
        to_core_options(flow_key="VLAN", ARGUS_FLOW_KEY="LAYER_2")


def test_error_is_one_line_naming_option_and_value() -> None:
    with pytest.raises(ValueError, match="tcp_timeout") as info:
        to_core_options(tcp_timeout="soon")
    message = str(info.value)
    assert "'soon'" in message
    assert "\n" not in message


# --- booleans ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, 1, "yes", "YES", "Yes", "y", "true", "on", "1", " yes "])
def test_bool_true(value: object) -> None:
    assert parse_bool("generate_mac_data", value) is True
    assert to_core_options(generate_mac_data=value) == {"mac": True}


@pytest.mark.parametrize("value", [False, 0, "no", "NO", "n", "false", "off", "0"])
def test_bool_false(value: object) -> None:
    assert parse_bool("generate_mac_data", value) is False
    assert to_core_options(generate_mac_data=value) == {"mac": False}


@pytest.mark.parametrize("value", ["maybe", "", 2, -1, 1.0, [], "yess no"])
def test_bool_bad(value: object) -> None:
    with pytest.raises(ValueError, match=r"invalid value for option generate_jitter_data: .*expected yes or no"):
        to_core_options(generate_jitter_data=value)


# --- seconds ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, 5.0), (0.5, 0.5), ("5", 5.0), ("2.5", 2.5), (" 60 ", 60.0), ("1e1", 10.0)],
)
def test_interval(value: object, expected: float) -> None:
    assert to_core_options(flow_status_interval=value) == {"status_interval": expected}
    assert to_core_options(mar_status_interval=value) == {"mar_interval": expected}


@pytest.mark.parametrize("value", [0, "0", -1, "-0.5", "abc", "", "nan", "inf", float("inf"), True, [5]])
def test_interval_bad(value: object) -> None:
    with pytest.raises(ValueError, match=r"invalid value for option flow_status_interval: .*seconds > 0"):
        to_core_options(flow_status_interval=value)


@pytest.mark.parametrize(
    "name",
    ["tcp_timeout", "ip_timeout", "icmp_timeout", "igmp_timeout", "frag_timeout", "arp_timeout", "other_timeout"],
)
def test_timeouts(name: str) -> None:
    assert to_core_options(**{name: "0"}) == {name: 0.0}
    assert to_core_options(**{name: 12.5}) == {name: 12.5}
    with pytest.raises(ValueError, match=rf"{name}: -1 .*seconds >= 0"):
        to_core_options(**{name: -1})


# --- capture_data_len -------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(0, 0), (64, 64), ("480", 480), (65535, 65535)])
def test_capture_data_len(value: object, expected: int) -> None:
    assert to_core_options(capture_data_len=value) == {"user_data_len": expected}


@pytest.mark.parametrize("value", [-1, 65536, "1.5", "ten", 2.0, True, "-3"])
def test_capture_data_len_bad(value: object) -> None:
    with pytest.raises(ValueError, match="capture_data_len"):
        to_core_options(capture_data_len=value)


# --- flow_type --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unidirectional"),
    [
        ("Bidirectional", False),
        ("bidirectional", False),
        ("Bi", False),
        ("BIDIR", False),
        ("Unidirectional", True),
        ("uni", True),
        ("UNIDIRECTIONAL", True),
    ],
)
def test_flow_type(value: str, unidirectional: bool) -> None:
    assert parse_flow_type("flow_type", value) is unidirectional
    assert to_core_options(flow_type=value) == {"unidirectional": unidirectional}


@pytest.mark.parametrize("value", ["B", "U", "un", "both", "", True, 1])
def test_flow_type_bad(value: object) -> None:
    with pytest.raises(ValueError, match=r"flow_type: .*Bidirectional or Unidirectional"):
        to_core_options(flow_type=value)


# --- flow_key ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("CLASSIC_5_TUPLE", ["CLASSIC_5_TUPLE"]),
        ("CLASSIC_5_TUPLE+VLAN", ["CLASSIC_5_TUPLE", "VLAN"]),
        ("LAYER_2 VLAN", ["LAYER_2", "VLAN"]),
        ("LAYER_2 + LOCAL_MPLS", ["LAYER_2", "LOCAL_MPLS"]),
        ("layer_3_matrix", ["LAYER_3_MATRIX"]),
        (["LAYER_2_MATRIX", "COMPLETE_MPLS"], ["LAYER_2_MATRIX", "COMPLETE_MPLS"]),
        (("VLAN+LAYER_2",), ["VLAN", "LAYER_2"]),
        ("VLAN+VLAN", ["VLAN"]),
    ],
)
def test_flow_key(value: object, expected: list[str]) -> None:
    assert parse_flow_key("flow_key", value) == expected
    assert to_core_options(flow_key=value) == {"flow_key": expected}


def test_flow_key_knows_every_argus_key() -> None:
    assert to_core_options(flow_key="+".join(FLOW_KEYS)) == {"flow_key": list(FLOW_KEYS)}


@pytest.mark.parametrize("value", ["", "+", "FIVE_TUPLE", "CLASSIC_5_TUPLE+BOGUS", [], [1], 5])
def test_flow_key_bad(value: object) -> None:
    with pytest.raises(ValueError, match="flow_key"):
        to_core_options(flow_key=value)


def test_flow_key_error_names_bad_part() -> None:
    with pytest.raises(ValueError, match="unknown flow key 'BOGUS'"):
        to_core_options(flow_key="CLASSIC_5_TUPLE+BOGUS")


# --- monitor_id (Argus -e) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected", "kind"),
    [
        (0, 0, "int"),
        (42, 42, "int"),
        ("42", 42, "int"),
        ("4294967295", 0xFFFFFFFF, "int"),
        ("10.0.0.1", 0x0A000001, "ipv4"),
        ("192.168.1.254", 0xC0A801FE, "ipv4"),
        ("255.255.255.255", 0xFFFFFFFF, "ipv4"),
        ('"abcd"', 0x61626364, "string"),
        ('"ab"', 0x61620000, "string"),
        ('"abcdefg"', 0x61626364, "string"),  # Argus cuts a string id to 4 characters
        ('"1234"', 0x31323334, "string"),  # quoted digits are a string
        ("abcd", 0x61626364, "string"),
        ("a", 0x61000000, "string"),
        ("ab1", 0x61623100, "string"),
    ],
)
def test_monitor_id(value: object, expected: int, kind: str) -> None:
    assert parse_monitor_id(value) == (expected, kind)
    assert to_core_options(monitor_id=value) == {"monitor_id": expected, "monitor_id_kind": kind}


@pytest.mark.parametrize("value", [-1, 2**32, "4294967296", "", '""', "!", "-5", "a b", True, 1.5])
def test_monitor_id_bad(value: object) -> None:
    with pytest.raises(ValueError, match="monitor_id"):
        to_core_options(monitor_id=value)


def _fake_getaddrinfo(table: dict[str, str]) -> Any:
    def getaddrinfo(host: str, port: object, family: int = 0, *args: object, **kwargs: object) -> list[Any]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (table[host], 0))]

    return getaddrinfo


def test_monitor_id_host_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _fake_getaddrinfo({"probe.example": "192.0.2.7"}))
    assert parse_monitor_id("probe.example") == (0xC0000207, "ipv4")


def test_monitor_id_unknown_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _fake_getaddrinfo({}))
    with pytest.raises(ValueError, match=r"monitor_id: 'no-such-probe'"):
        to_core_options(monitor_id="no-such-probe")


def test_monitor_id_short_name_is_a_string_not_a_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("no name lookup for a string id of up to 4 characters")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    assert parse_monitor_id("host") == (0x686F7374, "string")
