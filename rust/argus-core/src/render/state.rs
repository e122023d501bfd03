//! The `state` column (spec §2.3).

use crate::flow::key::KeyKind;
use crate::flow::tcp::{CON_ESTABLISHED, FIN, FIN_ACK, NORMAL_CLOSE, RESET, SAW_SYN, SAW_SYN_SENT};
use crate::record::{Cause, FlowRecord};

pub fn state(r: &FlowRecord) -> String {
    if r.cause == Cause::Error {
        return "ERR".into();
    }
    match r.key.kind {
        KeyKind::Ipv4 | KeyKind::Ipv6 => match r.key.proto {
            6 => match r.tcp_status {
                Some(st) if st != 0 => tcp(st, r).into(),
                // No TCP object (rastrip -M -net) or no status bits: ra's
                // ArgusGetTCPStatus goes by the packet counts alone.
                _ => if r.src.pkts > 0 && r.dst.pkts > 0 {
                    "CON"
                } else {
                    "INT"
                }
                .into(),
            },
            1 => icmp_v4(r),
            58 => icmp_v6(r.key.pa).into(),
            _ => generic(r).into(),
        },
        // An ICMPv6 fragment flow: ra reads the type and code from the
        // fragment id's bytes in the key.
        KeyKind::Ipv6Frag if r.key.proto == 58 => {
            icmp_v6(crate::flow::key::ipv6_fragment_ports(&r.key).0).into()
        }
        KeyKind::Arp | KeyKind::Rarp => arp(r),
        _ => generic(r).into(),
    }
}

/// ra tests `hdr.type & ARGUS_START` for ARP flows, and a flow record's type
/// (ARGUS_FAR, 0x10) always has that bit: a request-only ARP flow is INT in
/// every record, never REQ.
fn arp(r: &FlowRecord) -> String {
    if r.src.pkts > 0 && r.dst.pkts > 0 {
        "CON"
    } else if r.src.pkts > 0 {
        "INT"
    } else {
        "RSP"
    }
    .into()
}

fn tcp(st: u32, r: &FlowRecord) -> &'static str {
    if st & RESET != 0 {
        "RST"
    } else if st & (FIN | FIN_ACK) != 0 {
        "FIN"
    } else if st & NORMAL_CLOSE != 0 {
        "CLO"
    } else if (r.cause as u8) & 0x40 != 0 {
        "TIM"
    } else if st & CON_ESTABLISHED != 0 {
        "CON"
    } else if st & SAW_SYN_SENT != 0 {
        "ACC"
    } else if st & SAW_SYN != 0 {
        "REQ"
    } else if st == 0 && (r.src.pkts == 0 || r.dst.pkts == 0) {
        "INT"
    } else {
        "CON"
    }
}

/// UDP, other IP, ARP and non-IP flows.
fn generic(r: &FlowRecord) -> &'static str {
    if r.src.pkts > 0 && r.dst.pkts > 0 {
        "CON"
    } else if r.src.pkts > 0 {
        if (r.cause as u8) & 0x10 != 0 {
            "INT"
        } else {
            "REQ"
        }
    } else {
        "RSP"
    }
}

fn icmp_v4(r: &FlowRecord) -> String {
    let (t, code) = r
        .icmp_event
        .unwrap_or(((r.key.pa & 0xff) as u8, (r.key.pa >> 8) as u8));
    let s: &str = match t {
        0 => "ECR",
        8 => "ECO",
        3 => {
            let suffix = [
                "N", "H", "O", "P", "F", "S", "NU", "HU", "ISO", "NPRO", "HPRO", "NTOS", "HTOS",
                "FIL", "PRE", "CUT",
            ];
            return format!("UR{}", suffix.get(usize::from(code)).copied().unwrap_or(""));
        }
        4 => "SRC",
        5 => "RED",
        6 => "AHA",
        9 => "RTA",
        10 => "RTS",
        11 => "TXD",
        12 => "PAR",
        13 => "TST",
        14 => "TSR",
        15 => "IRQ",
        16 => "IRR",
        17 => "MAS",
        18 => "MSR",
        19 => "SEC",
        20..=29 => "ROB",
        30 => "TRC",
        31 => "DCE",
        32 => "MHR",
        33 => "WAY",
        34 => "IAH",
        35 => "MRQ",
        36 => "MRP",
        37 => "DNQ",
        38 => "DNP",
        39 => "SKP",
        40 => "PHO",
        41 => "NRS",
        42 => "NRA",
        43 => "NNS",
        44 => "NNA",
        45 => "PTB",
        1 | 2 | 7 => "",
        _ => "UNK",
    };
    s.into()
}

/// `type_code`: the key's type/code word (type in the low byte).
fn icmp_v6(type_code: u16) -> &'static str {
    let t = (type_code & 0xff) as u8;
    let code = (type_code >> 8) as u8;
    match t {
        128 => "ECO",
        129 => "ECR",
        130 => "MRQ",
        131 | 143 => "MHR",
        133 => "NRS",
        134 => "NRA",
        135 => "NNS",
        136 => "NNA",
        137 => "RED",
        2 => "PTB",
        1 => match code {
            0 => "URNR",
            1 => "URAD",
            2 => "URBS",
            3 => "URAR",
            4 => "URP",
            5 => "URSF",
            6 => "URRR",
            7 => "URES",
            _ => "UNK",
        },
        // ra names only the codes it knows; any other code stays "UNK".
        3 => match code {
            0 => "TXT",
            1 => "TXR",
            _ => "UNK",
        },
        4 => match code {
            0 => "PPH",
            1 => "PPNH",
            2 => "PPO",
            _ => "UNK",
        },
        _ => "UNK",
    }
}
