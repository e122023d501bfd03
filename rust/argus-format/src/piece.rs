//! A piece of a flow record (what `rasplit -M time` and `rabins` write when
//! they cut a record at a bin edge): the same record with new per-direction
//! times and counters. Only the TIME and METRIC DSRs change; every other DSR
//! is copied as it is.

use crate::dsr::metric::{Counts, Metric};
use crate::dsr::time::{TimeDsr, Times};
use crate::dsr::{Dsr, dtype};
use crate::far::Far;
use crate::header::{HEADER_LEN, RecordHeader, rtype};

/// `record` with its TIME DSR set to `times` and its METRIC DSR to `src`/`dst`
/// (application bytes written when either is non-zero). Management records
/// and records too short to hold a header are returned as they are.
pub fn rewrite_piece(record: &[u8], times: &Times, src: Counts, dst: Counts) -> Vec<u8> {
    if record.len() < HEADER_LEN
        || !matches!(
            RecordHeader::decode(record).rtype(),
            rtype::FAR | rtype::NETFLOW
        )
    {
        return record.to_vec();
    }
    let mut far = Far::decode(record, 0);
    let app = src.appbytes > 0 || dst.appbytes > 0;
    for d in far.dsrs.iter_mut() {
        match d.dtype() {
            dtype::TIME => *d = Dsr::Time(TimeDsr::sensor_all(times)),
            dtype::METER => *d = Dsr::Metric(Metric::sensor(src, dst, app)),
            _ => {}
        }
    }
    let mut out = Vec::with_capacity(record.len());
    far.encode(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsr::time::ABSOLUTE_RANGE;

    fn counts(pkts: u64, bytes: u64) -> Counts {
        Counts {
            pkts,
            bytes,
            appbytes: 0,
        }
    }

    fn record() -> Vec<u8> {
        let mut out = Vec::new();
        let times = Times {
            src_start: 1_000_000_000_000,
            src_end: 1_000_003_000_000,
            ..Times::default()
        };
        Far::new(
            RecordHeader::new(rtype::FAR, 0x10, 0),
            vec![
                Dsr::Time(TimeDsr::sensor_all(&times)),
                Dsr::Metric(Metric::sensor(counts(6, 390), counts(4, 264), false)),
            ],
        )
        .encode(&mut out);
        out
    }

    #[test]
    fn times_and_counts_replaced() {
        let t = Times {
            src_start: 1_000_000_000_000,
            src_end: 1_000_001_000_000,
            dst_start: 1_000_000_500_000,
            dst_end: 1_000_000_500_000,
        };
        let out = rewrite_piece(&record(), &t, counts(2, 130), counts(1, 66));
        let far = Far::decode(&out, 0);
        match far.find(dtype::TIME) {
            Some(Dsr::Time(d)) => assert_eq!(d.subtype & ABSOLUTE_RANGE, ABSOLUTE_RANGE),
            other => panic!("no time DSR: {other:?}"),
        }
        match far.find(dtype::METER) {
            Some(Dsr::Metric(m)) => {
                assert_eq!(
                    (m.src.pkts, m.src.bytes, m.dst.pkts, m.dst.bytes),
                    (2, 130, 1, 66)
                )
            }
            other => panic!("no metric DSR: {other:?}"),
        }
        assert_eq!(
            usize::from(u16::from_be_bytes([out[2], out[3]])) * 4,
            out.len()
        );
    }

    #[test]
    fn mar_unchanged() {
        let mar = vec![0x83, 0x10, 0, 1];
        assert_eq!(
            rewrite_piece(&mar, &Times::default(), counts(0, 0), counts(0, 0)),
            mar
        );
    }
}
