//! Flow records → one Arrow record batch, columns named as ra names fields.

use argus_core::record::{DirMetrics, FlowRecord};
use argus_core::render;
use argus_format::Far;
use argus_format::dsr::Dsr;
use argus_format::dsr::metric::PKTS_BYTES_APP;
use arrow_array::builder::{
    BinaryBuilder, Float64Builder, StringBuilder, TimestampMicrosecondBuilder, UInt8Builder,
    UInt16Builder, UInt32Builder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use pyo3::prelude::*;
use pyo3_arrow::PySchema;
use std::sync::{Arc, OnceLock};

fn fields() -> Vec<Field> {
    use DataType::*;
    let f = |n: &str, t: DataType, null: bool| Field::new(n, t, null);
    let mut v = vec![
        f(
            "stime",
            Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        f(
            "ltime",
            Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        f("dur", Float64, false),
        f("flgs", Utf8, false),
        f("proto", Utf8, false),
        f("saddr", Utf8, false),
        f("sport", Utf8, true),
        f("dir", Utf8, false),
        f("daddr", Utf8, false),
        f("dport", Utf8, true),
        f("pkts", UInt64, false),
        f("spkts", UInt64, false),
        f("dpkts", UInt64, false),
        f("bytes", UInt64, false),
        f("sbytes", UInt64, false),
        f("dbytes", UInt64, false),
        f("sappbytes", UInt64, false),
        f("dappbytes", UInt64, false),
        f("state", Utf8, false),
        f("cause", Utf8, false),
        f("seq", UInt32, false),
        f("srcid", Utf8, false),
        f("tcprtt", Float64, true),
        f("synack", Float64, true),
        f("ackdat", Float64, true),
        f("sloss", UInt32, true),
        f("dloss", UInt32, true),
        f("tcpopt", Utf8, true),
    ];
    for side in ["s", "d"] {
        v.extend([
            f(&format!("{side}ttl"), UInt8, true),
            f(&format!("{side}tos"), UInt8, true),
            f(&format!("{side}ipid"), UInt16, true),
            f(&format!("{side}win"), UInt32, true),
            f(&format!("{side}tcpb"), UInt32, true),
            f(&format!("{side}mac"), Utf8, true),
            f(&format!("{side}vid"), UInt16, true),
            f(&format!("{side}vpri"), UInt8, true),
            f(&format!("{side}mpls"), UInt32, true),
            f(&format!("{side}minsz"), UInt32, true),
            f(&format!("{side}maxsz"), UInt32, true),
            f(&format!("{side}intpkt"), Float64, true),
            f(&format!("{side}jit"), Float64, true),
            f(&format!("{side}intpktact"), Float64, true),
            f(&format!("{side}intpktidl"), Float64, true),
            f(&format!("{side}jitact"), Float64, true),
            f(&format!("{side}jitidl"), Float64, true),
            // -U: the first payload bytes of the record in this direction.
            f(&format!("{side}user"), Binary, true),
        ]);
    }
    // The flow as an Argus 3 record (the FAR bytes): what `write_argus`
    // writes and what record filters read; the other columns are views of it.
    v.push(f("record", Binary, false));
    v
}

pub fn schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| Arc::new(Schema::new(fields()))).clone()
}

#[pyfunction]
pub fn record_schema() -> PySchema {
    PySchema::new(schema())
}

fn secs(usec: u32) -> f64 {
    f64::from(usec) / 1e6
}

fn mac(m: &[u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

const TCPOPT_LETTERS: [(u32, char); 12] = [
    (0x0010_0000, 'M'),
    (0x0020_0000, 'w'),
    (0x0040_0000, 's'),
    (0x0080_0000, 'S'),
    (0x0100_0000, 'e'),
    (0x0200_0000, 'E'),
    (0x0400_0000, 'T'),
    (0x0800_0000, 'c'),
    (0x1000_0000, 'N'),
    (0x2000_0000, 'O'),
    (0x4000_0000, 'S'),
    (0x8000_0000, 'D'),
];

/// Builders of one direction's columns; `None` for columns not projected.
struct Side {
    ttl: Option<UInt8Builder>,
    tos: Option<UInt8Builder>,
    ipid: Option<UInt16Builder>,
    win: Option<UInt32Builder>,
    tcpb: Option<UInt32Builder>,
    mac: Option<StringBuilder>,
    vid: Option<UInt16Builder>,
    vpri: Option<UInt8Builder>,
    mpls: Option<UInt32Builder>,
    minsz: Option<UInt32Builder>,
    maxsz: Option<UInt32Builder>,
    intpkt: Option<Float64Builder>,
    jit: Option<Float64Builder>,
    /// Active and idle classes: mean interval and jitter.
    classes: [Option<Float64Builder>; 4],
    user: Option<BinaryBuilder>,
}

/// Appends to a projected column's builder (nothing for a column left out).
fn put<B>(b: &mut Option<B>, f: impl FnOnce(&mut B)) {
    if let Some(b) = b.as_mut() {
        f(b)
    }
}

fn done<B: arrow_array::builder::ArrayBuilder>(b: Option<B>, out: &mut Vec<ArrayRef>) {
    if let Some(mut b) = b {
        out.push(b.finish());
    }
}

impl Side {
    fn new(n: usize, side: &str, p: &Projection) -> Self {
        let w = |name: &str| p.has(&format!("{side}{name}"));
        let u8b = |name: &str| w(name).then(|| UInt8Builder::with_capacity(n));
        let u16b = |name: &str| w(name).then(|| UInt16Builder::with_capacity(n));
        let u32b = |name: &str| w(name).then(|| UInt32Builder::with_capacity(n));
        let f64b = |name: &str| w(name).then(|| Float64Builder::with_capacity(n));
        Side {
            ttl: u8b("ttl"),
            tos: u8b("tos"),
            ipid: u16b("ipid"),
            win: u32b("win"),
            tcpb: u32b("tcpb"),
            mac: w("mac").then(StringBuilder::new),
            vid: u16b("vid"),
            vpri: u8b("vpri"),
            mpls: u32b("mpls"),
            minsz: u32b("minsz"),
            maxsz: u32b("maxsz"),
            intpkt: f64b("intpkt"),
            jit: f64b("jit"),
            classes: [
                f64b("intpktact"),
                f64b("intpktidl"),
                f64b("jitact"),
                f64b("jitidl"),
            ],
            user: w("user").then(BinaryBuilder::new),
        }
    }

    fn push(&mut self, d: &DirMetrics, shown: Shown) {
        let Shown {
            sizes,
            jitter,
            user,
            ..
        } = shown;
        let ip = d.has_ip;
        put(&mut self.ttl, |b| b.append_option(ip.then_some(d.ttl)));
        put(&mut self.tos, |b| b.append_option(ip.then_some(d.tos)));
        put(&mut self.ipid, |b| b.append_option(ip.then_some(d.ip_id)));
        put(&mut self.win, |b| b.append_option(d.win));
        put(&mut self.tcpb, |b| b.append_option(d.tcp_base));
        put(&mut self.mac, |b| b.append_option(d.mac.as_ref().map(mac)));
        put(&mut self.vid, |b| {
            b.append_option(d.vlan_tci.map(|t| t & 0x0fff))
        });
        put(&mut self.vpri, |b| {
            b.append_option(d.vlan_tci.map(|t| (t >> 13) as u8))
        });
        put(&mut self.mpls, |b| b.append_option(d.mpls.map(|m| m >> 12)));
        let has = d.pkts > 0 && sizes;
        put(&mut self.minsz, |b| {
            b.append_option(has.then_some(d.min_size))
        });
        put(&mut self.maxsz, |b| {
            b.append_option(has.then_some(d.max_size))
        });
        let ms = |v: f64| jitter.then_some(v / 1000.0);
        // ra's sintpkt/sjit: both classes together (in practice one of them:
        // TCP intervals are idle unless data moves, other protocols active).
        put(&mut self.intpkt, |b| {
            let mut j = d.jitter_active;
            j.merge(&d.jitter_idle);
            b.append_option(ms(j.mean()))
        });
        put(&mut self.jit, |b| {
            b.append_option(jitter.then(|| render::jitter_ms(d)))
        });
        let (a, i) = (&d.jitter_active, &d.jitter_idle);
        if self.classes.iter().any(Option::is_some) {
            let values = [a.mean(), i.mean(), a.stdev(), i.stdev()];
            for (b, v) in self.classes.iter_mut().zip(values) {
                put(b, |b| b.append_option(ms(v)));
            }
        }
        put(&mut self.user, |b| {
            b.append_option(user.then_some(d.user_data.as_slice()))
        });
    }

    fn finish(self, out: &mut Vec<ArrayRef>) {
        done(self.ttl, out);
        done(self.tos, out);
        done(self.ipid, out);
        done(self.win, out);
        done(self.tcpb, out);
        done(self.mac, out);
        done(self.vid, out);
        done(self.vpri, out);
        done(self.mpls, out);
        done(self.minsz, out);
        done(self.maxsz, out);
        done(self.intpkt, out);
        done(self.jit, out);
        for b in self.classes {
            done(b, out);
        }
        done(self.user, out);
    }
}

/// Which optional metrics the sensor was asked for (`-Z`, `-J`, `-U`): the
/// others are null rather than zero.
#[derive(Clone, Copy, Debug)]
pub struct Shown {
    /// -A: application byte counts (else 0, as ra prints them).
    pub appbytes: bool,
    pub sizes: bool,
    pub jitter: bool,
    pub user: bool,
}

/// Which optional metrics a record carries (the sensor's -A, -Z, -J, -U):
/// decided from its DSRs, for records read and made alike, so that a row
/// shows the same whether it came from a capture or from its record.
pub fn shown_of(f: &Far) -> Shown {
    let mut s = Shown {
        appbytes: false,
        sizes: false,
        jitter: false,
        user: false,
    };
    for d in &f.dsrs {
        match d.meaning().as_ref() {
            Dsr::Metric(m) => s.appbytes = m.subtype & PKTS_BYTES_APP != 0,
            Dsr::Psize(_) => s.sizes = true,
            Dsr::Jitter(_) => s.jitter = true,
            Dsr::UserData(_) => s.user = true,
            _ => {}
        }
    }
    s
}

/// Which columns of the record schema a batch has (schema order kept).
#[derive(Clone, Debug)]
pub struct Projection {
    schema: SchemaRef,
    /// Any column other than `record` (one read from the record's DSRs)?
    decode: bool,
}

impl Projection {
    /// Every column.
    pub fn all() -> Self {
        Projection {
            schema: schema(),
            decode: true,
        }
    }

    /// The named columns (in schema order, whatever order they are given
    /// in); an unknown name is an error naming it.
    pub fn of(names: &[String]) -> Result<Self, String> {
        let full = schema();
        let mut want = vec![false; full.fields().len()];
        for n in names {
            let i = full.index_of(n).map_err(|_| {
                format!("unknown column {n:?} (the columns are those of record_schema())")
            })?;
            want[i] = true;
        }
        let kept: Vec<Field> = full
            .fields()
            .iter()
            .zip(&want)
            .filter(|(_, w)| **w)
            .map(|(f, _)| f.as_ref().clone())
            .collect();
        let decode = kept.iter().any(|f| f.name() != "record");
        Ok(Projection {
            schema: Arc::new(Schema::new(kept)),
            decode,
        })
    }

    pub fn has(&self, name: &str) -> bool {
        self.schema.index_of(name).is_ok()
    }

    /// Is any column other than `record` wanted (one read from the record's DSRs)?
    pub fn needs_decode(&self) -> bool {
        self.decode
    }

    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

/// Rows appended one record at a time into the projected columns.
pub struct BatchBuilder {
    projection: Projection,
    rows: usize,
    stime: Option<TimestampMicrosecondBuilder>,
    ltime: Option<TimestampMicrosecondBuilder>,
    dur: Option<Float64Builder>,
    /// flgs proto saddr sport dir daddr dport
    text: [Option<StringBuilder>; 7],
    /// pkts spkts dpkts bytes sbytes dbytes sappbytes dappbytes
    counts: [Option<UInt64Builder>; 8],
    state: Option<StringBuilder>,
    cause: Option<StringBuilder>,
    seq: Option<UInt32Builder>,
    srcid: Option<StringBuilder>,
    /// tcprtt synack ackdat
    rtt: [Option<Float64Builder>; 3],
    /// sloss dloss
    loss: [Option<UInt32Builder>; 2],
    tcpopt: Option<StringBuilder>,
    s_side: Side,
    d_side: Side,
    record: Option<BinaryBuilder>,
}

impl BatchBuilder {
    pub fn new(capacity: usize, projection: &Projection) -> Self {
        let n = capacity;
        let p = projection;
        let ts = |name: &str| {
            p.has(name)
                .then(|| TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC"))
        };
        let txt = |name: &str| p.has(name).then(StringBuilder::new);
        let u64b = |name: &str| p.has(name).then(|| UInt64Builder::with_capacity(n));
        let u32b = |name: &str| p.has(name).then(|| UInt32Builder::with_capacity(n));
        let f64b = |name: &str| p.has(name).then(|| Float64Builder::with_capacity(n));
        BatchBuilder {
            projection: p.clone(),
            rows: 0,
            stime: ts("stime"),
            ltime: ts("ltime"),
            dur: f64b("dur"),
            text: ["flgs", "proto", "saddr", "sport", "dir", "daddr", "dport"].map(txt),
            counts: [
                "pkts",
                "spkts",
                "dpkts",
                "bytes",
                "sbytes",
                "dbytes",
                "sappbytes",
                "dappbytes",
            ]
            .map(u64b),
            state: txt("state"),
            cause: txt("cause"),
            seq: u32b("seq"),
            srcid: txt("srcid"),
            rtt: ["tcprtt", "synack", "ackdat"].map(f64b),
            loss: ["sloss", "dloss"].map(u32b),
            tcpopt: txt("tcpopt"),
            s_side: Side::new(n, "s", p),
            d_side: Side::new(n, "d", p),
            record: p.has("record").then(BinaryBuilder::new),
        }
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    /// One row: `raw` (as read from `far`, the record's bytes) shown as ra
    /// shows it (its direction correction applied). `raw` is not looked at
    /// when only the `record` column is projected.
    pub fn push(&mut self, raw: &FlowRecord, far: &[u8], shown: Shown) {
        self.rows += 1;
        put(&mut self.record, |b| b.append_value(far));
        if !self.projection.needs_decode() {
            return;
        }
        let r = render::corrected(raw);
        let r = r.as_ref();
        let (st, lt) = (r.stime, r.ltime);
        put(&mut self.stime, |b| b.append_value(st));
        put(&mut self.ltime, |b| b.append_value(lt));
        put(&mut self.dur, |b| b.append_value((lt - st) as f64 / 1e6));
        let [flgs, proto, saddr, sport, dir, daddr, dport] = &mut self.text;
        put(flgs, |b| b.append_value(render::flags(r)));
        put(proto, |b| b.append_value(render::proto(r)));
        put(saddr, |b| b.append_value(render::saddr(r)));
        if sport.is_some() || dport.is_some() {
            let (sp, dp) = render::ports(r);
            put(sport, |b| b.append_option(sp));
            put(dport, |b| b.append_option(dp));
        }
        put(dir, |b| b.append_value(render::dir(r)));
        put(daddr, |b| b.append_value(render::daddr(r)));
        let app = |v: u64| if shown.appbytes { v } else { 0 };
        let counts = [
            r.pkts(),
            r.src.pkts,
            r.dst.pkts,
            r.bytes(),
            r.src.bytes,
            r.dst.bytes,
            app(r.src.appbytes),
            app(r.dst.appbytes),
        ];
        for (b, v) in self.counts.iter_mut().zip(counts) {
            put(b, |b| b.append_value(v));
        }
        put(&mut self.state, |b| b.append_value(render::state(r)));
        put(&mut self.cause, |b| b.append_value(r.cause.name()));
        put(&mut self.seq, |b| b.append_value(r.seq));
        put(&mut self.srcid, |b| {
            b.append_value(std::net::Ipv4Addr::from(r.srcid).to_string())
        });
        let tcp = r.tcp_status.is_some();
        let rtt = [
            secs(r.synack_usec) + secs(r.ackdat_usec),
            secs(r.synack_usec),
            secs(r.ackdat_usec),
        ];
        for (b, v) in self.rtt.iter_mut().zip(rtt) {
            put(b, |b| b.append_option(tcp.then_some(v)));
        }
        // ra shows a direction's loss only when the TCP object's state is
        // not 0 (CLOSED) and the direction sent packets (ArgusFetchSrcLoss).
        let shown_loss = |m: &DirMetrics| {
            if r.tcp_state != 0 && m.pkts > 0 {
                m.retrans
            } else {
                0
            }
        };
        for (b, m) in self.loss.iter_mut().zip([&r.src, &r.dst]) {
            put(b, |b| b.append_option(tcp.then(|| shown_loss(m))));
        }
        put(&mut self.tcpopt, |b| {
            b.append_option(tcp.then(|| {
                TCPOPT_LETTERS
                    .iter()
                    .map(|(b, c)| if r.tcp_options & b != 0 { *c } else { ' ' })
                    .collect::<String>()
            }))
        });
        self.s_side.push(&r.src, shown);
        self.d_side.push(&r.dst, shown);
    }

    /// One row when only the `record` column is projected.
    pub fn push_record(&mut self, far: &[u8]) {
        debug_assert!(!self.projection.needs_decode());
        self.rows += 1;
        put(&mut self.record, |b| b.append_value(far));
    }

    /// The batch of the rows pushed so far (columns in schema order).
    pub fn finish(self) -> RecordBatch {
        let mut cols: Vec<ArrayRef> = Vec::new();
        done(self.stime, &mut cols);
        done(self.ltime, &mut cols);
        done(self.dur, &mut cols);
        let [flgs, proto, saddr, sport, dir, daddr, dport] = self.text;
        for b in [flgs, proto, saddr, sport, dir, daddr, dport] {
            done(b, &mut cols);
        }
        for b in self.counts {
            done(b, &mut cols);
        }
        done(self.state, &mut cols);
        done(self.cause, &mut cols);
        done(self.seq, &mut cols);
        done(self.srcid, &mut cols);
        for b in self.rtt {
            done(b, &mut cols);
        }
        for b in self.loss {
            done(b, &mut cols);
        }
        done(self.tcpopt, &mut cols);
        self.s_side.finish(&mut cols);
        self.d_side.finish(&mut cols);
        done(self.record, &mut cols);
        // Columns are built in schema order above; a mismatch is a bug caught by tests.
        let options = arrow_array::RecordBatchOptions::new().with_row_count(Some(self.rows));
        RecordBatch::try_new_with_options(self.projection.schema(), cols, &options)
            .unwrap_or_else(|e| panic!("record batch does not match its schema: {e}"))
    }
}

/// Build one batch (every column) from records, their Argus bytes (`far[i]`
/// is record `i` as a FAR) and what each record was measured with.
pub fn records_to_batch<B: AsRef<[u8]>>(
    records: &[FlowRecord],
    far: &[B],
    shown: impl Fn(usize) -> Shown,
) -> RecordBatch {
    let mut b = BatchBuilder::new(records.len(), &Projection::all());
    for (i, r) in records.iter().enumerate() {
        b.push(r, far[i].as_ref(), shown(i));
    }
    b.finish()
}
