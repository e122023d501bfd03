//! `ClusterMerger`: racluster's default merge (the records of one flow, with
//! `-M correct` turning the reversed flow's records around) as one pass in
//! Rust over the Arrow record batches of the ra columns (or by the -m key
//! list `saddr daddr proto sport dport`), instead of polars
//! expressions per record. The rules are the ones python/argus_rs/analytics/
//! cluster.py applies (see its docstrings); the output has the same columns
//! and order (groups in order of their first record), so the Python side
//! uses this kernel where it applies and keeps polars for everything else.
//!
//! Memory: each group keeps references to its first and last record rows;
//! the batches those rows live in are compacted (one row pair per group)
//! once they hold several times more rows than there are groups.

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, TimestampMicrosecondType, UInt64Type};
use arrow_array::{
    Array, ArrayRef, Float64Array, LargeStringArray, RecordBatch, StringArray, StringViewArray,
    TimestampMicrosecondArray, UInt32Array, UInt64Array, new_null_array,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use arrow_select::interleave::interleave;
use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3_arrow::PyRecordBatch;
use pyo3_arrow::input::AnyRecordBatch;

/// ra's TCP states, strongest first (cluster.py `_TCP_STATES`).
const TCP_STATES: [&str; 7] = ["RST", "FIN", "CLO", "TIM", "CON", "ACC", "REQ"];
const REQ_RANK: i64 = 6;
/// Counters summed per group (cluster.py `COUNTERS`).
const COUNTERS: [&str; 8] = [
    "pkts",
    "spkts",
    "dpkts",
    "bytes",
    "sbytes",
    "dbytes",
    "sappbytes",
    "dappbytes",
];
/// The counter each counter takes its value from in a turned-around record.
const COUNTER_SWAP: [usize; 8] = [0, 2, 1, 3, 5, 4, 7, 6];
/// Group key columns (besides the address family), as stored in the key.
const KEYS: [&str; 6] = ["proto", "saddr", "sport", "daddr", "dport", "srcid"];
const FLAG_WIDTH: usize = 9;
/// Flag marks whose presence anywhere in a group decides positions 3-5.
const MARKS: [&[u8]; 3] = [b"Rsd*g&ir", b"@SD", b"Ext"];
/// Causes for which a one-way (source only) merged record is INT, not REQ.
const INT_CAUSES: [&str; 5] = ["Start", "Stop", "Close", "Closed", "Flush"];
/// Marks a null value in a key (0xFF never occurs in UTF-8).
const NULL_MARK: u8 = 0xFF;
/// Names ra gives UDP flows it recognises as more (keyed as udp).
const UDP_KINDS: [&str; 4] = ["udp", "rtp", "rtcp", "udt"];

/// Byte-string keys (and a value after each) in one arena, each with an id
/// in order of insertion: no allocation per key.
#[derive(Default)]
struct KeyTable {
    arena: Vec<u8>,
    /// (offset, key length, value length) by id
    spans: Vec<(usize, u32, u32)>,
    /// (id, 32 bits of the key's hash)
    table: HashTable<(u32, u32)>,
    hasher: DefaultHashBuilder,
}

impl KeyTable {
    fn key(&self, id: u32) -> &[u8] {
        let (at, k, _) = self.spans[id as usize];
        &self.arena[at..at + k as usize]
    }

    fn value(&self, id: u32) -> &[u8] {
        let (at, k, v) = self.spans[id as usize];
        &self.arena[at + k as usize..at + (k + v) as usize]
    }

    /// The id of `key`, and whether it is new (then stored with `value`).
    fn find_or_insert(&mut self, key: &[u8], value: &[u8]) -> (u32, bool) {
        // entries keep 32 bits of the hash: growing the table re-reads no key
        let h32 = self.hasher.hash_one(key) as u32;
        let hash = spread(h32);
        let (arena, spans) = (&self.arena, &self.spans);
        let same = |&(id, h): &(u32, u32)| {
            h == h32 && {
                let (at, k, _) = spans[id as usize];
                &arena[at..at + k as usize] == key
            }
        };
        if let Some(&(id, _)) = self.table.find(hash, same) {
            return (id, false);
        }
        let id = self.spans.len() as u32;
        self.spans
            .push((self.arena.len(), key.len() as u32, value.len() as u32));
        self.arena.extend_from_slice(key);
        self.arena.extend_from_slice(value);
        self.table
            .insert_unique(hash, (id, h32), |&(_, h)| spread(h));
        (id, true)
    }
}

/// A table hash from 32 bits: hashbrown takes the slot from the low bits and
/// the tag from the top 7.
fn spread(h32: u32) -> u64 {
    u64::from(h32) | (u64::from(h32) << 32)
}

/// A string column of any of Arrow's string layouts (polars exports views).
enum Strs<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Strs<'a> {
    fn of(a: &'a dyn Array, name: &str) -> Result<Self, String> {
        match a.data_type() {
            DataType::Utf8 => Ok(Self::Utf8(a.as_string::<i32>())),
            DataType::LargeUtf8 => Ok(Self::Large(a.as_string::<i64>())),
            DataType::Utf8View => Ok(Self::View(a.as_string_view())),
            t => Err(format!(
                "racluster kernel: column {name} is {t}, not a string"
            )),
        }
    }

    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Self::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Self::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Self::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

/// Where a group's first or last record is, and whether it was turned around.
#[derive(Clone, Copy)]
struct RowRef {
    batch: u32,
    row: u32,
    reversed: bool,
}

/// Running AGR statistics of the record durations, in 3.0.8's 32-bit steps.
#[derive(Default)]
struct Agr {
    n: u32,
    mean: f32,
    stdev: f32,
    min: Option<f64>,
    max: Option<f64>,
    sum: f64,
}

impl Agr {
    fn add(&mut self, v: f64) {
        self.min = Some(self.min.map_or(v, |m| m.min(v)));
        self.max = Some(self.max.map_or(v, |m| m.max(v)));
        self.sum += v;
        let v = f64::from(v as f32);
        if self.n == 0 {
            self.mean = v as f32;
            self.n = 1;
            return;
        }
        let (n, mean, sd) = (
            f64::from(self.n),
            f64::from(self.mean),
            f64::from(self.stdev),
        );
        let total = mean * n + v;
        let ss = if sd != 0.0 {
            n * (sd * sd + mean * mean)
        } else {
            mean * mean
        } + v * v;
        self.n += 1;
        let n = f64::from(self.n);
        self.mean = (total / n) as f32;
        let mean = f64::from(self.mean);
        self.stdev = (ss / n - mean * mean).abs().sqrt() as f32;
    }
}

struct Group {
    first: RowRef,
    last: RowRef,
    stime: Option<i64>,
    ltime: Option<i64>,
    counts: [u64; 8],
    trans: u32,
    agr: Agr,
    tcp_rank_min: Option<i64>,
    full_key_last: Option<u64>,
    req_idx_last: Option<u64>,
    tcp_idx_first: Option<u64>,
    tcp_req_idx_first: Option<u64>,
    syn: bool,
    arp: bool,
    rarp: bool,
    /// the first state seen (interned), and whether another one was
    state_seen: Option<u32>,
    state_differ: bool,
    /// `-m saddr daddr proto sport dport`: proto, sport, dport and sport+dport, each the
    /// first value seen (interned) and whether another one was
    spans: [(Option<u32>, bool); 4],
    flag_lo: [Option<u8>; FLAG_WIDTH],
    flag_hi: [Option<u8>; FLAG_WIDTH],
    marks: [u8; 3],
}

impl Group {
    fn new(at: RowRef) -> Self {
        Self {
            first: at,
            last: at,
            stime: None,
            ltime: None,
            counts: [0; 8],
            trans: 0,
            agr: Agr::default(),
            tcp_rank_min: None,
            full_key_last: None,
            req_idx_last: None,
            tcp_idx_first: None,
            tcp_req_idx_first: None,
            syn: false,
            arp: false,
            rarp: false,
            state_seen: None,
            state_differ: false,
            spans: [(None, false); 4],
            flag_lo: [None; FLAG_WIDTH],
            flag_hi: [None; FLAG_WIDTH],
            marks: [0; 3],
        }
    }

    fn flags(&mut self, f: &[u8]) {
        for i in 0..FLAG_WIDTH {
            let Some(&c) = f.get(i) else { continue };
            if c != b' ' && (32..127).contains(&c) {
                self.flag_lo[i] = Some(self.flag_lo[i].map_or(c, |l| l.min(c)));
                self.flag_hi[i] = Some(self.flag_hi[i].map_or(c, |h| h.max(c)));
            }
            if (3..6).contains(&i)
                && let Some(bit) = MARKS[i - 3].iter().position(|&m| m == c)
            {
                self.marks[i - 3] |= 1 << bit;
            }
        }
    }

    fn mark(&self, pos: usize, m: u8) -> bool {
        let bit = MARKS[pos - 3].iter().position(|&x| x == m).expect("a mark");
        self.marks[pos - 3] & (1 << bit) != 0
    }

    /// A source/destination position: both marks (or the both-mark) give `both`.
    fn both(&self, pos: usize, both: u8, src: u8, dst: u8, otherwise: u8) -> u8 {
        let (s, d) = (self.mark(pos, src), self.mark(pos, dst));
        if self.mark(pos, both) || (s && d) {
            both
        } else if s {
            src
        } else if d {
            dst
        } else {
            otherwise
        }
    }

    fn flag_string(&self) -> [u8; FLAG_WIDTH] {
        let mut out = [b' '; FLAG_WIDTH];
        for (i, slot) in out.iter_mut().enumerate() {
            let generic = match (self.flag_lo[i], self.flag_hi[i]) {
                (None, _) => b' ',
                (Some(l), Some(h)) if l == h => l,
                _ => b'*',
            };
            *slot = match i {
                3 if self.mark(3, b'R') => b'R',
                3 => {
                    let inner = if self.mark(3, b'g') {
                        b'g'
                    } else {
                        self.both(3, b'&', b'i', b'r', generic)
                    };
                    self.both(3, b'*', b's', b'd', inner)
                }
                4 => self.both(4, b'@', b'S', b'D', generic),
                5 => self.both(5, b'E', b'x', b't', generic),
                _ => generic,
            };
        }
        out
    }

    /// The strongest TCP state the merged status bits give (cluster.py `_tcp_state_value`).
    fn tcp_state(&self, both_ways: bool) -> &'static str {
        let first_is_req =
            self.tcp_idx_first.is_some() && self.tcp_idx_first == self.tcp_req_idx_first;
        let value = if first_is_req {
            match self.full_key_last {
                None => self.tcp_rank_min,
                Some(k) => {
                    let last_full = (k % 128) as i64;
                    if self.req_idx_last.is_some_and(|r| r > k / 128) {
                        Some(last_full.min(REQ_RANK))
                    } else {
                        Some(last_full)
                    }
                }
            }
        } else {
            self.tcp_rank_min
        };
        match value {
            Some(v) if (0..7).contains(&v) => TCP_STATES[v as usize],
            _ if both_ways => "CON",
            _ => "INT",
        }
    }
}

/// 1 IPv4, 2 IPv6, 3 anything else (cluster.py `_addr.family`).
fn family(a: Option<&str>) -> u8 {
    let Some(a) = a else { return 3 };
    let parts: Vec<&str> = a.split('.').collect();
    if parts.len() == 4
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return 1;
    }
    if a.contains(':') && !is_mac(a) { 2 } else { 3 }
}

fn is_mac(a: &str) -> bool {
    let b = a.as_bytes();
    b.len() == 17
        && b.iter().enumerate().all(|(i, &c)| {
            if i % 3 == 2 {
                c == b':'
            } else {
                c.is_ascii_digit() || (b'a'..=b'f').contains(&c)
            }
        })
}

fn put(buf: &mut Vec<u8>, v: Option<&str>) {
    match v {
        Some(s) => buf.extend_from_slice(s.as_bytes()),
        None => buf.push(NULL_MARK),
    }
    buf.push(0);
}

/// The key values back from a group key (after the family byte): `KEYS`,
/// or for `-m saddr daddr proto sport dport` saddr, daddr, IP protocol, ports.
fn key_values(key: &[u8]) -> [Option<&str>; KEYS.len()] {
    let mut out = [None; KEYS.len()];
    for (slot, v) in out.iter_mut().zip(key[1..].split(|&b| b == 0)) {
        if v != [NULL_MARK] {
            *slot = Some(std::str::from_utf8(v).expect("keys are UTF-8"));
        }
    }
    out
}

/// The columns of one input batch the merge reads.
struct Cols<'a> {
    stime: Option<&'a TimestampMicrosecondArray>,
    ltime: Option<&'a TimestampMicrosecondArray>,
    dur: &'a Float64Array,
    flgs: Strs<'a>,
    proto: Strs<'a>,
    saddr: Strs<'a>,
    sport: Strs<'a>,
    daddr: Strs<'a>,
    dport: Strs<'a>,
    dir: Strs<'a>,
    state: Strs<'a>,
    srcid: Strs<'a>,
    counts: [Option<&'a UInt64Array>; 8],
}

fn col<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a dyn Array, String> {
    b.column_by_name(name)
        .map(|c| c.as_ref())
        .ok_or_else(|| format!("racluster kernel: no column {name}"))
}

fn time_col<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a TimestampMicrosecondArray, String> {
    col(b, name)?
        .as_primitive_opt::<TimestampMicrosecondType>()
        .ok_or_else(|| format!("racluster kernel: column {name} is not a µs timestamp"))
}

impl<'a> Cols<'a> {
    fn of(b: &'a RecordBatch) -> Result<Self, String> {
        let s = |n: &str| -> Result<Strs<'a>, String> { Strs::of(col(b, n)?, n) };
        let mut counts = [None; 8];
        for (slot, name) in counts.iter_mut().zip(COUNTERS) {
            if let Some(c) = b.column_by_name(name) {
                *slot = Some(
                    c.as_primitive_opt::<UInt64Type>()
                        .ok_or_else(|| format!("racluster kernel: column {name} is not UInt64"))?,
                );
            }
        }
        Ok(Self {
            stime: Some(time_col(b, "stime")?),
            ltime: Some(time_col(b, "ltime")?),
            dur: col(b, "dur")?
                .as_primitive_opt::<Float64Type>()
                .ok_or("racluster kernel: column dur is not Float64")?,
            flgs: s("flgs")?,
            proto: s("proto")?,
            saddr: s("saddr")?,
            sport: s("sport")?,
            daddr: s("daddr")?,
            dport: s("dport")?,
            dir: s("dir")?,
            state: s("state")?,
            srcid: s("srcid")?,
            counts,
        })
    }
}

/// The merge state: groups in order of their first record, and the batches
/// their first/last rows are in.
#[pyclass(module = "argus_rs._core")]
pub struct ClusterMerger {
    correct: bool,
    /// `-m saddr daddr proto sport dport` (any order) instead of the flow key
    five: bool,
    templates: bool,
    schema: Option<SchemaRef>,
    batches: Vec<RecordBatch>,
    retained: usize,
    /// rows retained before compaction is considered (besides 4 per group)
    compact_rows: usize,
    rows: u64,
    groups: Vec<Group>,
    /// group keys, ids = group indexes
    index: KeyTable,
    /// unordered flow -> the source side of its first record (`-M correct`)
    orient: KeyTable,
    /// the states seen, interned
    states: KeyTable,
}

impl ClusterMerger {
    fn push_batch(&mut self, batch: RecordBatch) -> Result<(), String> {
        match &self.schema {
            None => self.schema = Some(batch.schema()),
            Some(s) if s.fields() != batch.schema().fields() => {
                return Err("racluster kernel: batches with different columns".into());
            }
            Some(_) => {}
        }
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let bno = self.batches.len() as u32;
        let c = Cols::of(&batch)?;
        let mut key = Vec::with_capacity(128);
        let mut okey = Vec::with_capacity(128);
        let mut side = Vec::with_capacity(64);
        let mut other = Vec::with_capacity(64);
        for i in 0..batch.num_rows() {
            let idx = self.rows + i as u64;
            let proto = c.proto.get(i);
            let (mut saddr, mut daddr) = (c.saddr.get(i), c.daddr.get(i));
            let (mut sport, mut dport) = (c.sport.get(i), c.dport.get(i));
            let srcid = c.srcid.get(i);
            let fam = family(saddr);
            let mut reversed = false;
            if self.correct
                && let (Some(sa), Some(da)) = (saddr, daddr)
            {
                side.clear();
                other.clear();
                side.extend_from_slice(sa.as_bytes());
                side.push(0);
                side.extend_from_slice(sport.unwrap_or("").as_bytes());
                other.extend_from_slice(da.as_bytes());
                other.push(0);
                other.extend_from_slice(dport.unwrap_or("").as_bytes());
                okey.clear();
                okey.push(fam);
                put(&mut okey, proto);
                put(&mut okey, srcid);
                let (lo, hi) = if side <= other {
                    (&side, &other)
                } else {
                    (&other, &side)
                };
                okey.extend_from_slice(lo);
                okey.push(NULL_MARK);
                okey.extend_from_slice(hi);
                let (id, new) = self.orient.find_or_insert(&okey, &side);
                reversed = !new && self.orient.value(id) != side.as_slice();
            }
            if reversed {
                std::mem::swap(&mut saddr, &mut daddr);
                // ICMP type/code and IPv6 ports stay (cluster.py reversed_columns)
                let icmp = matches!(proto, Some("icmp" | "ipv6-icmp"));
                let v6 = daddr.is_some_and(|a| a.contains(':') && !is_mac(a));
                if !icmp && !v6 {
                    std::mem::swap(&mut sport, &mut dport);
                }
            }
            key.clear();
            if self.five {
                // address keys keep ARP flows apart; the UDP kinds are one protocol; only TCP
                // and UDP flows are keyed by port (cluster.py _key_exprs)
                key.push(match proto {
                    Some("arp") => 1,
                    Some("rarp") => 2,
                    _ => 0,
                });
                let ipp = proto.map(|p| if UDP_KINDS.contains(&p) { "udp" } else { p });
                let ported = matches!(ipp, Some("tcp" | "udp"));
                for v in [saddr, daddr, ipp] {
                    put(&mut key, v);
                }
                put(&mut key, if ported { sport } else { None });
                put(&mut key, if ported { dport } else { None });
            } else {
                key.push(fam);
                for v in [proto, saddr, sport, daddr, dport, srcid] {
                    put(&mut key, v);
                }
            }
            let at = RowRef {
                batch: bno,
                row: i as u32,
                reversed,
            };
            let (g, new) = self.index.find_or_insert(&key, &[]);
            if new {
                self.groups.push(Group::new(at));
            }
            let g = g as usize;
            if self.five {
                side.clear();
                side.extend_from_slice(sport.unwrap_or("").as_bytes());
                side.extend_from_slice(dport.unwrap_or("").as_bytes());
                let codes = [
                    proto.map(|v| self.states.find_or_insert(v.as_bytes(), &[]).0),
                    sport.map(|v| self.states.find_or_insert(v.as_bytes(), &[]).0),
                    dport.map(|v| self.states.find_or_insert(v.as_bytes(), &[]).0),
                    Some(self.states.find_or_insert(&side, &[]).0),
                ];
                for (span, code) in self.groups[g].spans.iter_mut().zip(codes) {
                    match (span.0, code) {
                        (None, Some(c)) => span.0 = Some(c),
                        (Some(first), Some(c)) if first != c => span.1 = true,
                        _ => {}
                    }
                }
            }
            let grp = &mut self.groups[g];
            grp.last = at;
            grp.trans += 1;
            if let Some(t) = c.stime.filter(|a| a.is_valid(i)).map(|a| a.value(i)) {
                grp.stime = Some(grp.stime.map_or(t, |s| s.min(t)));
            }
            if let Some(t) = c.ltime.filter(|a| a.is_valid(i)).map(|a| a.value(i)) {
                grp.ltime = Some(grp.ltime.map_or(t, |s| s.max(t)));
            }
            for (k, sum) in grp.counts.iter_mut().enumerate() {
                let from = if reversed { COUNTER_SWAP[k] } else { k };
                if let Some(a) = c.counts[from].filter(|a| a.is_valid(i)) {
                    *sum += a.value(i);
                }
            }
            if c.dur.is_valid(i) {
                grp.agr.add(c.dur.value(i));
            }
            let state = c.state.get(i);
            let tcp = proto == Some("tcp");
            if tcp {
                grp.tcp_idx_first.get_or_insert(idx);
                if let Some(st) = state {
                    let rank = TCP_STATES
                        .iter()
                        .position(|s| *s == st)
                        .map_or(99, |r| r as i64);
                    grp.tcp_rank_min = Some(grp.tcp_rank_min.map_or(rank, |m| m.min(rank)));
                    if st == "REQ" {
                        grp.req_idx_last = Some(idx);
                        grp.tcp_req_idx_first.get_or_insert(idx);
                    } else {
                        grp.full_key_last = Some(idx * 128 + rank as u64);
                    }
                }
            }
            if let Some(st) = state {
                let code = self.states.find_or_insert(st.as_bytes(), &[]).0;
                match grp.state_seen {
                    None => grp.state_seen = Some(code),
                    Some(seen) if seen != code => grp.state_differ = true,
                    Some(_) => {}
                }
            }
            if c.dir
                .get(i)
                .is_some_and(|d| d.as_bytes().get(1) == Some(&b'-'))
            {
                grp.syn = true;
            }
            grp.arp |= matches!(proto, Some("arp" | "rarp"));
            grp.rarp |= proto == Some("rarp");
            if let Some(f) = c.flgs.get(i) {
                grp.flags(f.as_bytes());
            }
        }
        self.rows += batch.num_rows() as u64;
        self.retained += batch.num_rows();
        self.batches.push(batch);
        if self.retained > (4 * self.groups.len()).max(self.compact_rows) {
            self.compact()?;
        }
        Ok(())
    }

    /// One batch holding each group's first and last rows (in place of all
    /// the batches read so far).
    fn compact(&mut self) -> Result<(), String> {
        let Some(schema) = self.schema.clone() else {
            return Ok(());
        };
        let mut picks = Vec::with_capacity(2 * self.groups.len());
        for g in &self.groups {
            picks.push((g.first.batch as usize, g.first.row as usize));
            picks.push((g.last.batch as usize, g.last.row as usize));
        }
        let mut columns = Vec::with_capacity(schema.fields().len());
        for k in 0..schema.fields().len() {
            let arrays: Vec<&dyn Array> =
                self.batches.iter().map(|b| b.column(k).as_ref()).collect();
            columns.push(interleave(&arrays, &picks).map_err(|e| e.to_string())?);
        }
        let batch = RecordBatch::try_new(schema, columns).map_err(|e| e.to_string())?;
        for (n, g) in self.groups.iter_mut().enumerate() {
            g.first.batch = 0;
            g.first.row = (2 * n) as u32;
            g.last.batch = 0;
            g.last.row = (2 * n + 1) as u32;
        }
        self.retained = batch.num_rows();
        self.batches = vec![batch];
        Ok(())
    }

    /// Column `name` taken row by row from each group's first or last record
    /// (a turned-around record's value from the partner column `swap`).
    fn gather(&self, name: &str, swap: Option<&str>, last: bool) -> Result<ArrayRef, String> {
        let nb = self.batches.len();
        let mut arrays: Vec<&dyn Array> = Vec::with_capacity(2 * nb);
        for b in &self.batches {
            arrays.push(col(b, name)?);
        }
        if let Some(p) = swap {
            for b in &self.batches {
                arrays.push(col(b, p)?);
            }
        }
        let picks: Vec<(usize, usize)> = self
            .groups
            .iter()
            .map(|g| {
                let r = if last { g.last } else { g.first };
                let off = if swap.is_some() && r.reversed { nb } else { 0 };
                (r.batch as usize + off, r.row as usize)
            })
            .collect();
        interleave(&arrays, &picks).map_err(|e| e.to_string())
    }

    fn finish_batch(&mut self) -> Result<RecordBatch, String> {
        let Some(schema) = self.schema.clone() else {
            return Err("racluster kernel: no records".into());
        };
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        let n = self.groups.len();
        let cause_col = if names.contains(&"cause") {
            self.gather("cause", None, false)?
        } else {
            new_null_array(&DataType::Utf8, n)
        };
        let cause = Strs::of(cause_col.as_ref(), "cause")?;
        let state_col = self.gather("state", None, false)?;
        let state_first = Strs::of(state_col.as_ref(), "state")?;
        let keys: Vec<[Option<&str>; KEYS.len()]> = (0..n)
            .map(|i| key_values(self.index.key(i as u32)))
            .collect();
        let key = |i: usize, k: usize| keys[i][k];
        let proto_col = self.gather("proto", None, false)?;
        let proto_first = Strs::of(proto_col.as_ref(), "proto")?;
        // the merged protocol: UDP kinds merged are udp
        let protos: Vec<Option<&str>> = (0..n)
            .map(|i| match (self.five, self.groups[i].spans[0].1) {
                (false, _) => key(i, 0),
                (true, true) => Some("udp"),
                (true, false) => proto_first.get(i),
            })
            .collect();
        let key_col =
            |k: usize| -> ArrayRef { Arc::new(StringArray::from_iter((0..n).map(|i| key(i, k)))) };
        let sums = |k: usize| self.groups.iter().map(move |g| g.counts[k]);
        let spkts: Vec<u64> = sums(1).collect();
        let dpkts: Vec<u64> = sums(2).collect();
        let mut fields: Vec<Field> = Vec::new();
        let mut columns: Vec<ArrayRef> = Vec::new();
        for f in schema.fields() {
            let name = f.name().as_str();
            let column: ArrayRef = match name {
                "stime" | "ltime" => {
                    let v = self
                        .groups
                        .iter()
                        .map(|g| if name == "stime" { g.stime } else { g.ltime });
                    let tz = match f.data_type() {
                        DataType::Timestamp(_, tz) => tz.clone(),
                        _ => None,
                    };
                    Arc::new(TimestampMicrosecondArray::from_iter(v).with_timezone_opt(tz))
                }
                "dur" => Arc::new(Float64Array::from_iter(self.groups.iter().map(|g| match (
                    g.stime, g.ltime,
                ) {
                    (Some(s), Some(l)) => Some((l - s) as f64 / 1e6),
                    _ => None,
                }))),
                "flgs" => ascii_column(self.groups.iter().map(Group::flag_string)),
                "state" => Arc::new(StringArray::from_iter((0..n).map(|i| {
                    self.state(
                        i,
                        protos[i],
                        state_first.get(i),
                        cause.get(i),
                        spkts[i],
                        dpkts[i],
                    )
                }))),
                "dir" => {
                    ascii_column((0..n).map(|i| self.direction(i, protos[i], spkts[i], dpkts[i])))
                }
                "cause" | "seq" => self.gather(name, None, false)?,
                "proto" => Arc::new(StringArray::from_iter(protos.iter().copied())),
                "saddr" | "daddr" if self.five => {
                    let k = usize::from(name == "daddr");
                    Arc::new(StringArray::from_iter((0..n).map(|i| key(i, k))))
                }
                "srcid" if self.five => self.gather(name, None, false)?,
                "sport" | "dport" if self.five => {
                    let k = if name == "sport" { 1 } else { 2 };
                    let first = self.gather(name, None, false)?;
                    let first = Strs::of(first.as_ref(), name)?;
                    Arc::new(StringArray::from_iter((0..n).map(|i| {
                        // ports that differ are zeroed (ICMP's type/code printed in hex)
                        match (self.groups[i].spans[k].1, proto_first.get(i)) {
                            (true, Some("icmp")) => Some("0x0000"),
                            (true, _) => Some("0"),
                            (false, _) => first.get(i),
                        }
                    })))
                }
                "record" if self.templates => self.gather(name, None, false)?,
                "record" => new_null_array(&DataType::Binary, n),
                _ => {
                    if let Some(k) = KEYS.iter().position(|k| *k == name) {
                        key_col(k)
                    } else if let Some(k) = COUNTERS.iter().position(|k| *k == name) {
                        Arc::new(UInt64Array::from_iter_values(sums(k)))
                    } else {
                        let partner = pair_of(name, &names);
                        self.gather(name, partner.as_deref(), true)?
                    }
                }
            };
            fields.push(Field::new(name, column.data_type().clone(), true));
            columns.push(column);
        }
        let agr = |f: fn(&Agr) -> Option<f64>| -> ArrayRef {
            Arc::new(Float64Array::from_iter(
                self.groups.iter().map(|g| f(&g.agr)),
            ))
        };
        let extra: [(&str, ArrayRef); 6] = [
            (
                "trans",
                Arc::new(UInt32Array::from_iter_values(
                    self.groups.iter().map(|g| g.trans),
                )),
            ),
            (
                "mean",
                agr(|a| Some(if a.n > 0 { f64::from(a.mean) } else { 0.0 })),
            ),
            ("min", agr(|a| a.min.map(|x| f64::from(x as f32)))),
            ("max", agr(|a| a.max.map(|x| f64::from(x as f32)))),
            (
                "stddev",
                agr(|a| Some(if a.n > 0 { f64::from(a.stdev) } else { 0.0 })),
            ),
            ("sum", agr(|a| Some(a.sum))),
        ];
        for (name, column) in extra {
            fields.push(Field::new(name, column.data_type().clone(), true));
            columns.push(column);
        }
        if self.templates && names.contains(&"record") {
            let column = self.gather("record", None, true)?;
            fields.push(Field::new("_record_last", column.data_type().clone(), true));
            columns.push(column);
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| e.to_string())
    }

    fn state<'a>(
        &self,
        i: usize,
        proto: Option<&str>,
        first: Option<&'a str>,
        cause: Option<&str>,
        spkts: u64,
        dpkts: u64,
    ) -> Option<&'a str> {
        let g = &self.groups[i];
        let both = spkts > 0 && dpkts > 0;
        if proto == Some("tcp") {
            if g.state_seen.is_some() && !g.state_differ {
                return first;
            }
            return Some(g.tcp_state(both));
        }
        if self.five && proto == Some("ipv6-icmp") && g.spans[3].1 {
            return Some("UNK"); // merged ICMPv6 types/codes differ: the zeroed type prints UNK
        }
        if self.five && proto == Some("icmp") && g.spans[1].1 {
            return Some("ECR"); // merged ICMP types/codes differ: the zeroed type 0 is an echo reply
        }
        if matches!(proto, Some("icmp" | "ipv6-icmp" | "igmp"))
            || matches!(first, Some("STA" | "ERR"))
        {
            return first;
        }
        Some(if both {
            "CON"
        } else if spkts > 0 && cause.is_some_and(|c| INT_CAUSES.contains(&c)) {
            "INT"
        } else if spkts > 0 {
            "REQ"
        } else {
            "RSP"
        })
    }

    fn direction(&self, i: usize, proto: Option<&str>, spkts: u64, dpkts: u64) -> [u8; 3] {
        let g = &self.groups[i];
        let tcp = proto == Some("tcp");
        if g.rarp && proto == Some("rarp") {
            *b"tel"
        } else if g.arp && proto == Some("arp") {
            *b"who"
        } else if tcp && g.syn {
            *b" ->"
        } else {
            [
                if dpkts > 0 { b'<' } else { b' ' },
                if tcp && !g.syn { b'?' } else { b'-' },
                if spkts > 0 { b'>' } else { b' ' },
            ]
        }
    }
}

/// A string column of ASCII values built without a String each.
fn ascii_column<const N: usize>(values: impl Iterator<Item = [u8; N]>) -> ArrayRef {
    let mut b = StringBuilder::new();
    for v in values {
        b.append_value(std::str::from_utf8(&v).expect("ASCII"));
    }
    Arc::new(b.finish())
}

/// The destination column of a source column and back (cluster.py `pairs`:
/// `sX` with `dX`, not stime).
fn pair_of(name: &str, names: &[&str]) -> Option<String> {
    let (first, rest) = name.split_at_checked(1)?;
    let other = match first {
        "s" if name != "stime" => format!("d{rest}"),
        "d" => format!("s{rest}"),
        _ => return None,
    };
    (names.contains(&other.as_str()) && other != "stime").then_some(other)
}

#[pymethods]
impl ClusterMerger {
    /// `correct`: turn records of the reversed flow around (racluster's
    /// default); `templates`: keep each group's first record bytes in
    /// `record` and its last in `_record_last` (for -w); `five`: group by
    /// `-m saddr daddr proto sport dport` instead (no turning around).
    #[new]
    /// `compact_rows`: rows kept before the batches are compacted (tests).
    #[pyo3(signature = (correct=true, templates=false, five=false, compact_rows=1 << 20))]
    fn new(correct: bool, templates: bool, five: bool, compact_rows: usize) -> Self {
        Self {
            correct: correct && !five,
            five,
            templates,
            schema: None,
            batches: Vec::new(),
            retained: 0,
            compact_rows,
            rows: 0,
            groups: Vec::new(),
            index: KeyTable::default(),
            orient: KeyTable::default(),
            states: KeyTable::default(),
        }
    }

    /// Merge the records of `batch` (an Arrow record batch or stream).
    fn push(&mut self, py: Python<'_>, batch: AnyRecordBatch) -> PyResult<()> {
        let reader = batch.into_reader()?;
        py.detach(|| -> Result<(), String> {
            for b in reader {
                self.push_batch(b.map_err(|e| e.to_string())?)?;
            }
            Ok(())
        })
        .map_err(PyValueError::new_err)
    }

    /// The merged records (groups in order of their first record).
    fn finish(&mut self, py: Python<'_>) -> PyResult<PyRecordBatch> {
        let batch = py
            .detach(|| self.finish_batch())
            .map_err(PyValueError::new_err)?;
        Ok(PyRecordBatch::new(batch))
    }

    /// Records merged so far.
    #[getter]
    fn rows(&self) -> u64 {
        self.rows
    }
}
