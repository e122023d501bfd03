//! The TCP NETWORK object from a record's TCP facts, and back.
//!
//! FlowRecord keeps what the sensor's object holds: status, options, state
//! number (`ra` shows loss only when it is not 0), flags, scaled window,
//! sequence base, retransmissions and the per-direction sequence
//! bookkeeping (seq, ack, bytes, winbytes, rollover ackbytes, windows) from
//! which `ra` derives the gap indicator (flag `g`). The last times are the
//! direction's last packet times.

use crate::dsr::network::{NetBody, Network, TcpDir, TcpInit, TcpPerf, TcpStatus, subtype};
use crate::wire::split_usec;
use argus_core::record::{DirMetrics, FlowRecord, TcpSeqFacts};

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
    let (win, winshift) = m.win_raw.unwrap_or_else(|| unscale(m.win.unwrap_or(0)));
    TcpDir {
        lasttime: if m.pkts > 0 {
            split_usec(m.last)
        } else {
            (0, 0)
        },
        seqbase: m.tcp_base.unwrap_or(0),
        retrans: m.retrans,
        status: m.tcp_seq.status,
        seq: m.tcp_seq.seq,
        ack: m.tcp_seq.ack,
        winnum: m.tcp_seq.winnum,
        bytes: m.tcp_seq.bytes,
        ackbytes: m.tcp_seq.ackbytes,
        winbytes: m.tcp_seq.winbytes,
        win,
        flags: m.tcp_flags,
        winshift,
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
    m.win = Some(u32::from(t.win).wrapping_shl(u32::from(t.winshift)));
    m.win_raw = Some((t.win, t.winshift));
    m.tcp_base = Some(t.seqbase);
    m.retrans = t.retrans;
    m.tcp_flags = t.flags;
    m.tcp_seq = TcpSeqFacts {
        status: t.status,
        seq: t.seq,
        ack: t.ack,
        winnum: t.winnum,
        bytes: t.bytes,
        ackbytes: t.ackbytes,
        winbytes: t.winbytes,
    };
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
    use argus_core::record::{FlowRecord, TcpSeqFacts};

    #[test]
    fn tcp_state_and_sequence_facts_go_into_the_perf_object_and_back() {
        // ra shows sloss/dloss only when the object's state is not 0.
        let mut r = FlowRecord {
            tcp_status: Some(0x104),
            tcp_state: 4,
            ..FlowRecord::default()
        };
        r.src.pkts = 3;
        r.src.retrans = 2;
        // ra's gap indicator reads seq, seqbase, bytes and winbytes.
        r.src.tcp_base = Some(1000);
        r.src.tcp_seq = TcpSeqFacts {
            status: 0x4,
            seq: 1301,
            ack: 5000,
            winnum: 1,
            bytes: 200,
            ackbytes: 0,
            winbytes: 100,
        };
        let n = tcp_network(&r, true, false).expect("tcp object");
        let NetBody::TcpPerf(t) = &n.body else {
            panic!("{n:?}")
        };
        assert_eq!((t.state, t.src.retrans), (4, 2));
        assert_eq!((t.src.seqbase, t.src.seq, t.src.bytes), (1000, 1301, 200));
        assert_eq!((t.src.ack, t.src.winnum, t.src.winbytes), (5000, 1, 100));
        let mut back = FlowRecord::default();
        assert!(read_tcp(&mut back, &n));
        assert_eq!((back.tcp_state, back.src.retrans), (4, 2));
        assert_eq!(back.src.tcp_seq, r.src.tcp_seq);
    }

    #[test]
    fn window_and_shift_are_written_as_argus_keeps_them() {
        // window-scale-range.pcap: argus writes win 0xffff, winshift 0xff.
        let mut r = FlowRecord {
            tcp_status: Some(0x104),
            tcp_state: 4,
            ..FlowRecord::default()
        };
        r.src.pkts = 3;
        r.src.win_raw = Some((0xffff, 255));
        r.src.win = Some(0x8000_0000);
        let n = tcp_network(&r, true, false).expect("tcp object");
        let NetBody::TcpPerf(t) = &n.body else {
            panic!("{n:?}")
        };
        assert_eq!((t.src.win, t.src.winshift), (0xffff, 255));
        let mut back = FlowRecord::default();
        assert!(read_tcp(&mut back, &n));
        assert_eq!(back.src.win_raw, Some((0xffff, 255)));
        // ra: 0xffff << 255 in 32 bits, the shift modulo 32
        assert_eq!(back.src.win, Some(0x8000_0000));
    }

    #[test]
    fn window_unscaling_keeps_the_product() {
        for w in [0u32, 1, 65535, 65536, 501 << 7, 2664 << 2, 0xffff << 14] {
            let (v, s) = unscale(w);
            assert_eq!(u32::from(v) << s, w, "{w}");
        }
    }
}
