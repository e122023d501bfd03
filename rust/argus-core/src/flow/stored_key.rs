//! A flow key as a flow holds it (issue 6: <= 256 bytes per open flow).
//!
//! [`FlowKey`] has room for IPv6 addresses (44 bytes); most flows are IPv4,
//! whose addresses fill only the first 4 of the 16 bytes. Such keys are kept
//! inline in 24 bytes, any other key (IPv6, MAC addresses, 802.11) boxed.

use super::key::{FlowKey, KeyKind};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StoredKey {
    /// A key whose addresses fit in 4 bytes each (the other 12 are zero).
    Short {
        kind: KeyKind,
        proto: u8,
        pa: u16,
        pb: u16,
        a: [u8; 4],
        b: [u8; 4],
        aux: u32,
    },
    Long(Box<FlowKey>),
}

fn short_addr(x: &[u8; 16]) -> Option<[u8; 4]> {
    let (head, rest) = x.split_first_chunk::<4>()?;
    rest.iter().all(|&b| b == 0).then_some(*head)
}

fn long_addr(x: [u8; 4]) -> [u8; 16] {
    let mut out = [0; 16];
    out[..4].copy_from_slice(&x);
    out
}

impl StoredKey {
    pub fn new(k: &FlowKey) -> Self {
        match (short_addr(&k.a), short_addr(&k.b)) {
            (Some(a), Some(b)) => StoredKey::Short {
                kind: k.kind,
                proto: k.proto,
                pa: k.pa,
                pb: k.pb,
                a,
                b,
                aux: k.aux,
            },
            _ => StoredKey::Long(Box::new(*k)),
        }
    }

    /// The full key.
    pub fn get(&self) -> FlowKey {
        match self {
            StoredKey::Short {
                kind,
                proto,
                pa,
                pb,
                a,
                b,
                aux,
            } => FlowKey {
                kind: *kind,
                proto: *proto,
                a: long_addr(*a),
                b: long_addr(*b),
                pa: *pa,
                pb: *pb,
                aux: *aux,
            },
            StoredKey::Long(k) => **k,
        }
    }

    pub fn kind(&self) -> KeyKind {
        match self {
            StoredKey::Short { kind, .. } => *kind,
            StoredKey::Long(k) => k.kind,
        }
    }

    pub fn proto(&self) -> u8 {
        match self {
            StoredKey::Short { proto, .. } => *proto,
            StoredKey::Long(k) => k.proto,
        }
    }

    /// Whether this is the key `k`.
    pub fn is(&self, k: &FlowKey) -> bool {
        match self {
            StoredKey::Short {
                kind,
                proto,
                pa,
                pb,
                a,
                b,
                aux,
            } => {
                *kind == k.kind
                    && *proto == k.proto
                    && *pa == k.pa
                    && *pb == k.pb
                    && *aux == k.aux
                    && short_addr(&k.a) == Some(*a)
                    && short_addr(&k.b) == Some(*b)
            }
            StoredKey::Long(x) => **x == *k,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(a: [u8; 16], b: [u8; 16]) -> FlowKey {
        FlowKey {
            kind: KeyKind::Ipv4,
            proto: 6,
            a,
            b,
            pa: 1234,
            pb: 80,
            aux: 7,
        }
    }

    #[test]
    fn short_and_long_keys_round_trip_and_compare() {
        let mut a = [0u8; 16];
        a[..4].copy_from_slice(&[10, 0, 0, 1]);
        let mut b = [0u8; 16];
        b[..4].copy_from_slice(&[10, 0, 0, 2]);
        let short = key(a, b);
        let s = StoredKey::new(&short);
        assert!(matches!(s, StoredKey::Short { .. }));
        assert_eq!(s.get(), short);
        assert!(s.is(&short));
        let mut v6 = short;
        v6.kind = KeyKind::Ipv6;
        v6.a[15] = 1;
        let l = StoredKey::new(&v6);
        assert!(matches!(l, StoredKey::Long(_)));
        assert_eq!(l.get(), v6);
        assert!(l.is(&v6) && !l.is(&short) && !s.is(&v6));
        let mut other = short;
        other.aux = 8;
        assert!(!s.is(&other));
        assert!(std::mem::size_of::<StoredKey>() <= 24);
    }
}
