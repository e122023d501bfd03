//! The ra filter language (Argus 3.0.8), evaluated on flow records.
//!
//! The expression is parsed elsewhere (the Python front end, `argus_rs.filter`)
//! into the tree below, whose shape mirrors its tuple form:
//!
//! | tuple | node |
//! |---|---|
//! | `("and", a, b)`, `("or", a, b)`, `("not", a)`, `("const", bool)` | [`Node`] |
//! | `("kw", name, dir)` | [`Prim::Keyword`] |
//! | `("addr", proto, dir, family, addr, mask)` | [`Prim::Addr`] |
//! | `("ether", dir, mac)`, `("arphw", mac)` | [`Prim::Ether`], [`Prim::ArpHw`] |
//! | `("srcid", v)`, `("inode", v)` | [`Prim::SrcId`], [`Prim::Inode`] |
//! | `("port", proto, dir, op, v)` | [`Prim::Port`] |
//! | `("proto", qual, v)` | [`Prim::Proto`] |
//! | `("cmp", field, dir, op, v)` | [`Prim::Cmp`] |
//!
//! Semantics are those of the 3.0.8 `ra` binary, which compiles a filter to
//! loads from the record's data-set records (DSRs) as it holds them in memory.
//! Two rules of that machine show through everywhere and are reproduced:
//!
//! * a load from a DSR the record does not have yields -1: a comparison is
//!   then false, so its negated forms (`lt`, `lte`, `not ...`) are true;
//! * a *masked* test (`value & m == v & m`, used for status bits, flags,
//!   option bits, VLAN/MPLS fields, DSCP, encapsulations) on a missing DSR
//!   sees `-1 & m == m`, which is true whenever `v` has all the bits of `m`:
//!   `syn`, `mss`, `frag`, `multipath`, `encaps X` ... hold for records that
//!   lack the DSR they test.
//!
//! Records are evaluated as `ra` sees them after reading: with its direction
//! correction applied ([`crate::render::corrected`]) and a record of more than
//! 1000 packets in zero time turned into cause ERROR with zeroed counters.
//! See each module for what [`FlowRecord`] cannot tell (and how it is decided).

mod addr;
mod by_key;
mod keyword;
mod numeric;
mod view;

use crate::record::FlowRecord;
pub use by_key::{KeyProbe, KeyVerdict};
use view::View;

/// `src`, `dst`, `src or dst`, `src and dst`, or no qualifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Default,
    Src,
    Dst,
    Or,
    And,
}

impl Dir {
    pub fn from_name(s: &str) -> Option<Dir> {
        Some(match s {
            "" => Dir::Default,
            "src" => Dir::Src,
            "dst" => Dir::Dst,
            "or" => Dir::Or,
            "and" => Dir::And,
            _ => return None,
        })
    }
}

/// Comparison (`eq`, `lt`, `lte`, `gt`, `gte`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    pub fn from_name(s: &str) -> Option<Op> {
        Some(match s {
            "eq" => Op::Eq,
            "lt" => Op::Lt,
            "le" => Op::Le,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            _ => return None,
        })
    }
}

/// The family of an address literal (decides which record families are tried).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Ipv4,
    Ipv6,
    /// A bare number used as a host: only the record's family is tested.
    Any,
}

/// The protocol qualifier of an address test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrProto {
    /// ARP, IPv4 and IPv6 flows (as the literal's family allows).
    Default,
    Ip,
    Ipv4,
    Ipv6,
    Arp,
    Icmp,
}

impl AddrProto {
    pub fn from_name(s: &str) -> Option<AddrProto> {
        Some(match s {
            "" => AddrProto::Default,
            "ip" => AddrProto::Ip,
            "ipv4" => AddrProto::Ipv4,
            "ipv6" => AddrProto::Ipv6,
            "arp" => AddrProto::Arp,
            "icmp" => AddrProto::Icmp,
            _ => return None,
        })
    }
}

/// Which transport a port test applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortProto {
    /// TCP or UDP.
    Any,
    Tcp,
    Udp,
    Udt,
    Rtp,
    Rtcp,
}

impl PortProto {
    pub fn from_name(s: &str) -> Option<PortProto> {
        Some(match s {
            "any" => PortProto::Any,
            "tcp" => PortProto::Tcp,
            "udp" => PortProto::Udp,
            "udt" => PortProto::Udt,
            "rtp" => PortProto::Rtp,
            "rtcp" => PortProto::Rtcp,
            _ => return None,
        })
    }
}

/// The qualifier of `proto N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtoQual {
    /// IP protocol N, IPv4 or IPv6.
    Ip,
    Ipv4,
    Ipv6,
    /// `arp proto N`: any ARP flow.
    Arp,
    /// `ether proto N`: ethertype N (IPv4, IPv6, ARP by their flow family).
    Link,
}

impl ProtoQual {
    pub fn from_name(s: &str) -> Option<ProtoQual> {
        Some(match s {
            "" | "ip" => ProtoQual::Ip,
            "ipv4" => ProtoQual::Ipv4,
            "ipv6" => ProtoQual::Ipv6,
            "arp" => ProtoQual::Arp,
            "link" => ProtoQual::Link,
            _ => return None,
        })
    }
}

pub use keyword::Keyword;
pub use numeric::Field;

/// The value of a numeric comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// The 32-bit pattern Argus compares.
    Int(u32),
    /// A C float, as Argus holds it.
    Float(f32),
}

/// A primitive test.
#[derive(Clone, Debug, PartialEq)]
pub enum Prim {
    Keyword {
        kw: Keyword,
        dir: Dir,
    },
    Addr {
        proto: AddrProto,
        dir: Dir,
        family: Family,
        /// The address as Argus compares it, in 32-bit words: an IPv4 address
        /// as a number (word 0), an IPv6 address as its four 4-byte groups read
        /// little-endian.
        words: [u32; 4],
        masks: [u32; 4],
    },
    Ether {
        dir: Dir,
        mac: [u8; 6],
    },
    ArpHw {
        mac: [u8; 6],
    },
    SrcId(u32),
    Inode(u32),
    Port {
        proto: PortProto,
        dir: Dir,
        op: Op,
        value: u32,
    },
    Proto {
        qual: ProtoQual,
        number: u32,
    },
    Cmp {
        field: Field,
        dir: Dir,
        op: Op,
        value: Value,
    },
}

impl Prim {
    /// An address test from an address literal's bytes (4 or 16, or none for
    /// [`Family::Any`]) and mask bytes of the same length.
    pub fn address(
        proto: AddrProto,
        dir: Dir,
        family: Family,
        addr: &[u8],
        mask: &[u8],
    ) -> Option<Prim> {
        let (words, masks) = match family {
            Family::Ipv4 => {
                let a: [u8; 4] = addr.try_into().ok()?;
                let m: [u8; 4] = mask.try_into().ok()?;
                (
                    [u32::from_be_bytes(a), 0, 0, 0],
                    [u32::from_be_bytes(m), 0, 0, 0],
                )
            }
            Family::Ipv6 => {
                let a: [u8; 16] = addr.try_into().ok()?;
                let m: [u8; 16] = mask.try_into().ok()?;
                (view::le_words(&a), view::le_words(&m))
            }
            Family::Any => ([0; 4], [0; 4]),
        };
        Some(Prim::Addr {
            proto,
            dir,
            family,
            words,
            masks,
        })
    }
}

/// A compiled filter expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Const(bool),
    Prim(Prim),
}

impl Node {
    /// Does the flow record pass the filter, as `ra` 3.0.8 decides?
    pub fn matches(&self, r: &FlowRecord) -> bool {
        let v = View::new(r);
        self.eval(&v)
    }

    fn eval(&self, v: &View<'_>) -> bool {
        match self {
            Node::And(a, b) => a.eval(v) && b.eval(v),
            Node::Or(a, b) => a.eval(v) || b.eval(v),
            Node::Not(a) => !a.eval(v),
            Node::Const(c) => *c,
            Node::Prim(p) => {
                let out = Self::prim(p, v);
                if let Some(bad) = numeric::leaves_missing(p, v) {
                    v.a_missing.set(bad);
                }
                out
            }
        }
    }

    fn prim(p: &Prim, v: &View<'_>) -> bool {
        {
            match p {
                Prim::Keyword { kw, dir } => keyword::eval(*kw, *dir, v),
                Prim::Addr {
                    proto,
                    dir,
                    family,
                    words,
                    masks,
                } => addr::host(*proto, *dir, *family, words, masks, v),
                Prim::Ether { dir, mac } => addr::ether(*dir, mac, v),
                Prim::ArpHw { mac } => addr::arp_hardware(mac, v),
                Prim::SrcId(x) => v.srcid() == *x,
                Prim::Inode(x) => addr::inode(*x, v),
                Prim::Port {
                    proto,
                    dir,
                    op,
                    value,
                } => numeric::port(*proto, *dir, *op, *value, v),
                Prim::Proto { qual, number } => numeric::protocol(*qual, *number, v),
                Prim::Cmp {
                    field,
                    dir,
                    op,
                    value,
                } => numeric::compare(*field, *dir, *op, *value, v),
            }
        }
    }
}

#[cfg(test)]
mod tests;
