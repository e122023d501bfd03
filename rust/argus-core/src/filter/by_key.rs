//! Deciding a filter from the flow key alone, before a record is decoded.
//!
//! A reader can find a record's FLOW DSR without typing the rest of it; for
//! many filters (`udp`, `tcp and dst port 443`, `host 10.0.0.1`, `not arp`)
//! that key settles the answer for most records. [`KeyProbe::decide`]
//! evaluates the tree in three-valued logic: the primitives that read the
//! key only are answered, every other one is "unknown", and an answer comes
//! out only when no value of the unknowns could change it. The caller tests
//! the whole record, as before, when it gets `None`.
//!
//! ra turns some records around before filtering (IPv4 TCP and ICMP, see
//! [`crate::render::corrected`]), and whether it does depends on more than
//! the key: for such keys the tree is decided only when it gives the same
//! answer for the key as stored and turned around; when the two answers
//! differ ([`KeyVerdict::Turn`]) the counters and TCP object settle it
//! ([`KeyProbe::decide_turn`]).

use super::view::View;
use super::{Keyword, Node, PortProto, Prim};
use crate::flow::key::{FlowKey, KeyKind, swapped};
use crate::record::FlowRecord;

/// Scratch records for [`KeyProbe::decide`] (made once per reader).
#[derive(Default)]
pub struct KeyProbe {
    /// A record with the key as stored and nothing else.
    stored: FlowRecord,
    /// The same, turned around.
    turned: FlowRecord,
}

/// Does the primitive read nothing but the flow key (kind, protocol,
/// addresses, ports, aux), or nothing at all?
fn key_only(p: &Prim) -> bool {
    use Keyword::*;
    match p {
        Prim::Keyword { kw, .. } => matches!(
            kw,
            Tcp | Udp
                | Icmp
                | Igmp
                | Arp
                | Rarp
                | Ip
                | Ipv4
                | Ipv6
                | Udt
                | Isis
                | Hello
                | Lsp
                | Csnp
                | Psnp
                | Man
                | Event
                | Index
                | Far
                | Cocode
                | Inbound
                | Outbound
                | Multicast
        ),
        Prim::Addr { .. } | Prim::ArpHw { .. } | Prim::Proto { .. } | Prim::Inode(_) => true,
        Prim::Port { proto, .. } => matches!(
            proto,
            PortProto::Any | PortProto::Tcp | PortProto::Udp | PortProto::Udt
        ),
        Prim::Ether { .. } | Prim::SrcId(_) | Prim::Cmp { .. } => false,
    }
}

/// Could ra turn a record of this key around (see `render::should_reverse`)?
fn may_turn(k: &FlowKey) -> bool {
    k.kind == KeyKind::Ipv4 && matches!(k.proto, 1 | 6)
}

/// What a flow key says about a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyVerdict {
    /// The answer for every record of this key.
    Decided(bool),
    /// Decided once it is known whether ra turns the record around (see
    /// [`KeyProbe::decide_turn`]).
    Turn,
    /// The rest of the record matters.
    Undecided,
}

impl KeyProbe {
    pub fn new() -> KeyProbe {
        KeyProbe::default()
    }

    /// The answer of `node` for every record whose flow key is `key`, when
    /// the key alone decides it; `None` when the rest of the record matters.
    pub fn decide(&mut self, node: &Node, key: &FlowKey) -> Option<bool> {
        match self.verdict(node, key) {
            KeyVerdict::Decided(x) => Some(x),
            KeyVerdict::Turn | KeyVerdict::Undecided => None,
        }
    }

    /// [`KeyProbe::decide`], telling apart the records that only ra's
    /// turn-around leaves open.
    pub fn verdict(&mut self, node: &Node, key: &FlowKey) -> KeyVerdict {
        self.stored.key = *key;
        let stored = eval3(node, &View::new(&self.stored));
        if !may_turn(key) {
            return stored.map_or(KeyVerdict::Undecided, KeyVerdict::Decided);
        }
        self.turned.key = swapped(*key);
        match (stored, eval3(node, &View::new(&self.turned))) {
            (Some(a), Some(b)) if a == b => KeyVerdict::Decided(a),
            (Some(_), Some(_)) => KeyVerdict::Turn,
            _ => KeyVerdict::Undecided,
        }
    }

    /// The answer of `node` from the key of `r` oriented as ra orients the
    /// record: `r` needs its key and what ra's turn-around reads (counters,
    /// TCP object, ICMP type: `argus_format::map::turn_facts`).
    pub fn decide_turn(&self, node: &Node, r: &FlowRecord) -> Option<bool> {
        eval3(node, &View::new(r))
    }
}

/// Kleene's three-valued `node` on one orientation of the key: `None` is "unknown".
fn eval3(node: &Node, v: &View<'_>) -> Option<bool> {
    match node {
        Node::And(a, b) => match (eval3(a, v), eval3(b, v)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Node::Or(a, b) => match (eval3(a, v), eval3(b, v)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        Node::Not(a) => eval3(a, v).map(|x| !x),
        Node::Const(c) => Some(*c),
        Node::Prim(p) if key_only(p) => Some(Node::prim(p, v)),
        Node::Prim(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{Dir, Field, Op, Value};
    use crate::flow::tcp::{CON_ESTABLISHED, SAW_SYN_SENT};

    fn kw(name: &str) -> Node {
        Node::Prim(Prim::Keyword {
            kw: Keyword::from_name(name).unwrap(),
            dir: Dir::Default,
        })
    }

    fn port(dir: Dir, value: u32) -> Node {
        Node::Prim(Prim::Port {
            proto: PortProto::Any,
            dir,
            op: Op::Eq,
            value,
        })
    }

    fn and(a: Node, b: Node) -> Node {
        Node::And(Box::new(a), Box::new(b))
    }

    fn or(a: Node, b: Node) -> Node {
        Node::Or(Box::new(a), Box::new(b))
    }

    fn ttl_gt(v: u32) -> Node {
        Node::Prim(Prim::Cmp {
            field: Field::Ttl,
            dir: Dir::Default,
            op: Op::Gt,
            value: Value::Int(v),
        })
    }

    /// A TCP record ra turns around (SYN-ACK seen, connection established):
    /// stored 10.0.0.2:443 -> 10.0.0.1:50000, read as 10.0.0.1:50000 -> 10.0.0.2:443.
    fn turned_tcp() -> FlowRecord {
        let mut r = FlowRecord::default();
        r.key.kind = KeyKind::Ipv4;
        r.key.proto = 6;
        r.key.a[..4].copy_from_slice(&[10, 0, 0, 2]);
        r.key.b[..4].copy_from_slice(&[10, 0, 0, 1]);
        (r.key.pa, r.key.pb) = (443, 50000);
        r.tcp_status = Some(SAW_SYN_SENT | CON_ESTABLISHED);
        r.src.pkts = 3;
        r.dst.pkts = 2;
        r
    }

    /// The key's answer, checked against the whole record's when it gives one.
    fn decided(n: &Node, r: &FlowRecord) -> Option<bool> {
        let got = KeyProbe::new().decide(n, &r.key);
        if let Some(x) = got {
            assert_eq!(x, n.matches(r), "{n:?}");
        }
        got
    }

    #[test]
    fn key_primitives_are_decided_when_the_turn_cannot_change_them() {
        let r = turned_tcp();
        assert!(port(Dir::Dst, 443).matches(&r), "ra reads it turned around");
        assert_eq!(decided(&kw("tcp"), &r), Some(true));
        assert_eq!(decided(&kw("udp"), &r), Some(false));
        assert_eq!(decided(&port(Dir::Default, 443), &r), Some(true));
        assert_eq!(decided(&port(Dir::Default, 80), &r), Some(false));
        // the direction depends on the TCP state, which the key does not hold
        assert_eq!(decided(&port(Dir::Dst, 443), &r), None);
        assert_eq!(decided(&port(Dir::Dst, 80), &r), Some(false));
        assert_eq!(decided(&and(kw("tcp"), port(Dir::Dst, 443)), &r), None);
        assert_eq!(
            decided(&and(kw("udp"), port(Dir::Dst, 443)), &r),
            Some(false)
        );
        assert_eq!(
            decided(&Node::Not(Box::new(and(kw("udp"), ttl_gt(3)))), &r),
            Some(true)
        );
    }

    #[test]
    fn a_turn_only_verdict_is_settled_by_the_turn_facts() {
        let r = turned_tcp();
        let mut probe = KeyProbe::new();
        let dst443 = and(kw("tcp"), port(Dir::Dst, 443));
        assert_eq!(probe.verdict(&dst443, &r.key), KeyVerdict::Turn);
        assert_eq!(probe.decide_turn(&dst443, &r), Some(true));
        assert!(dst443.matches(&r));
        let mut kept = r.clone();
        kept.tcp_status = Some(SAW_SYN_SENT);
        assert_eq!(
            probe.decide_turn(&dst443, &kept),
            Some(dst443.matches(&kept))
        );
        assert_eq!(probe.decide_turn(&dst443, &kept), Some(false));
        // either orientation passes: decided on the key
        let either = or(port(Dir::Src, 443), port(Dir::Dst, 443));
        assert_eq!(probe.verdict(&either, &r.key), KeyVerdict::Decided(true));
        assert_eq!(
            probe.verdict(&and(port(Dir::Dst, 443), ttl_gt(3)), &r.key),
            KeyVerdict::Undecided
        );
    }

    #[test]
    fn other_primitives_leave_it_to_the_record() {
        let r = turned_tcp();
        assert_eq!(decided(&ttl_gt(3), &r), None);
        assert_eq!(decided(&or(kw("tcp"), ttl_gt(3)), &r), Some(true));
        assert_eq!(decided(&or(kw("udp"), ttl_gt(3)), &r), None);
        assert_eq!(decided(&kw("syn"), &r), None);
        assert_eq!(decided(&Node::Const(false), &r), Some(false));
    }

    #[test]
    fn keys_ra_never_turns_are_decided_in_either_direction() {
        let mut r = turned_tcp();
        r.key.proto = 17;
        r.tcp_status = None;
        assert_eq!(decided(&port(Dir::Src, 443), &r), Some(true));
        assert_eq!(decided(&port(Dir::Dst, 443), &r), Some(false));
    }
}
