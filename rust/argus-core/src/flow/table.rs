//! The flow index: flow key → slot in the engine's flow slab.
//!
//! The table holds only the 4-byte slot (the key lives once, in the flow),
//! so an open flow costs 5 bytes per bucket here (slot + control byte)
//! instead of a copy of the key; lookups compare against the flow's key
//! (kept compact: [`super::stored_key`]).

use super::Flow;
use super::key::FlowKey;
use super::stored_key::StoredKey;
use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

#[derive(Default)]
pub(crate) struct FlowTable {
    slots: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl std::fmt::Debug for FlowTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowTable")
            .field("len", &self.slots.len())
            .finish()
    }
}

fn stored_key(flows: &[Option<Flow>], slot: u32) -> Option<&StoredKey> {
    flows.get(slot as usize)?.as_ref().map(|f| &f.key)
}

impl FlowTable {
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    fn hash(&self, key: &FlowKey) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The slot of the flow keyed `key`.
    pub fn get(&self, key: &FlowKey, flows: &[Option<Flow>]) -> Option<u32> {
        self.slots
            .find(self.hash(key), |&s| {
                stored_key(flows, s).is_some_and(|k| k.is(key))
            })
            .copied()
    }

    /// Index `slot`, whose flow (already in `flows`) is keyed `key`.
    pub fn insert(&mut self, key: &FlowKey, slot: u32, flows: &[Option<Flow>]) {
        let hasher = &self.hasher;
        self.slots.insert_unique(self.hash(key), slot, |&s| {
            stored_key(flows, s).map_or(0, |k| hasher.hash_one(k.get()))
        });
    }

    /// Forget `slot` if it is the one indexed under `key`.
    pub fn remove(&mut self, key: &FlowKey, slot: u32) {
        if let Ok(e) = self.slots.find_entry(self.hash(key), |&s| s == slot) {
            e.remove();
        }
    }
}
