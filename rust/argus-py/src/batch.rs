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

struct Side {
    ttl: UInt8Builder,
    tos: UInt8Builder,
    ipid: UInt16Builder,
    win: UInt32Builder,
    tcpb: UInt32Builder,
    mac: StringBuilder,
    vid: UInt16Builder,
    vpri: UInt8Builder,
    mpls: UInt32Builder,
    minsz: UInt32Builder,
    maxsz: UInt32Builder,
    intpkt: Float64Builder,
    jit: Float64Builder,
    /// Active and idle classes: mean interval and jitter.
    classes: [Float64Builder; 4],
    user: BinaryBuilder,
}

impl Side {
    fn new(n: usize) -> Self {
        Side {
            ttl: UInt8Builder::with_capacity(n),
            tos: UInt8Builder::with_capacity(n),
            ipid: UInt16Builder::with_capacity(n),
            win: UInt32Builder::with_capacity(n),
            tcpb: UInt32Builder::with_capacity(n),
            mac: StringBuilder::new(),
            vid: UInt16Builder::with_capacity(n),
            vpri: UInt8Builder::with_capacity(n),
            mpls: UInt32Builder::with_capacity(n),
            minsz: UInt32Builder::with_capacity(n),
            maxsz: UInt32Builder::with_capacity(n),
            intpkt: Float64Builder::with_capacity(n),
            jit: Float64Builder::with_capacity(n),
            classes: std::array::from_fn(|_| Float64Builder::with_capacity(n)),
            user: BinaryBuilder::new(),
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
        self.ttl.append_option(ip.then_some(d.ttl));
        self.tos.append_option(ip.then_some(d.tos));
        self.ipid.append_option(ip.then_some(d.ip_id));
        self.win.append_option(d.win);
        self.tcpb.append_option(d.tcp_base);
        self.mac.append_option(d.mac.as_ref().map(mac));
        self.vid.append_option(d.vlan_tci.map(|t| t & 0x0fff));
        self.vpri.append_option(d.vlan_tci.map(|t| (t >> 13) as u8));
        self.mpls.append_option(d.mpls.map(|m| m >> 12));
        let has = d.pkts > 0 && sizes;
        self.minsz.append_option(has.then_some(d.min_size));
        self.maxsz.append_option(has.then_some(d.max_size));
        // ra's sintpkt/sjit: both classes together (in practice one of them:
        // TCP intervals are idle unless data moves, other protocols active).
        let mut j = d.jitter_active;
        j.merge(&d.jitter_idle);
        let ms = |v: f64| jitter.then_some(v / 1000.0);
        self.intpkt.append_option(ms(j.mean()));
        self.jit.append_option(jitter.then(|| render::jitter_ms(d)));
        let (a, i) = (&d.jitter_active, &d.jitter_idle);
        for (b, v) in self
            .classes
            .iter_mut()
            .zip([a.mean(), i.mean(), a.stdev(), i.stdev()])
        {
            b.append_option(ms(v));
        }
        self.user
            .append_option(user.then_some(d.user_data.as_slice()));
    }

    fn finish(mut self, out: &mut Vec<ArrayRef>) {
        out.push(Arc::new(self.ttl.finish()));
        out.push(Arc::new(self.tos.finish()));
        out.push(Arc::new(self.ipid.finish()));
        out.push(Arc::new(self.win.finish()));
        out.push(Arc::new(self.tcpb.finish()));
        out.push(Arc::new(self.mac.finish()));
        out.push(Arc::new(self.vid.finish()));
        out.push(Arc::new(self.vpri.finish()));
        out.push(Arc::new(self.mpls.finish()));
        out.push(Arc::new(self.minsz.finish()));
        out.push(Arc::new(self.maxsz.finish()));
        out.push(Arc::new(self.intpkt.finish()));
        out.push(Arc::new(self.jit.finish()));
        for mut b in self.classes {
            out.push(Arc::new(b.finish()));
        }
        out.push(Arc::new(self.user.finish()));
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

/// Build one batch from records, their Argus bytes (`far[i]` is record
/// `i` as a FAR) and what each record was measured with.
/// Records are shown as ra shows them (its direction correction applied).
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

pub fn records_to_batch<B: AsRef<[u8]>>(
    records: &[FlowRecord],
    far: &[B],
    shown: impl Fn(usize) -> Shown,
) -> RecordBatch {
    let n = records.len();
    let mut stime = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut ltime = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut dur = Float64Builder::with_capacity(n);
    let mut text: Vec<StringBuilder> = (0..9).map(|_| StringBuilder::new()).collect();
    let mut counts: Vec<UInt64Builder> = (0..8).map(|_| UInt64Builder::with_capacity(n)).collect();
    let mut state = StringBuilder::new();
    let mut cause = StringBuilder::new();
    let mut seq = UInt32Builder::with_capacity(n);
    let mut srcid = StringBuilder::new();
    let mut rtt: Vec<Float64Builder> = (0..3).map(|_| Float64Builder::with_capacity(n)).collect();
    let mut loss: Vec<UInt32Builder> = (0..2).map(|_| UInt32Builder::with_capacity(n)).collect();
    let mut tcpopt = StringBuilder::new();
    let mut s_side = Side::new(n);
    let mut d_side = Side::new(n);
    let mut record = BinaryBuilder::with_capacity(n, far.iter().map(|b| b.as_ref().len()).sum());
    for (i, raw) in records.iter().enumerate() {
        let shown = shown(i);
        record.append_value(far[i].as_ref());
        let r = render::corrected(raw);
        let r = r.as_ref();
        let (st, lt) = (r.stime, r.ltime);
        stime.append_value(st);
        ltime.append_value(lt);
        dur.append_value((lt - st) as f64 / 1e6);
        let (sp, dp) = render::ports(r);
        text[0].append_value(render::flags(r));
        text[1].append_value(render::proto(r));
        text[2].append_value(render::saddr(r));
        text[3].append_option(sp);
        text[4].append_value(render::dir(r));
        text[5].append_value(render::daddr(r));
        text[6].append_option(dp);
        for (i, v) in [
            r.pkts(),
            r.src.pkts,
            r.dst.pkts,
            r.bytes(),
            r.src.bytes,
            r.dst.bytes,
            if shown.appbytes { r.src.appbytes } else { 0 },
            if shown.appbytes { r.dst.appbytes } else { 0 },
        ]
        .into_iter()
        .enumerate()
        {
            counts[i].append_value(v);
        }
        state.append_value(render::state(r));
        cause.append_value(r.cause.name());
        seq.append_value(r.seq);
        srcid.append_value(std::net::Ipv4Addr::from(r.srcid).to_string());
        let tcp = r.tcp_status.is_some();
        rtt[0].append_option(tcp.then(|| secs(r.synack_usec) + secs(r.ackdat_usec)));
        rtt[1].append_option(tcp.then(|| secs(r.synack_usec)));
        rtt[2].append_option(tcp.then(|| secs(r.ackdat_usec)));
        // ra shows a direction's loss only when the TCP object's state is
        // not 0 (CLOSED) and the direction sent packets (ArgusFetchSrcLoss).
        let shown_loss = |m: &DirMetrics| {
            if r.tcp_state != 0 && m.pkts > 0 {
                m.retrans
            } else {
                0
            }
        };
        loss[0].append_option(tcp.then(|| shown_loss(&r.src)));
        loss[1].append_option(tcp.then(|| shown_loss(&r.dst)));
        tcpopt.append_option(tcp.then(|| {
            TCPOPT_LETTERS
                .iter()
                .map(|(b, c)| if r.tcp_options & b != 0 { *c } else { ' ' })
                .collect::<String>()
        }));
        s_side.push(&r.src, shown);
        d_side.push(&r.dst, shown);
    }
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(stime.finish()),
        Arc::new(ltime.finish()),
        Arc::new(dur.finish()),
    ];
    let mut text = text.into_iter();
    for _ in 0..7 {
        if let Some(mut b) = text.next() {
            cols.push(Arc::new(b.finish()));
        }
    }
    for mut c in counts {
        cols.push(Arc::new(c.finish()));
    }
    cols.push(Arc::new(state.finish()));
    cols.push(Arc::new(cause.finish()));
    cols.push(Arc::new(seq.finish()));
    cols.push(Arc::new(srcid.finish()));
    for mut c in rtt {
        cols.push(Arc::new(c.finish()));
    }
    for mut c in loss {
        cols.push(Arc::new(c.finish()));
    }
    cols.push(Arc::new(tcpopt.finish()));
    s_side.finish(&mut cols);
    d_side.finish(&mut cols);
    cols.push(Arc::new(record.finish()));
    // Columns are built in schema order above; a mismatch is a bug caught by tests.
    RecordBatch::try_new(schema(), cols)
        .unwrap_or_else(|e| panic!("record batch does not match its schema: {e}"))
}
