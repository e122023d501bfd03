//! Writing flow records: a [`FlowRecord`] becomes the bytes of one FAR.

use crate::map::{WriteOptions, far_from_flow};
use argus_core::record::FlowRecord;

/// Append the FAR argus would write for `r` with default sensor settings.
pub fn write_flow(r: &FlowRecord, out: &mut Vec<u8>) {
    write_flow_with(r, &WriteOptions::default(), out);
}

/// Append the FAR argus would write for `r` with the given sensor settings.
pub fn write_flow_with(r: &FlowRecord, opts: &WriteOptions, out: &mut Vec<u8>) {
    far_from_flow(r, opts).encode(out);
}
