//! IPv4 datagram reassembly bookkeeping: which flow a datagram's later
//! fragments belong to, and when the datagram is complete.
//!
//! Argus 3.0.8.2 forgets a datagram once its fragments cover it: a fragment
//! of the same datagram arriving later (a duplicate) no longer finds the
//! parent and becomes a fragment flow of its own. Coverage is tracked as
//! byte ranges so duplicates before completion do not complete it early.

use super::key::FlowKey;
use hashbrown::HashMap;

#[derive(Debug, Default)]
struct Datagram {
    /// Slot of the flow the first fragment went to, once seen.
    parent: Option<u32>,
    /// Covered byte ranges `[start, end)`, sorted and merged.
    covered: Vec<(u32, u32)>,
    /// Total payload length, known from the last fragment (MF clear).
    total: Option<u32>,
}

impl Datagram {
    fn cover(&mut self, start: u32, end: u32) {
        if end <= start {
            return;
        }
        let (mut s, mut e) = (start, end);
        self.covered.retain(|&(a, b)| {
            if b < s || a > e {
                true
            } else {
                s = s.min(a);
                e = e.max(b);
                false
            }
        });
        let at = self.covered.partition_point(|&(a, _)| a < s);
        self.covered.insert(at, (s, e));
    }

    fn complete(&self) -> bool {
        self.total
            .is_some_and(|t| matches!(self.covered.as_slice(), [(0, e)] if *e >= t))
    }
}

/// Datagrams being reassembled, by their fragment key.
#[derive(Debug, Default)]
pub(crate) struct Fragments {
    datagrams: HashMap<FlowKey, Datagram>,
}

impl Fragments {
    /// The flow that took the datagram's first fragment, if any.
    pub fn parent(&self, fk: &FlowKey) -> Option<u32> {
        self.datagrams.get(fk).and_then(|d| d.parent)
    }

    pub fn set_parent(&mut self, fk: FlowKey, slot: u32) {
        self.datagrams.entry(fk).or_default().parent = Some(slot);
    }

    /// Record a fragment carrying `len` payload bytes at `offset`; `more`:
    /// the more-fragments bit. Returns true when this fragment completes the
    /// datagram, which is then forgotten.
    pub fn add(&mut self, fk: FlowKey, offset: u32, len: u32, more: bool) -> bool {
        let d = self.datagrams.entry(fk).or_default();
        d.cover(offset, offset.saturating_add(len));
        if !more {
            d.total = Some(offset.saturating_add(len));
        }
        if d.complete() {
            self.datagrams.remove(&fk);
            return true;
        }
        false
    }

    /// The flow `slot` is going away: its datagram loses its parent.
    pub fn forget_parent(&mut self, fk: &FlowKey, slot: u32) {
        if self.parent(fk) == Some(slot) {
            self.datagrams.remove(fk);
        }
    }

    /// A fragment flow without parent is going away.
    pub fn forget_orphan(&mut self, fk: &FlowKey) {
        if self.datagrams.get(fk).is_some_and(|d| d.parent.is_none()) {
            self.datagrams.remove(fk);
        }
    }

    pub fn clear(&mut self) {
        self.datagrams.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datagram_completes_when_its_bytes_are_covered_in_any_order() {
        let mut f = Fragments::default();
        let k = FlowKey::default();
        assert!(!f.add(k, 1480, 520, false));
        assert!(!f.add(k, 1480, 520, false)); // a duplicate does not complete it
        assert!(f.add(k, 0, 1480, true));
        assert_eq!(f.parent(&k), None);
        // A fragment after completion starts a new datagram.
        assert!(!f.add(k, 1480, 520, false));
    }

    #[test]
    fn parent_is_kept_until_completion() {
        let mut f = Fragments::default();
        let k = FlowKey::default();
        f.set_parent(k, 7);
        assert!(!f.add(k, 0, 8, true));
        assert_eq!(f.parent(&k), Some(7));
        assert!(f.add(k, 8, 8, false));
        assert_eq!(f.parent(&k), None);
    }
}
