//! Helpers of the `ra` printer (`argus_rs.ra`): the facts of a record that
//! the flow-record columns do not carry, decoded from the `record` bytes
//! (with ra's direction correction applied, as the columns are), and C
//! `printf("%.*f")` number formatting over Arrow arrays.

use std::sync::Arc;

use crate::binary::binary_values;
use argus_core::flow::key::KeyKind;
use argus_core::record::FlowRecord;
use argus_core::render;
use argus_format::Far;
use argus_format::dsr::Dsr;
use argus_format::dsr::jitter::JitterStats;
use argus_format::dsr::network::{NetBody, subtype as net};
use arrow_array::builder::{Float32Builder, Int64Builder, StringBuilder, UInt32Builder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type};
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3_arrow::input::AnyArray;
use pyo3_arrow::{PyArray, PyRecordBatch};

/// C's `%.*f` of one value (glibc: exact decimal expansion, ties to even,
/// `nan`/`inf` spelled in lower case).
fn c_fixed(v: f64, digits: usize, out: &mut String) {
    use std::fmt::Write;
    if v.is_nan() {
        out.push_str(if v.is_sign_negative() { "-nan" } else { "nan" });
    } else if v.is_infinite() {
        out.push_str(if v < 0.0 { "-inf" } else { "inf" });
    } else {
        let _ = write!(out, "{v:.digits$}");
    }
}

/// `printf("%.*f", digits, v)` for every value of a float array (Float32
/// values are widened exactly, as C does); null stays null.
#[pyfunction]
pub fn ra_format_fixed(py: Python<'_>, values: AnyArray, digits: usize) -> PyResult<PyArray> {
    let chunks = values.into_chunked_array()?.into_inner().0;
    let out = py
        .detach(|| -> Result<StringArray, String> {
            let rows: usize = chunks.iter().map(|c| c.len()).sum();
            let mut all = StringBuilder::with_capacity(rows, rows * (digits + 8));
            let mut s = String::new();
            for c in &chunks {
                let mut push = |v: Option<f64>| match v {
                    Some(v) => {
                        s.clear();
                        c_fixed(v, digits, &mut s);
                        all.append_value(&s);
                    }
                    None => all.append_null(),
                };
                match c.data_type() {
                    DataType::Float64 => c.as_primitive::<Float64Type>().iter().for_each(&mut push),
                    DataType::Float32 => c
                        .as_primitive::<Float32Type>()
                        .iter()
                        .for_each(|v| push(v.map(f64::from))),
                    t => return Err(format!("ra_format_fixed: expected floats, got {t}")),
                }
            }
            Ok(all.finish())
        })
        .map_err(PyValueError::new_err)?;
    Ok(PyArray::from_array_ref(Arc::new(out)))
}

/// The record as ra reads it (direction corrected), or None for bytes that
/// are not a flow record.
struct Extra {
    r: FlowRecord,
    dsrs: u32,
    /// The JITTER DSR's blocks as shown (src act, src idle, dst act, dst idle).
    jitter: Option<[JitterStats; 4]>,
    /// The ARP object's responder address (ra's `resp`).
    resp: Option<[u8; 6]>,
    /// The node that sent an ICMP error mapped onto the flow (ra's `inode`).
    inode: Option<String>,
}

fn corrected(b: &[u8]) -> Option<Extra> {
    if b.len() < 4 || !matches!(b[0] & 0xf0, 0x10 | 0x30 | 0x40) {
        return None;
    }
    let far = Far::decode_values(b, 0);
    let mut r = argus_format::map::flow_from_far(&far);
    let mut dsrs = 0u32;
    let mut jitter = None;
    let mut resp = None;
    let mut inode = None;
    for d in &far.dsrs {
        match d.meaning().as_ref() {
            Dsr::Jitter(j) => jitter = Some(j.blocks),
            Dsr::Icmp(i) if i.qual & ICMP_MAPPED != 0 => inode = Some(i.clone()),
            Dsr::Network(n) if n.subtype == net::ARP => {
                if let NetBody::Bytes(b) = &n.body
                    && b.len() >= 6
                {
                    resp = Some([b[0], b[1], b[2], b[3], b[4], b[5]]);
                }
            }
            _ => {}
        }
        dsrs |= match d.meaning().as_ref() {
            Dsr::Mac(_) => 1,
            Dsr::Vlan(_) => 2,
            Dsr::Mpls(_) => 4,
            Dsr::IpAttr(_) => 8,
            Dsr::Jitter(_) => 16,
            Dsr::Psize(_) => 32,
            Dsr::Network(_) => 64,
            Dsr::Icmp(_) => 128,
            _ => 0,
        };
        if let Dsr::Flow(f) = d.meaning().as_ref()
            && f.reversed()
            && matches!(r.key.kind, KeyKind::Arp | KeyKind::Rarp)
        {
            std::mem::swap(&mut r.src.encaps, &mut r.dst.encaps);
            std::mem::swap(&mut r.src.jitter_active, &mut r.dst.jitter_active);
            std::mem::swap(&mut r.src.jitter_idle, &mut r.dst.jitter_idle);
        }
    }
    // ra prints the ICMP object's outer source (16 bytes from there for IPv6)
    let inode = inode.and_then(|i| match r.key.kind {
        KeyKind::Ipv4 | KeyKind::Ipv4Frag | KeyKind::L3Matrix => {
            Some(std::net::Ipv4Addr::from(i.osrcaddr).to_string())
        }
        KeyKind::Ipv6 | KeyKind::Ipv6Frag => {
            let mut a = [0u8; 16];
            for (k, w) in [i.osrcaddr, i.odstaddr, i.isrcaddr, i.idstaddr]
                .iter()
                .enumerate()
            {
                a[4 * k..4 * k + 4].copy_from_slice(&w.to_be_bytes());
            }
            Some(std::net::Ipv6Addr::from(a).to_string())
        }
        _ => None,
    });
    // ra's direction correction (without copying records it leaves alone)
    let reversed = match render::corrected(&r) {
        std::borrow::Cow::Borrowed(_) => None,
        std::borrow::Cow::Owned(o) => Some(o),
    };
    let r = match reversed {
        None => r,
        Some(o) => {
            if let Some(j) = jitter.as_mut() {
                j.swap(0, 2);
                j.swap(1, 3);
            }
            o
        }
    };
    Some(Extra {
        r,
        dsrs,
        jitter,
        resp,
        inode,
    })
}

/// Number ra shows for the protocol with `-nn`.
fn proto_number(r: &FlowRecord) -> u32 {
    match r.key.kind {
        KeyKind::Arp => 2054,
        KeyKind::Rarp => 32821,
        KeyKind::Ether => r.key.aux & 0xffff,
        _ => u32::from(r.key.proto),
    }
}

/// ICMP DSR qualifier bits: unreachable, redirect, time exceeded mapped.
const ICMP_MAPPED: u8 = 0x07;

/// Jitter block prefixes (src active, src idle, dst active, dst idle).
const JIT_BLOCKS: [&str; 4] = ["jsa", "jsi", "jda", "jdi"];
/// Per block: n, then the f32 statistics (µs).
const JIT_STATS: [&str; 4] = ["min", "mean", "stdev", "max"];

/// Per record of `records` (Arrow binary, FAR bytes): `proto_num`, the
/// per-direction times `sstime sltime dstime dltime` (µs, null when absent),
/// `tcp_status`, `tcp_state`, `sflags dflags` (TCP flags seen), `senc denc`
/// (encapsulation masks), the JITTER DSR's blocks as ra shows them
/// (`jsa_n jsa_min jsa_mean jsa_stdev jsa_max`, then `jsi_`, `jda_`, `jdi_`
/// for src idle, dst active, dst idle; µs, f32; null without the DSR) and `dsrs`, bits of the DSRs present (0x01
/// MAC, 0x02 VLAN, 0x04 MPLS, 0x08 IPATTR, 0x10 JITTER, 0x20 PSIZE, 0x40
/// NETWORK, 0x80 ICMP), `resp` (the ARP responder MAC) and `inode` (the
/// sender of an ICMP error mapped onto the flow).
#[pyfunction]
pub fn ra_extra(py: Python<'_>, records: AnyArray) -> PyResult<PyRecordBatch> {
    let chunks = records.into_chunked_array()?.into_inner().0;
    let batch = py
        .detach(|| -> Result<RecordBatch, String> {
            let mut u32s: Vec<UInt32Builder> = (0..8).map(|_| UInt32Builder::new()).collect();
            let mut times: Vec<Int64Builder> = (0..4).map(|_| Int64Builder::new()).collect();
            let mut resp = StringBuilder::new();
            let mut inode = StringBuilder::new();
            let mut jn: Vec<Int64Builder> = (0..4).map(|_| Int64Builder::new()).collect();
            let mut jf: Vec<Float32Builder> = (0..16).map(|_| Float32Builder::new()).collect();
            for c in &chunks {
                let values = binary_values(c.as_ref()).ok_or_else(|| {
                    format!("ra_extra: expected a binary array, got {}", c.data_type())
                })?;
                for v in values {
                    let Some(Extra {
                        r,
                        dsrs,
                        jitter,
                        resp: arp_resp,
                        inode: icmp_inode,
                    }) = v.and_then(corrected)
                    else {
                        u32s.iter_mut().for_each(|b| b.append_null());
                        times.iter_mut().for_each(|b| b.append_null());
                        jn.iter_mut().for_each(|b| b.append_null());
                        jf.iter_mut().for_each(|b| b.append_null());
                        resp.append_null();
                        inode.append_null();
                        continue;
                    };
                    u32s[0].append_value(proto_number(&r));
                    u32s[1].append_option(r.tcp_status);
                    u32s[2].append_value(u32::from(r.tcp_state));
                    u32s[3].append_value(u32::from(r.src.tcp_flags));
                    u32s[4].append_value(u32::from(r.dst.tcp_flags));
                    u32s[5].append_value(r.src.encaps);
                    u32s[6].append_value(r.dst.encaps);
                    u32s[7].append_value(dsrs);
                    inode.append_option(icmp_inode);
                    resp.append_option(arp_resp.map(|m| {
                        m.iter()
                            .map(|b| format!("{b:02x}"))
                            .collect::<Vec<_>>()
                            .join(":")
                    }));
                    for (i, t) in [r.src.start, r.src.last, r.dst.start, r.dst.last]
                        .into_iter()
                        .enumerate()
                    {
                        times[i].append_option((t != 0).then_some(t));
                    }
                    for i in 0..4 {
                        let b = jitter.as_ref().map(|j| &j[i]);
                        jn[i].append_option(b.map(|s| i64::from(s.n)));
                        jf[4 * i].append_option(b.map(|s| s.min));
                        jf[4 * i + 1].append_option(b.map(|s| s.mean));
                        jf[4 * i + 2].append_option(b.map(|s| s.stdev));
                        jf[4 * i + 3].append_option(b.map(|s| s.max));
                    }
                }
            }
            let mut fields = Vec::new();
            let mut cols: Vec<ArrayRef> = Vec::new();
            let u32_names = [
                "proto_num",
                "tcp_status",
                "tcp_state",
                "sflags",
                "dflags",
                "senc",
                "denc",
                "dsrs",
            ];
            for (name, mut b) in u32_names.into_iter().zip(u32s) {
                fields.push(Field::new(name, DataType::UInt32, true));
                cols.push(Arc::new(b.finish()));
            }
            for (name, mut b) in ["sstime", "sltime", "dstime", "dltime"]
                .into_iter()
                .zip(times)
            {
                fields.push(Field::new(name, DataType::Int64, true));
                cols.push(Arc::new(b.finish()));
            }
            fields.push(Field::new("resp", DataType::Utf8, true));
            cols.push(Arc::new(resp.finish()));
            fields.push(Field::new("inode", DataType::Utf8, true));
            cols.push(Arc::new(inode.finish()));
            let mut jf = jf.into_iter();
            for (blk, mut n) in JIT_BLOCKS.into_iter().zip(jn) {
                fields.push(Field::new(format!("{blk}_n"), DataType::Int64, true));
                cols.push(Arc::new(n.finish()));
                for stat in JIT_STATS {
                    let mut b = jf.next().expect("16 jitter builders");
                    fields.push(Field::new(format!("{blk}_{stat}"), DataType::Float32, true));
                    cols.push(Arc::new(b.finish()));
                }
            }
            RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).map_err(|e| e.to_string())
        })
        .map_err(PyValueError::new_err)?;
    Ok(PyRecordBatch::new(batch))
}

/// ra's user-data column text (RA_USERDATA_ENCODE=Ascii): `{tag}[n]=` and the
/// first `n = min(len, maxlen)` bytes, printable ASCII kept, others as `.`;
/// null for a null value.
#[pyfunction]
pub fn ra_user_text(
    py: Python<'_>,
    values: AnyArray,
    maxlen: usize,
    tag: &str,
) -> PyResult<PyArray> {
    let chunks = values.into_chunked_array()?.into_inner().0;
    let out = py
        .detach(|| -> Result<StringArray, String> {
            let mut all: Vec<Option<String>> = Vec::new();
            for c in &chunks {
                let vals = binary_values(c.as_ref()).ok_or_else(|| {
                    format!(
                        "ra_user_text: expected a binary array, got {}",
                        c.data_type()
                    )
                })?;
                for v in vals {
                    all.push(v.map(|b| {
                        let b = &b[..b.len().min(maxlen)];
                        let mut s = format!("{tag}[{}]=", b.len());
                        s.extend(b.iter().map(|&c| {
                            if (0x20..0x7f).contains(&c) {
                                char::from(c)
                            } else {
                                '.'
                            }
                        }));
                        s
                    }));
                }
            }
            Ok(all.into_iter().collect())
        })
        .map_err(PyValueError::new_err)?;
    Ok(PyArray::from_array_ref(Arc::new(out)))
}

/// Civil date of a day count since 1970-01-01 (proleptic Gregorian).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// Does `ra_format_time` know every conversion of `fmt`?
fn time_format_supported(fmt: &str) -> bool {
    let mut it = fmt.chars();
    while let Some(c) = it.next() {
        if c == '%'
            && !matches!(
                it.next(),
                Some(
                    'T' | 'H'
                        | 'M'
                        | 'S'
                        | 'Y'
                        | 'y'
                        | 'm'
                        | 'd'
                        | 'e'
                        | 'j'
                        | 'b'
                        | 'h'
                        | 'a'
                        | 'D'
                        | 'F'
                        | 'R'
                        | 'f'
                        | '%'
                        | 'n'
                        | 't'
                )
            )
        {
            return false;
        }
    }
    true
}

/// One time as ra's ArgusPrintTime writes it: `local_us` = µs since the
/// epoch in local time (the UTC offset already added), `frac_us` the
/// microseconds shown by `%f` (`digits` of them, truncated).
fn format_time(local_us: i64, frac_us: i64, fmt: &str, digits: usize, out: &mut String) {
    use std::fmt::Write;
    let secs = local_us.div_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (hh, mm, ss) = (sod / 3600, sod % 3600 / 60, sod % 60);
    let (y, mo, d) = civil(days);
    let mut it = fmt.chars();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let _ = match it.next() {
            Some('T') => write!(out, "{hh:02}:{mm:02}:{ss:02}"),
            Some('R') => write!(out, "{hh:02}:{mm:02}"),
            Some('H') => write!(out, "{hh:02}"),
            Some('M') => write!(out, "{mm:02}"),
            Some('S') => write!(out, "{ss:02}"),
            Some('Y') => write!(out, "{y}"),
            Some('y') => write!(out, "{:02}", y.rem_euclid(100)),
            Some('m') => write!(out, "{mo:02}"),
            Some('d') => write!(out, "{d:02}"),
            Some('e') => write!(out, "{d:2}"),
            Some('j') => {
                let (y0, _, _) = civil(days);
                let jan1 = days_from_civil(y0, 1, 1);
                write!(out, "{:03}", days - jan1 + 1)
            }
            Some('b' | 'h') => write!(out, "{}", MONTHS[(mo - 1) as usize]),
            Some('a') => write!(out, "{}", DAYS[days.rem_euclid(7) as usize]),
            Some('D') => write!(out, "{mo:02}/{d:02}/{:02}", y.rem_euclid(100)),
            Some('F') => write!(out, "{y}-{mo:02}-{d:02}"),
            Some('n') => writeln!(out),
            Some('t') => write!(out, "\t"),
            Some('%') => write!(out, "%"),
            Some('f') => {
                if digits > 0 {
                    while out.ends_with(|c: char| c.is_ascii_whitespace()) {
                        out.pop();
                    }
                    let f = format!("{:06}", frac_us.rem_euclid(1_000_000));
                    out.push_str(&f[..digits.min(6)]);
                } else if out.ends_with('.') {
                    out.pop();
                }
                Ok(())
            }
            _ => Ok(()),
        };
    }
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Times (µs since the epoch, UTC) as ra prints them with RA_TIME_FORMAT
/// `fmt` (strftime conversions %T %R %H %M %S %Y %y %m %d %e %j %b %h %a %D
/// %F %n %t %% and ra's %f = the fraction in `digits` digits), shifted by
/// `offsets` (µs, per value: the local time zone's UTC offset; null = 0).
/// A null time prints as the epoch. ValueError for another conversion.
#[pyfunction]
pub fn ra_format_time(
    py: Python<'_>,
    times: AnyArray,
    offsets: AnyArray,
    fmt: &str,
    digits: usize,
) -> PyResult<PyArray> {
    if !time_format_supported(fmt) {
        return Err(PyValueError::new_err(format!(
            "ra_format_time: unsupported format {fmt:?}"
        )));
    }
    let t = times.into_chunked_array()?.into_inner().0;
    let o = offsets.into_chunked_array()?.into_inner().0;
    let out = py
        .detach(|| -> Result<StringArray, String> {
            let ints = |chunks: &[ArrayRef]| -> Result<Vec<Option<i64>>, String> {
                let mut v = Vec::new();
                for c in chunks {
                    match c.data_type() {
                        DataType::Int64 => {
                            v.extend(c.as_primitive::<arrow_array::types::Int64Type>().iter())
                        }
                        t => return Err(format!("ra_format_time: expected Int64, got {t}")),
                    }
                }
                Ok(v)
            };
            let (t, o) = (ints(&t)?, ints(&o)?);
            if t.len() != o.len() {
                return Err("ra_format_time: times and offsets differ in length".into());
            }
            let mut b = arrow_array::builder::StringBuilder::with_capacity(t.len(), t.len() * 16);
            let mut s = String::new();
            for (t, o) in t.into_iter().zip(o) {
                s.clear();
                let t = t.unwrap_or(0);
                format_time(t + o.unwrap_or(0), t, fmt, digits, &mut s);
                b.append_value(&s);
            }
            Ok(b.finish())
        })
        .map_err(PyValueError::new_err)?;
    Ok(PyArray::from_array_ref(Arc::new(out)))
}

/// One column of a printed line: its values (Utf8; null = the field wrote
/// nothing), width, justification and what comes before it.
struct Column<'a> {
    values: Vec<Option<&'a str>>,
    width: usize,
    left: bool,
    /// pad/truncate to the width
    fixed: bool,
    /// keep the blank ra writes after the value (Flgs with a separator)
    keep_blank: bool,
    /// the separator before it becomes '.' when the value is not blank
    period: bool,
}

/// ra's text lines from the rendered values of each field: per field, the
/// value padded (right-justified, or left when `left`) and truncated with
/// `*` to its width when `fixed`, then a blank, or the separator `sep`
/// (trailing blanks of the value dropped, but for `keep_blank` fields);
/// the blank before a `period` field is a '.' when its text is not blank.
/// Lines lose their trailing white space, and one trailing `sep`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn ra_join_lines(
    py: Python<'_>,
    values: Vec<AnyArray>,
    widths: Vec<usize>,
    left: Vec<bool>,
    fixed: Vec<bool>,
    keep_blank: Vec<bool>,
    period: Vec<bool>,
    sep: Option<String>,
) -> PyResult<PyArray> {
    let n = values.len();
    if [
        widths.len(),
        left.len(),
        fixed.len(),
        keep_blank.len(),
        period.len(),
    ] != [n; 5]
    {
        return Err(PyValueError::new_err("ra_join_lines: one entry per field"));
    }
    let arrays: Vec<Vec<ArrayRef>> = values
        .into_iter()
        .map(|v| v.into_chunked_array().map(|c| c.into_inner().0))
        .collect::<Result<_, _>>()?;
    let out = py
        .detach(|| -> Result<StringArray, String> {
            let mut cols = Vec::with_capacity(n);
            for (i, chunks) in arrays.iter().enumerate() {
                let mut v: Vec<Option<&str>> = Vec::new();
                for c in chunks {
                    match c.data_type() {
                        DataType::Utf8 => v.extend(c.as_string::<i32>().iter()),
                        DataType::LargeUtf8 => v.extend(c.as_string::<i64>().iter()),
                        DataType::Utf8View => v.extend(c.as_string_view().iter()),
                        t => {
                            return Err(format!(
                                "ra_join_lines: field {i}: expected strings, got {t}"
                            ));
                        }
                    }
                }
                cols.push(Column {
                    values: v,
                    width: widths[i],
                    left: left[i],
                    fixed: fixed[i],
                    keep_blank: keep_blank[i],
                    period: period[i],
                });
            }
            let rows = cols.first().map_or(0, |c| c.values.len());
            if cols.iter().any(|c| c.values.len() != rows) {
                return Err("ra_join_lines: fields differ in length".into());
            }
            let mut b = arrow_array::builder::StringBuilder::with_capacity(rows, rows * 64);
            let mut line = String::new();
            let mut cell = String::new();
            for r in 0..rows {
                line.clear();
                for (i, c) in cols.iter().enumerate() {
                    let Some(v) = c.values[r] else { continue };
                    cell.clear();
                    if c.fixed {
                        let len = v.chars().count();
                        if len > c.width {
                            cell.extend(v.chars().take(c.width.saturating_sub(1)));
                            if c.width > 0 {
                                cell.push('*');
                            }
                        } else if c.left {
                            cell.push_str(v);
                            cell.extend(std::iter::repeat_n(' ', c.width - len));
                        } else {
                            cell.extend(std::iter::repeat_n(' ', c.width - len));
                            cell.push_str(v);
                        }
                    } else {
                        cell.push_str(v);
                    }
                    match &sep {
                        None => {
                            if i > 0 && !line.is_empty() {
                                let tok = cell.chars().any(|ch| !ch.is_ascii_whitespace());
                                line.push(if c.period && tok { '.' } else { ' ' });
                            }
                            line.push_str(&cell);
                        }
                        Some(s) => {
                            if c.keep_blank {
                                line.push_str(&cell);
                                line.push(' ');
                            } else {
                                line.push_str(
                                    cell.trim_end_matches(|ch: char| ch.is_ascii_whitespace()),
                                );
                            }
                            line.push_str(s);
                        }
                    }
                }
                let trimmed = line.trim_end_matches(|ch: char| ch.is_ascii_whitespace());
                let trimmed = match &sep {
                    Some(s) if !s.is_empty() => trimmed.strip_suffix(s.as_str()).unwrap_or(trimmed),
                    _ => trimmed,
                };
                b.append_value(trimmed);
            }
            Ok(b.finish())
        })
        .map_err(PyValueError::new_err)?;
    Ok(PyArray::from_array_ref(Arc::new(out)))
}
