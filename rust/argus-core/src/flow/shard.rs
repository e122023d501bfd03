//! Sharding the flow table across threads: which shard a packet belongs to,
//! and what a shard must be told so that its flows live exactly as they
//! would in one [`Engine`].
//!
//! # The shard key
//!
//! A packet goes to the shard of [`shard_hash`] of its flow key (as
//! [`key::packet_key`] builds it), which hashes only the key's kind, its IP
//! protocol and its two endpoints **sorted**: the same value for both
//! directions of a flow (symmetric), whatever the table's orientation
//! (bidirectional tables sort endpoints, unidirectional ones do not). Ports
//! and `aux` stay out of it, so that everything the engine relates across
//! different keys meets in one shard:
//!
//! - a non-first IPv4 fragment carries no ports: it is keyed (kind
//!   `Ipv4Frag`) by its addresses, protocol and datagram id, and finds its
//!   parent flow (same addresses and protocol, plus ports) through the
//!   shard's fragment table; `Ipv4Frag`/`Ipv6Frag` hash as `Ipv4`/`Ipv6`, so
//!   fragments, orphan fragment flows and their parent share a shard;
//! - DNS transactions (`aux` = transaction id), ICMP echo (id, sequence),
//!   ESP SPIs, IGMP message ids, IPv6 later fragments (ports from the
//!   fragment id): these keys differ only in ports/`aux`, so all of one
//!   address pair's flows are in one shard, as they are in one table;
//! - replies turned around onto the request's key (ICMP echo reply, ARP
//!   reply) hash like the request because the hash is symmetric;
//! - layer-2 (`Ether`, `Wlan`), ARP/RARP and `LAYER_3_MATRIX` keys: hashed
//!   the same way over their `a`/`b` bytes; every `ARGUS_FLOW_KEY` variant is
//!   covered because the hash is a function of the table key only.
//!
//! One relation crosses address pairs: an IPv4 ICMP error is its own flow
//! (keyed by the error's outer addresses) **and** marks the flow it quotes
//! (the quoted addresses) with the ICMP event. [`route`] names both shards;
//! when they differ the quoted flow's shard gets a separate annotation item
//! ([`Engine::annotate_icmp_error`]) at the same point of the packet order,
//! and the owner shard's own lookup of the quoted key finds nothing (a key
//! lives only in the shard of its hash).
//!
//! Known gap: a *fragmented* IGMP message whose group differs from its IP
//! destination (IGMP keys name the group) would have its later fragments in
//! the shard of (source, destination) rather than (source, group).
//!
//! # Time
//!
//! The queues are swept on the packet clock every 0.2 s of packet time;
//! when a sweep happens depends on the timestamps of *all* packets. The
//! reader runs a [`SweepClock`], the same rule as the engine's, over every
//! packet; each shard gets, with each of its packets, the global clock
//! before it, and a tick at every sweep a sibling's packet caused. A shard
//! then sweeps at exactly the packet times the single engine sweeps at.

use super::Engine;
use super::key::{self, FlowKey, KeyKind};
use crate::decode::{Decoded, Family};
use crate::options::{EngineOptions, FlowKeyBits};
use crate::packet::RawPacket;

/// The engine's sweep period (packet time).
pub const SWEEP_INTERVAL_USEC: i64 = super::SWEEP_INTERVAL_USEC;

/// The symmetric shard hash of a flow key (see the module documentation).
pub fn shard_hash(k: &FlowKey) -> u64 {
    let kind = match k.kind {
        KeyKind::Ipv4Frag => KeyKind::Ipv4,
        KeyKind::Ipv6Frag => KeyKind::Ipv6,
        other => other,
    };
    hash_parts(kind, k.proto, &k.a, &k.b)
}

/// [`shard_hash`] of a key with this kind (fragment kinds already folded),
/// protocol and endpoints.
#[inline]
fn hash_parts(kind: KeyKind, proto: u8, a: &[u8; 16], b: &[u8; 16]) -> u64 {
    let kind = kind as u8;
    // Big-endian numbers order as the bytes do; one compare, not sixteen.
    let (lo, hi) = if u128::from_be_bytes(*a) <= u128::from_be_bytes(*b) {
        (a, b)
    } else {
        (b, a)
    };
    let mut h = (u64::from(kind) << 8 | u64::from(proto)) ^ 0x9e37_79b9_7f4a_7c15;
    for half in [lo, hi] {
        // the first eight bytes, then the last eight, little-endian
        let v = u128::from_le_bytes(*half);
        h = mix(h ^ v as u64);
        h = mix(h ^ (v >> 64) as u64);
    }
    h
}

/// splitmix64's finalizer: a fixed, seedless mix, so that the shard of a
/// flow (and so the unordered record order) is the same on every run.
#[inline]
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Shard number of a hash among `shards`.
#[inline]
pub fn shard_of(hash: u64, shards: usize) -> usize {
    (((hash >> 32) * shards as u64) >> 32) as usize
}

/// Where a decoded packet goes: the shard of its flow (shard 0 when it has
/// no flow key), and for an IPv4 ICMP error the shard of the flow it quotes
/// when that is another one.
pub fn route(d: &Decoded, opts: &EngineOptions, shards: usize) -> (usize, Option<usize>) {
    if shards <= 1 {
        return (0, None);
    }
    let Some((k, _)) = key::packet_key(d, opts) else {
        return (0, None);
    };
    let owner = shard_of(shard_hash(&k), shards);
    let quoted = icmp_error_key(d, opts.unidirectional)
        .map(|q| shard_of(shard_hash(&q), shards))
        .filter(|&s| s != owner);
    (owner, quoted)
}

/// [`route`] without decoding, for the common frames: Ethernet, up to two
/// 802.1Q tags, then IPv4 (TCP, UDP, ICMP other than an error) or IPv6
/// without extension headers (TCP, UDP, ICMPv6). Gives the owner shard of
/// such a frame, the one [`route`] gives after a full decode, and `None`
/// for everything else (the caller then decodes and calls [`route`]). It
/// reads only what decides the key's kind, protocol and addresses, and
/// declines wherever the decoder could make anything else of the frame
/// (tunnels, AH/ESP, IGMP, ICMP errors, cut headers, the layer-3 matrix).
pub fn fast_route(pkt: &RawPacket<'_>, opts: &EngineOptions, shards: usize) -> Option<usize> {
    if shards <= 1 {
        return Some(0);
    }
    if pkt.linktype.0 != 1 || opts.flow_key.contains(FlowKeyBits::LAYER_3_MATRIX) {
        return None;
    }
    let d = pkt.data;
    let mut off = 12;
    let mut ethertype = u16::from_be_bytes(d.get(off..off + 2)?.try_into().ok()?);
    off += 2;
    for _ in 0..2 {
        if ethertype != 0x8100 {
            break;
        }
        ethertype = u16::from_be_bytes(d.get(off + 2..off + 4)?.try_into().ok()?);
        off += 4;
    }
    let mut a = [0u8; 16];
    let mut b = [0u8; 16];
    let (kind, proto) = match ethertype {
        0x0800 => {
            let h = d.get(off..off + 20)?;
            let ihl = usize::from(h[0] & 0xf) * 4;
            if h[0] >> 4 != 4 || ihl < 20 || d.len() < off + ihl {
                return None;
            }
            let proto = h[9];
            let frag_offset = u16::from_be_bytes([h[6], h[7]]) & 0x1fff;
            match proto {
                6 | 17 => {}
                // An ICMP error also names the flow it quotes.
                1 if frag_offset != 0 => {}
                1 => match d.get(off + ihl) {
                    Some(3 | 4 | 5 | 11 | 12) | None => return None,
                    Some(_) => {}
                },
                _ => return None,
            }
            a[..4].copy_from_slice(&h[12..16]);
            b[..4].copy_from_slice(&h[16..20]);
            (KeyKind::Ipv4, proto)
        }
        0x86dd => {
            let h = d.get(off..off + 40)?;
            if h[0] >> 4 != 6 {
                return None;
            }
            let proto = h[6];
            match proto {
                6 | 17 => {}
                // Argus makes no flow of an ICMPv6 header cut short.
                58 if d.len() >= off + 48 => {}
                _ => return None,
            }
            a.copy_from_slice(&h[8..24]);
            b.copy_from_slice(&h[24..40]);
            (KeyKind::Ipv6, proto)
        }
        _ => return None,
    };
    Some(shard_of(hash_parts(kind, proto, &a, &b), shards))
}

/// The table key of the flow an IPv4 ICMP error reports on (as the engine's
/// ICMP error mapping builds it), if the packet is one.
pub fn icmp_error_key(d: &Decoded, unidirectional: bool) -> Option<FlowKey> {
    let m = d.icmp?;
    if !m.quote.present || d.family != Family::Ipv4 {
        return None;
    }
    if d.frag.is_fragment && d.frag.offset != 0 {
        return None;
    }
    let q = m.quote;
    let k = key::quoted_flow_key(&q);
    Some(if unidirectional {
        k
    } else {
        key::canonical(k).0
    })
}

impl Engine {
    /// The part of an ICMP error packet's processing that falls on the flow
    /// it quotes, for the shard holding that flow when the error's own flow
    /// is in another shard: an unreported record of the quoted flow takes
    /// the ICMP event and the packet's time (as the engine's own mapping).
    pub fn annotate_icmp_error(&mut self, d: &Decoded) {
        let (Some(m), Some(ck)) = (d.icmp, icmp_error_key(d, self.opts.unidirectional)) else {
            return;
        };
        if let Some(slot) = self.table.get(&ck, &self.flows)
            && let Some(f) = self.flows[slot as usize].as_mut()
            && !f.written
        {
            f.acc.icmp_event = Some((m.icmp_type, m.code));
            let dm = &mut f.acc.src;
            if dm.start == 0 {
                dm.start = d.ts_usec;
            }
            dm.last = d.ts_usec;
        }
    }
}

/// The engine's sweep schedule, run by a sharded engine's reader over every
/// packet so that it knows when each shard must sweep. Must follow
/// [`Engine::process_decoded`] and [`Engine::advance_clock`] exactly.
#[derive(Clone, Copy, Debug, Default)]
pub struct SweepClock {
    pub now: i64,
    sweep_at: i64,
}

impl SweepClock {
    /// A packet of time `ts` (or a clock tick): returns whether the engine
    /// sweeps after it.
    pub fn advance(&mut self, ts: i64) -> bool {
        if ts > self.now {
            self.now = ts;
        }
        if self.now >= self.sweep_at {
            if self.now - self.sweep_at > SWEEP_INTERVAL_USEC {
                self.sweep_at = self.now;
            }
            // saturating: a capture clock clamped to i64::MAX (absurd pcapng stamps) must not overflow
            self.sweep_at = self.sweep_at.saturating_add(SWEEP_INTERVAL_USEC);
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(kind: KeyKind, proto: u8, a: u8, b: u8, pa: u16, pb: u16, aux: u32) -> FlowKey {
        let mut x = FlowKey {
            kind,
            proto,
            pa,
            pb,
            aux,
            ..FlowKey::default()
        };
        x.a[..4].copy_from_slice(&[10, 0, 0, a]);
        x.b[..4].copy_from_slice(&[10, 0, 0, b]);
        x
    }

    #[test]
    fn symmetric_and_port_blind() {
        let fwd = k(KeyKind::Ipv4, 6, 1, 2, 1234, 80, 0);
        let rev = key::swapped(fwd);
        assert_eq!(shard_hash(&fwd), shard_hash(&rev));
        // A later fragment of the same pair (no ports, datagram id in aux).
        let frag = k(KeyKind::Ipv4Frag, 6, 2, 1, 0, 0, 777);
        assert_eq!(shard_hash(&fwd), shard_hash(&frag));
        // A DNS transaction of another id.
        let dns1 = k(KeyKind::Ipv4, 17, 1, 2, 5353, 53, 0x1_0001);
        let dns2 = k(KeyKind::Ipv4, 17, 2, 1, 53, 5353, 0x1_0002);
        assert_eq!(shard_hash(&dns1), shard_hash(&dns2));
        // Different pairs spread.
        let other = k(KeyKind::Ipv4, 6, 1, 3, 1234, 80, 0);
        assert_ne!(shard_hash(&fwd), shard_hash(&other));
    }

    #[test]
    fn shards_are_spread() {
        let mut count = [0usize; 4];
        for a in 0..=255u8 {
            for b in 0..16u8 {
                count[shard_of(shard_hash(&k(KeyKind::Ipv4, 6, a, b, 1, 2, 0)), 4)] += 1;
            }
        }
        for c in count {
            assert!((800..1250).contains(&c), "{count:?}");
        }
    }

    #[test]
    fn link_supported_is_what_decode_reads() {
        use crate::decode::{self, DecodeError, Decoded};
        use crate::packet::LinkType;
        let mut d = Decoded::default();
        for lt in 0..400u32 {
            let pkt = RawPacket {
                ts_usec: 0,
                wire_len: 0,
                linktype: LinkType(lt),
                data: &[],
            };
            let res = decode::decode(&pkt, &mut d);
            let unsupported = matches!(res, Err(DecodeError::UnsupportedLinkType(_)));
            assert_eq!(decode::link_supported(pkt.linktype), !unsupported, "{lt}");
        }
    }

    #[test]
    fn sweep_clock_follows_the_engine_rule() {
        let mut c = SweepClock::default();
        assert!(c.advance(1_000_000));
        assert!(!c.advance(1_100_000));
        assert!(!c.advance(900_000));
        assert!(c.advance(1_200_000));
        assert!(c.advance(5_000_000));
        assert!(!c.advance(5_199_999));
        assert!(c.advance(5_200_000));
    }
}
