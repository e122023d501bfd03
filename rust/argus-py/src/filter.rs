//! `compile_filter(tree)` → `RecordFilter`: the Rust evaluator of the ra
//! filter language (`argus_core::filter`) for trees parsed in Python
//! (`argus_rs.filter.to_core`), applied to Arrow arrays of Argus flow records.

use std::sync::Arc;

use crate::binary::binary_values;
use argus_core::filter::{
    AddrProto, Dir, Family, Field, KeyProbe, KeyVerdict, Keyword, Node, Op, PortProto, Prim,
    ProtoQual, Value,
};
use argus_core::flow::key::KeyKind;
use argus_core::record::{AppClass, FlowRecord};
use argus_format::Far;
use argus_format::dsr::Dsr;
use argus_format::map::key::record_key;
use argus_format::map::turn_facts;
use arrow_array::{Array, BooleanArray};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3_arrow::PyArray;
use pyo3_arrow::input::AnyArray;

/// NETWORK DSR subtypes of UDP flows labelled RTP / RTCP by the sensor.
const NET_RTP: u8 = 0x0a;
const NET_RTCP: u8 = 0x09;

/// A compiled ra filter expression.
#[pyclass(module = "argus_rs._core", frozen)]
pub struct RecordFilter {
    pub(crate) node: Node,
    text: String,
}

fn bad(msg: String) -> PyErr {
    PyValueError::new_err(format!("filter tree: {msg}"))
}

fn items<'py>(t: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if let Ok(s) = t.extract::<String>() {
        return Err(bad(format!("expected a tuple, got the string {s:?}")));
    }
    t.extract::<Vec<Bound<'py, PyAny>>>()
        .map_err(|_| bad(format!("expected a tuple, got {t}")))
}

fn arg<'a, 'py>(v: &'a [Bound<'py, PyAny>], i: usize) -> PyResult<&'a Bound<'py, PyAny>> {
    v.get(i).ok_or_else(|| {
        bad(format!(
            "{} needs {} parts",
            v.first().map_or(String::new(), |x| x.to_string()),
            i + 1
        ))
    })
}

fn string(v: &[Bound<'_, PyAny>], i: usize) -> PyResult<String> {
    arg(v, i)?
        .extract()
        .map_err(|_| bad(format!("part {i} is not a string")))
}

fn dir(v: &[Bound<'_, PyAny>], i: usize) -> PyResult<Dir> {
    let s = string(v, i)?;
    Dir::from_name(&s).ok_or_else(|| bad(format!("unknown direction {s:?}")))
}

fn op(v: &[Bound<'_, PyAny>], i: usize) -> PyResult<Op> {
    let s = string(v, i)?;
    Op::from_name(&s).ok_or_else(|| bad(format!("unknown comparison {s:?}")))
}

fn u32_at(v: &[Bound<'_, PyAny>], i: usize) -> PyResult<u32> {
    arg(v, i)?
        .extract()
        .map_err(|_| bad(format!("part {i} is not a 32-bit unsigned number")))
}

fn bytes(v: &[Bound<'_, PyAny>], i: usize) -> PyResult<Vec<u8>> {
    arg(v, i)?
        .extract()
        .map_err(|_| bad(format!("part {i} is not bytes")))
}

fn mac(v: &[Bound<'_, PyAny>], i: usize) -> PyResult<[u8; 6]> {
    bytes(v, i)?
        .try_into()
        .map_err(|_| bad("a MAC address is 6 bytes".into()))
}

/// The tree of `argus_rs.filter.to_core` as a [`Node`].
fn node(t: &Bound<'_, PyAny>) -> PyResult<Node> {
    let v = items(t)?;
    let tag = string(&v, 0)?;
    let prim = |p: Prim| Ok(Node::Prim(p));
    match tag.as_str() {
        "and" => Ok(Node::And(
            Box::new(node(arg(&v, 1)?)?),
            Box::new(node(arg(&v, 2)?)?),
        )),
        "or" => Ok(Node::Or(
            Box::new(node(arg(&v, 1)?)?),
            Box::new(node(arg(&v, 2)?)?),
        )),
        "not" => Ok(Node::Not(Box::new(node(arg(&v, 1)?)?))),
        "const" => Ok(Node::Const(
            arg(&v, 1)?
                .extract()
                .map_err(|_| bad("const takes a bool".into()))?,
        )),
        "kw" => {
            let name = string(&v, 1)?;
            let kw = Keyword::from_name(&name)
                .ok_or_else(|| bad(format!("unknown keyword {name:?}")))?;
            prim(Prim::Keyword {
                kw,
                dir: dir(&v, 2)?,
            })
        }
        "addr" => {
            let p = string(&v, 1)?;
            let proto = AddrProto::from_name(&p)
                .ok_or_else(|| bad(format!("unknown address qualifier {p:?}")))?;
            let fam = match string(&v, 3)?.as_str() {
                "ipv4" => Family::Ipv4,
                "ipv6" => Family::Ipv6,
                "any" => Family::Any,
                f => return Err(bad(format!("unknown address family {f:?}"))),
            };
            let (a, m) = (bytes(&v, 4)?, bytes(&v, 5)?);
            let p = Prim::address(proto, dir(&v, 2)?, fam, &a, &m)
                .ok_or_else(|| bad("address and mask do not fit the family".into()))?;
            prim(p)
        }
        "ether" => prim(Prim::Ether {
            dir: dir(&v, 1)?,
            mac: mac(&v, 2)?,
        }),
        "arphw" => prim(Prim::ArpHw { mac: mac(&v, 1)? }),
        "srcid" => prim(Prim::SrcId(u32_at(&v, 1)?)),
        "inode" => prim(Prim::Inode(u32_at(&v, 1)?)),
        "port" => {
            let p = string(&v, 1)?;
            prim(Prim::Port {
                proto: PortProto::from_name(&p)
                    .ok_or_else(|| bad(format!("unknown port protocol {p:?}")))?,
                dir: dir(&v, 2)?,
                op: op(&v, 3)?,
                value: u32_at(&v, 4)?,
            })
        }
        "proto" => {
            let q = string(&v, 1)?;
            prim(Prim::Proto {
                qual: ProtoQual::from_name(&q)
                    .ok_or_else(|| bad(format!("unknown proto qualifier {q:?}")))?,
                number: u32_at(&v, 2)?,
            })
        }
        "cmp" => {
            let f = string(&v, 1)?;
            let field = Field::from_name(&f).ok_or_else(|| bad(format!("unknown field {f:?}")))?;
            let x = arg(&v, 4)?;
            let value = if field.is_float() {
                Value::Float(
                    x.extract::<f64>()
                        .map_err(|_| bad(format!("{f} takes a number")))?
                        as f32,
                )
            } else {
                Value::Int(u32_at(&v, 4)?)
            };
            prim(Prim::Cmp {
                field,
                dir: dir(&v, 2)?,
                op: op(&v, 3)?,
                value,
            })
        }
        _ => Err(bad(format!("unknown node {tag:?}"))),
    }
}

/// A flow record from FAR bytes, as the filter needs it (see [`filter_view`]).
/// `None` for bytes that are not a flow record.
fn record(b: &[u8]) -> Option<FlowRecord> {
    if !is_flow(b) {
        return None;
    }
    let far = Far::decode_values(b, 0);
    let mut r = argus_format::map::flow_from_far(&far);
    filter_view(&far, &mut r);
    Some(r)
}

/// Turns `r` (what `flow_from_far` gives for `far`) into what the filter
/// tests: plus the sensor's RTP/RTCP label (NETWORK DSR subtype); ARP
/// records read reply-first keep their ENCAPS and JITTER data as stored
/// (flow_from_far turns them around whole; ra does not). Applying it twice
/// gives `r` back, except for the label.
fn filter_view(far: &Far, r: &mut FlowRecord) {
    for d in &far.dsrs {
        match d.meaning().as_ref() {
            Dsr::Network(n) => match n.subtype {
                NET_RTP => r.app = AppClass::Rtp,
                NET_RTCP => r.app = AppClass::Rtcp,
                _ => {}
            },
            Dsr::Flow(f) if f.reversed() && matches!(r.key.kind, KeyKind::Arp | KeyKind::Rarp) => {
                std::mem::swap(&mut r.src.encaps, &mut r.dst.encaps);
                std::mem::swap(&mut r.src.jitter_active, &mut r.dst.jitter_active);
                std::mem::swap(&mut r.src.jitter_idle, &mut r.dst.jitter_idle);
            }
            _ => {}
        }
    }
}

/// Does the flow record `r`, read from `far` by `flow_from_far`, pass
/// `node`? `r` is left as it was (no copy made).
pub(crate) fn far_matches(node: &Node, far: &Far, r: &mut FlowRecord) -> bool {
    let app = r.app;
    filter_view(far, r);
    let pass = node.matches(r);
    filter_view(far, r);
    r.app = app;
    pass
}

/// Does the record (FAR bytes) pass `node`? The flow key is tried first
/// (most records are settled by it, without typing the record); `None` for
/// bytes that are not a flow record.
pub(crate) fn record_matches(node: &Node, probe: &mut KeyProbe, b: &[u8]) -> Option<bool> {
    if !is_flow(b) {
        return None;
    }
    key_decides(node, probe, b).or_else(|| record(b).map(|r| node.matches(&r)))
}

/// The answer of the flow key (with, for records ra may turn around, the
/// few DSRs that decide the turn), when it settles `node` for the record
/// `b`; `None` when the whole record must be read.
pub(crate) fn key_decides(node: &Node, probe: &mut KeyProbe, b: &[u8]) -> Option<bool> {
    match probe.verdict(node, &record_key(b)) {
        KeyVerdict::Decided(x) => Some(x),
        KeyVerdict::Turn => probe.decide_turn(node, &turn_facts(b)),
        KeyVerdict::Undecided => None,
    }
}

/// A flow record: FAR, NetFlow-derived or event record (what ra prints).
pub(crate) fn is_flow(b: &[u8]) -> bool {
    b.len() >= 4 && matches!(b[0] & 0xf0, 0x10 | 0x30 | 0x40)
}

fn eval_all(node: &Node, a: &dyn Array) -> Result<BooleanArray, String> {
    let mut probe = KeyProbe::new();
    let one = |v: Option<&[u8]>| v.and_then(|b| record_matches(node, &mut probe, b));
    let values = binary_values(a).ok_or_else(|| {
        format!(
            "RecordFilter.mask: expected a binary array of Argus records, got {}",
            a.data_type()
        )
    })?;
    Ok(values.map(one).collect())
}

#[pymethods]
impl RecordFilter {
    /// One boolean per record of `records` (an Arrow binary array of Argus flow
    /// records, FAR bytes; any object with `__arrow_c_array__` or
    /// `__arrow_c_stream__`, such as a pyarrow array or a polars Series): does it
    /// pass the filter? Null for a null value or bytes that are not a flow record.
    fn mask(&self, py: Python<'_>, records: AnyArray) -> PyResult<PyArray> {
        let chunks = records.into_chunked_array()?.into_inner().0;
        let out = py
            .detach(|| -> Result<BooleanArray, String> {
                let mut all = Vec::new();
                for c in &chunks {
                    all.extend(eval_all(&self.node, c.as_ref())?.iter());
                }
                Ok(all.into_iter().collect())
            })
            .map_err(PyValueError::new_err)?;
        Ok(PyArray::from_array_ref(Arc::new(out)))
    }

    /// Does one record (FAR bytes) pass? None when the bytes are not a flow record.
    fn matches(&self, record_bytes: &[u8]) -> Option<bool> {
        record_matches(&self.node, &mut KeyProbe::new(), record_bytes)
    }

    fn __repr__(&self) -> String {
        format!("RecordFilter({})", self.text)
    }
}

/// Build the evaluator for a filter tree (the tuple form of `argus_rs.filter.to_core`).
#[pyfunction]
pub fn compile_filter(tree: &Bound<'_, PyAny>) -> PyResult<RecordFilter> {
    Ok(RecordFilter {
        node: node(tree)?,
        text: tree.repr().map(|s| s.to_string()).unwrap_or_default(),
    })
}
