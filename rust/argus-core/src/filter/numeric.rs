//! Numeric primitives: attribute comparisons, ports, protocol numbers.

use super::keyword::by_dir;
use super::view::{FAM_ARP, FAM_ETHER, FAM_IPV4, FAM_IPV6, View};
use super::{Dir, Op, PortProto, Prim, ProtoQual, Value};
use crate::flow::key::KeyKind;

/// A numeric attribute (canonical names as the tuple form spells them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Ipid,
    Ttl,
    Tos,
    Dsb,
    Vid,
    Vpri,
    Mid,
    Bytes,
    Appbytes,
    Pkts,
    Trans,
    Tcpb,
    Seq,
    Nstroke,
    Spi,
    Encaps,
    Deldur,
    Delltime,
    Co,
    Asn,
    Dur,
    Avgdur,
    Rate,
    Load,
    Ploss,
    Pcr,
    Inter,
    Intpktact,
    Intpktidle,
    Jit,
    Jitact,
    Jitidle,
    /// `inter`/`intpkt*` followed by an integer (3.0.8: the source's active mean).
    InterInt,
    /// `jit*` followed by an integer (3.0.8: the source's active deviation).
    JitInt,
}

impl Field {
    pub fn from_name(s: &str) -> Option<Field> {
        use Field::*;
        Some(match s {
            "ipid" => Ipid,
            "ttl" => Ttl,
            "tos" => Tos,
            "dsb" => Dsb,
            "vid" => Vid,
            "vpri" => Vpri,
            "mid" => Mid,
            "bytes" => Bytes,
            "appbytes" => Appbytes,
            "pkts" => Pkts,
            "trans" => Trans,
            "tcpb" => Tcpb,
            "seq" => Seq,
            "nstroke" => Nstroke,
            "spi" => Spi,
            "encaps" => Encaps,
            "deldur" => Deldur,
            "delltime" => Delltime,
            "co" => Co,
            "asn" => Asn,
            "dur" => Dur,
            "avgdur" => Avgdur,
            "rate" => Rate,
            "load" => Load,
            "ploss" => Ploss,
            "pcr" => Pcr,
            "inter" => Inter,
            "intpktact" => Intpktact,
            "intpktidle" => Intpktidle,
            "jit" => Jit,
            "jitact" => Jitact,
            "jitidle" => Jitidle,
            "inter#int" => InterInt,
            "jit#int" => JitInt,
            _ => return None,
        })
    }

    /// Fields compared as floats (the others take an integer value).
    pub fn is_float(self) -> bool {
        use Field::*;
        matches!(
            self,
            Dur | Rate
                | Load
                | Ploss
                | Pcr
                | Inter
                | Intpktact
                | Intpktidle
                | Jit
                | Jitact
                | Jitidle
                | InterInt
                | JitInt
        )
    }
}

/// An integer comparison as ra's filter machine makes it: `None` is a load
/// from a missing DSR (-1), which fails every test, so `lt`/`lte` (compiled
/// as negated `gte`/`gt`) pass.
fn cmp(a: Option<i64>, op: Op, k: i64) -> bool {
    match op {
        Op::Eq => a == Some(k),
        Op::Gt => a.is_some_and(|a| a > k),
        Op::Ge => a.is_some_and(|a| a >= k),
        Op::Lt => a.is_none_or(|a| a < k),
        Op::Le => a.is_none_or(|a| a <= k),
    }
}

/// A masked comparison: `(a & m) op (k & m)`, with a missing value read as all ones.
fn mcmp(a: Option<u32>, mask: u32, op: Op, k: u32) -> bool {
    let a = a.unwrap_or(u32::MAX) & mask;
    cmp(Some(i64::from(a)), op, i64::from(k & mask))
}

/// ra's float tests: both sides rounded to 6 decimals (`-p 6`); zeros are
/// told apart by their sign.
fn fcmp(f: f32, op: Op, v: f32) -> bool {
    let p = 1e6f64;
    let r = |x: f32| (f64::from(x) * p).round() / p;
    let (a, b) = (r(f), r(v));
    let gt = a > b || (a == 0.0 && b == 0.0 && !a.is_sign_negative() && b.is_sign_negative());
    // with both zero, "less" holds unless +0 against -0
    let lt = a < b || (a == 0.0 && b == 0.0 && (a.is_sign_negative() || !b.is_sign_negative()));
    match op {
        Op::Eq => {
            (a - b).abs() <= 0.1f64.powi(7)
                && (a != 0.0 || a.is_sign_negative() == b.is_sign_negative())
        }
        Op::Gt => gt,
        Op::Le => !gt,
        Op::Lt => lt,
        Op::Ge => !lt,
    }
}

/// Does evaluating `p` leave -1 (a load from missing data) as ra's last
/// integer load? `None` when `p` loads no integer. Only primitives that end
/// with an unmasked load from a DSR a record may lack can leave it.
pub(crate) fn leaves_missing(p: &Prim, v: &View<'_>) -> Option<bool> {
    use Field::*;
    Some(match p {
        Prim::Cmp { field, dir, .. } => match field {
            Ttl | Tos => v.fam() == FAM_IPV4 && !v.ipattr(),
            Ipid => v.tcp() && !v.ipattr(),
            Tcpb => {
                let off = if *dir == Dir::Src { 36 } else { 84 };
                v.net_word(off).is_none()
            }
            Trans => v.r.pkts() == 0,
            Nstroke | Deldur | Delltime | Co | Asn => true,
            Dur | Rate | Load | Ploss | Inter | Intpktact | Intpktidle | Jit | Jitact | Jitidle
            | InterInt | JitInt => return None,
            _ => false,
        },
        Prim::Inode(_) => v.icmp_dsr().is_none(),
        Prim::Ether { .. } => v.mac().is_none(),
        _ => false,
    })
}

fn int(v: Value) -> u32 {
    match v {
        Value::Int(i) => i,
        Value::Float(f) => f as i64 as u32,
    }
}

fn float(v: Value) -> f32 {
    match v {
        Value::Int(i) => i as f32,
        Value::Float(f) => f,
    }
}

pub(crate) fn compare(field: Field, dir: Dir, op: Op, value: Value, v: &View<'_>) -> bool {
    use Field::*;
    // a float test fails (its negated forms pass) after a load of missing data
    let fcmp = |f: f32, op: Op, x: f32| {
        if v.a_missing.get() {
            matches!(op, Op::Lt | Op::Le)
        } else {
            fcmp(f, op, x)
        }
    };
    let k = i64::from(int(value));
    let r = &v.r;
    let int_dir = |s: Option<u64>, d: Option<u64>| {
        by_dir(
            dir,
            || cmp(s.map(|x| x as i64), op, k),
            || cmp(d.map(|x| x as i64), op, k),
        )
    };
    let attr = v.ipattr();
    let at = |src: bool, f: fn(&crate::record::DirMetrics) -> u64| {
        attr.then(|| f(if src { &r.src } else { &r.dst }))
    };
    match field {
        // ra holds the IP id byte-swapped (the sensor stores it in host order)
        Ipid => {
            v.tcp()
                && int_dir(
                    at(true, |m| u64::from(m.ip_id.swap_bytes())),
                    at(false, |m| u64::from(m.ip_id.swap_bytes())),
                )
        }
        Ttl => {
            v.fam() == FAM_IPV4
                && int_dir(
                    at(true, |m| u64::from(m.ttl)),
                    at(false, |m| u64::from(m.ttl)),
                )
        }
        Tos => {
            v.fam() == FAM_IPV4
                && int_dir(
                    at(true, |m| u64::from(m.tos)),
                    at(false, |m| u64::from(m.tos)),
                )
        }
        Dsb => {
            let t = |src: bool| at(src, |m| u64::from(m.tos)).map(|x| x as u32);
            let kk = int(value) << 2;
            v.fam() == FAM_IPV4
                && by_dir(
                    dir,
                    || mcmp(t(true), 0xfc, op, kk),
                    || mcmp(t(false), 0xfc, op, kk),
                )
        }
        Vid | Vpri => {
            // 3.0.8 tests equality whatever the comparison word
            let (mask, kk) = if field == Vid {
                (0x0fff, int(value))
            } else {
                (0xf000, int(value) << 12)
            };
            let tci = |t: Option<u16>| {
                if v.vlan() {
                    Some(u32::from(t.unwrap_or(0)))
                } else {
                    None
                }
            };
            by_dir(
                dir,
                || mcmp(tci(r.src.vlan_tci), mask, Op::Eq, kk),
                || mcmp(tci(r.dst.vlan_tci), mask, Op::Eq, kk),
            )
        }
        Mid => {
            let (a, b) = v.mpls_labels();
            let (a, b) = if v.mpls() {
                (Some(a), Some(b))
            } else {
                (None, None)
            };
            let kk = int(value) << 12;
            by_dir(
                dir,
                || mcmp(a, 0xffff_f000, op, kk),
                || mcmp(b, 0xffff_f000, op, kk),
            )
        }
        Bytes => int_dir(Some(r.src.bytes), Some(r.dst.bytes)),
        Pkts => int_dir(Some(r.src.pkts), Some(r.dst.pkts)),
        Appbytes => int_dir(Some(r.src.appbytes), Some(r.dst.appbytes)),
        Tcpb => int_dir(v.net_word(36).map(u64::from), v.net_word(84).map(u64::from)),
        Seq => cmp(Some(i64::from(r.seq)), op, k),
        Spi => {
            let spi = match r.key.kind {
                KeyKind::Ipv4 | KeyKind::Ipv6 => Some(i64::from(r.key.aux)),
                _ => None,
            };
            v.proto_is(50) && cmp(spi, op, k)
        }
        Encaps => {
            // the sensor always writes the ENCAPS DSR
            let kk = int(value);
            by_dir(
                dir,
                || mcmp(Some(r.src.encaps), kk, Op::Eq, kk),
                || mcmp(Some(r.dst.encaps), kk, Op::Eq, kk),
            )
        }
        // ra gives every record with packets an aggregation DSR of count 1
        Trans => cmp((r.pkts() > 0).then_some(1), op, k),
        // behaviour, correlation, country-code and AS DSRs are never in sensor records
        Deldur | Delltime => cmp(None, op, k),
        Nstroke | Co | Asn => by_dir(dir, || cmp(None, op, k), || cmp(None, op, k)),
        Dur => fcmp(v.dur(), op, float(value)),
        Rate | Load => {
            let pick = |src: bool| {
                let (rate, load) = v.rate_load(src);
                if field == Rate { rate } else { load }
            };
            let f = float(value);
            by_dir(dir, || fcmp(pick(true), op, f), || fcmp(pick(false), op, f))
        }
        // ra never fills in the loss percentages of a record it reads
        Ploss => {
            let f = float(value);
            by_dir(dir, || fcmp(0.0, op, f), || fcmp(0.0, op, f))
        }
        // the record-type test before it reloads the integer register
        Pcr => self::fcmp(v.pcr(), op, float(value)),
        // an 8-byte load over the unset mean and the ratio beside it
        Avgdur => {
            let a = (u64::from(v.pcr().to_bits()) << 32) as i64;
            cmp(Some(a), op, k)
        }
        Inter | Intpktact | Intpktidle | Jit | Jitact | Jitidle => {
            let stdev = matches!(field, Jit | Jitact | Jitidle);
            let active = !matches!(field, Intpktidle | Jitidle);
            let f = float(value) * 1000.0;
            let s = || fcmp(v.jitter_value(true, active, stdev), op, f);
            match dir {
                Dir::Src => s(),
                Dir::Dst => fcmp(v.jitter_value(false, active, stdev), op, f),
                // 3.0.8 takes the destination's active class here
                Dir::Or => s() || fcmp(v.jitter_value(false, true, stdev), op, f),
                Dir::Default | Dir::And => s() && fcmp(v.jitter_value(false, active, stdev), op, f),
            }
        }
        InterInt | JitInt => {
            let f = float(value) * 1000.0;
            let stdev = field == JitInt;
            // with src/dst 3.0.8 loads the JITTER DSR's header as a float: a
            // tiny positive number when the DSR is there, -1 when it is not
            let hdr = || fcmp(if v.jitter() { 1e-30 } else { -1.0 }, op, f);
            match dir {
                Dir::Default | Dir::And => fcmp(v.jitter_value(true, true, stdev), op, f),
                Dir::Src | Dir::Dst => hdr(),
                Dir::Or => hdr() || fcmp(v.jitter_value(false, true, stdev), op, f),
            }
        }
    }
}

/// A port test of one IP protocol (both families).
fn portop(p: u8, dir: Dir, op: Op, k: u32, v: &View<'_>) -> bool {
    if !v.proto_is(p) {
        return false;
    }
    let (s, d) = v.ports();
    let (s, d) = (i64::from(s), i64::from(d));
    by_dir(
        dir,
        || cmp(Some(s), op, i64::from(k)),
        || cmp(Some(d), op, i64::from(k)),
    )
}

pub(crate) fn port(proto: PortProto, dir: Dir, op: Op, k: u32, v: &View<'_>) -> bool {
    match proto {
        PortProto::Any => portop(6, dir, op, k, v) || portop(17, dir, op, k, v),
        PortProto::Tcp => portop(6, dir, op, k, v),
        PortProto::Udp => portop(17, dir, op, k, v),
        // no UDT flows are made
        PortProto::Udt => false,
        PortProto::Rtp | PortProto::Rtcp => {
            let app = if proto == PortProto::Rtp {
                v.is_rtp()
            } else {
                v.is_rtcp()
            };
            // the IPv6 half of 3.0.8's test reads past an IPv4 flow key
            // (a missing value): negated comparisons hold there
            let past = cmp(None, op, i64::from(k));
            let (s, d) = (i64::from(v.r.key.pa), i64::from(v.r.key.pb));
            let kk = i64::from(k);
            let own = app
                && by_dir(
                    dir,
                    || cmp(Some(s), op, kk) || past,
                    || cmp(Some(d), op, kk) || past,
                );
            portop(17, dir, op, k, v) && own
        }
    }
}

pub(crate) fn protocol(qual: ProtoQual, n: u32, v: &View<'_>) -> bool {
    let fam = v.fam();
    let p = v.r.key.proto;
    let is = |f: u8| fam == f && u32::from(p) == n;
    match qual {
        ProtoQual::Ip => is(FAM_IPV4) || is(FAM_IPV6),
        ProtoQual::Ipv4 => is(FAM_IPV4),
        ProtoQual::Ipv6 => is(FAM_IPV6),
        ProtoQual::Arp => fam == FAM_ARP,
        ProtoQual::Link => match n {
            0x0800 => fam == FAM_IPV4,
            0x86dd => fam == FAM_IPV6,
            0x0806 | 0x8035 => fam == FAM_ARP,
            _ => fam == FAM_ETHER && v.r.key.aux == n,
        },
    }
}
