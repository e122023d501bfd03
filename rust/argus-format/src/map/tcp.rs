//! The TCP NETWORK object from a record's TCP facts, and back.
//!
//! FlowRecord keeps what `ra` shows (status, options, flags, scaled window,
//! sequence base, retransmissions, TCP state number — `ra` shows a record's
//! loss only when the state is not 0); the object's other members
//! (per-direction seq/ack/byte counters, last times) are not in the
//! record and are written as 0 — a 0 `seq` is also what keeps `ra` from
//! inventing sequence gaps (flag `g`) from them.

use crate::dsr::network::{NetBody, Network, TcpDir, TcpInit, TcpPerf, TcpStatus, subtype};
use crate::wire::split_usec;
use argus_core::record::{DirMetrics, FlowRecord};

/// (window as sent, shift) whose `win << shift` is the scaled window.
pub(crate) fn unscale(win: u32) -> (u16, u8) {
    let mut shift = 0u8;
    let mut w = win;
    while w > 0xffff && shift < 14 && w & 1 == 0 {
        w >>= 1;
        shift += 1;
    }
    (w.min(0xffff) as u16, shift)
}

fn dir(m: &DirMetrics) -> TcpDir {
    let (win, winshift) = unscale(m.win.unwrap_or(0));
    TcpDir {
        lasttime: if m.pkts > 0 {
            split_usec(m.last)
        } else {
            (0, 0)
        },
        seqbase: m.tcp_base.unwrap_or(0),
        retrans: m.retrans,
        win,
        flags: m.tcp_flags,
        winshift,
        ..TcpDir::default()
    }
}

/// `None` when the record has no TCP state (no TCP header was seen).
/// `init_window`: write the window into a TCP_INIT object (argus leaves
/// the field unset, see [`crate::SensorWriter`]).
pub(crate) fn tcp_network(r: &FlowRecord, perf: bool, init_window: bool) -> Option<Network> {
    let status = r.tcp_status?;
    let (subtype, body) = if r.tcp_init {
        let s = dir(&r.src);
        (
            subtype::TCP_INIT,
            NetBody::TcpInit(TcpInit {
                status,
                seqbase: s.seqbase,
                options: r.tcp_options,
                // ArgusGenerateRecord copies every TCP_INIT member but the window.
                win: if init_window { s.win } else { 0 },
                flags: s.flags,
                winshift: s.winshift,
            }),
        )
    } else if perf {
        (
            subtype::TCP_PERF,
            NetBody::TcpPerf(TcpPerf {
                status,
                state: u32::from(r.tcp_state),
                options: r.tcp_options,
                synack_usec: r.synack_usec,
                ackdat_usec: r.ackdat_usec,
                src: dir(&r.src),
                dst: dir(&r.dst),
            }),
        )
    } else {
        (
            subtype::TCP_STATUS,
            NetBody::TcpStatus(TcpStatus {
                status,
                src_flags: r.src.tcp_flags,
                dst_flags: r.dst.tcp_flags,
            }),
        )
    };
    Some(Network {
        subtype,
        qual: 0,
        body,
    })
}

fn put_dir(m: &mut DirMetrics, t: &TcpDir) {
    if t.lasttime != (0, 0) {
        m.last = crate::wire::join_usec(t.lasttime.0, t.lasttime.1);
    }
    m.win = Some(u32::from(t.win) << t.winshift.min(14));
    m.tcp_base = Some(t.seqbase);
    m.retrans = t.retrans;
    m.tcp_flags = t.flags;
}

/// Fill the record's TCP facts from a NETWORK DSR; false if it is not a TCP object.
pub(crate) fn read_tcp(r: &mut FlowRecord, n: &Network) -> bool {
    match &n.body {
        NetBody::TcpPerf(t) => {
            r.tcp_status = Some(t.status);
            r.tcp_state = t.state as u8;
            r.tcp_options = t.options;
            r.synack_usec = t.synack_usec;
            r.ackdat_usec = t.ackdat_usec;
            put_dir(&mut r.src, &t.src);
            put_dir(&mut r.dst, &t.dst);
        }
        NetBody::TcpInit(t) => {
            r.tcp_status = Some(t.status);
            r.tcp_options = t.options;
            r.tcp_init = true;
            put_dir(
                &mut r.src,
                &TcpDir {
                    seqbase: t.seqbase,
                    win: t.win,
                    flags: t.flags,
                    winshift: t.winshift,
                    ..TcpDir::default()
                },
            );
        }
        NetBody::TcpStatus(t) => {
            r.tcp_status = Some(t.status);
            r.src.tcp_flags = t.src_flags;
            r.dst.tcp_flags = t.dst_flags;
        }
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{read_tcp, tcp_network, unscale};
    use crate::dsr::network::NetBody;
    use argus_core::record::FlowRecord;

    #[test]
    fn tcp_state_goes_into_the_perf_object_and_back() {
        // ra shows sloss/dloss only when the object's state is not 0.
        let mut r = FlowRecord {
            tcp_status: Some(0x104),
            tcp_state: 4,
            ..FlowRecord::default()
        };
        r.src.pkts = 3;
        r.src.retrans = 2;
        let n = tcp_network(&r, true, false).expect("tcp object");
        let NetBody::TcpPerf(t) = &n.body else {
            panic!("{n:?}")
        };
        assert_eq!((t.state, t.src.retrans), (4, 2));
        let mut back = FlowRecord::default();
        assert!(read_tcp(&mut back, &n));
        assert_eq!((back.tcp_state, back.src.retrans), (4, 2));
    }

    #[test]
    fn window_unscaling_keeps_the_product() {
        for w in [0u32, 1, 65535, 65536, 501 << 7, 2664 << 2, 0xffff << 14] {
            let (v, s) = unscale(w);
            assert_eq!(u32::from(v) << s, w, "{w}");
        }
    }
}
