//! TCP state machine tests: segments are fed to a [`TcpConn`] directly, and
//! the status bits, timings and counters Argus reports are checked.

use super::*;
use crate::decode::{TH_ACK, TH_FIN, TH_PUSH, TH_RST, TH_SYN, Tcp};

const T0: i64 = 1_700_000_000_000_000;
const CLIENT_ISN: u32 = 1000;
const SERVER_ISN: u32 = 5000;
const WIN: u16 = 65535;

/// One segment; `forward` = sent by the flow's source (the client here).
fn seg(forward: bool, flags: u8, seq: u32, ack: u32, len: u32, now: i64) -> Segment {
    seg_win(forward, flags, seq, ack, WIN, len, now)
}

fn seg_win(forward: bool, flags: u8, seq: u32, ack: u32, win: u16, len: u32, now: i64) -> Segment {
    Segment {
        tcp: Tcp {
            flags,
            seq,
            ack,
            win,
            wscale: None,
            options: 0,
            header_len: 20,
        },
        len: len as i32,
        now,
        ipid: 0,
        forward,
        track_duplicates: false,
    }
}

fn cont(c: &mut TcpConn, s: Segment) {
    assert_eq!(c.update(&s), TcpOutcome::Continue, "segment {s:?}");
}

/// SYN at T0, SYN-ACK 10 ms later, ACK 5 ms after that.
fn handshake() -> TcpConn {
    let mut c = TcpConn::default();
    c.start(&seg(true, TH_SYN, CLIENT_ISN, 0, 0, T0));
    assert_eq!(c.state, TcpState::SynSent);
    cont(
        &mut c,
        seg(
            false,
            TH_SYN | TH_ACK,
            SERVER_ISN,
            CLIENT_ISN + 1,
            0,
            T0 + 10_000,
        ),
    );
    assert_eq!(c.state, TcpState::SynReceived);
    cont(
        &mut c,
        seg(true, TH_ACK, CLIENT_ISN + 1, SERVER_ISN + 1, 0, T0 + 15_000),
    );
    c
}

const HANDSHAKE_BITS: u32 = SAW_SYN | SAW_SYN_SENT | CON_ESTABLISHED;

#[test]
fn three_way_handshake() {
    let c = handshake();
    assert_eq!(c.state, TcpState::Established);
    assert_eq!(c.status, HANDSHAKE_BITS);
    assert_eq!(c.record_status(), HANDSHAKE_BITS);
    assert_eq!(c.synack_usec, 10_000, "SYN to SYN-ACK");
    assert_eq!(c.ackdat_usec, 5_000, "SYN-ACK to ACK");
    assert!(c.started);
    assert!(c.perf, "more than one segment seen");
    assert_eq!(c.src.seqbase, CLIENT_ISN);
    assert_eq!(c.dst.seqbase, SERVER_ISN);
    assert_eq!(c.src.flags, TH_SYN | TH_ACK);
    assert_eq!(c.dst.flags, TH_SYN | TH_ACK);
    assert_eq!((c.src.retrans, c.dst.retrans), (0, 0));
    assert_eq!(c.src.lasttime.get(), T0 + 15_000);
    assert_eq!(c.dst.lasttime.get(), T0 + 10_000);
}

#[test]
fn single_syn_is_a_request() {
    let mut c = TcpConn::default();
    c.start(&seg(true, TH_SYN, 77, 0, 0, T0));
    assert_eq!(c.record_status(), SAW_SYN);
    assert!(!c.perf);
    assert_eq!((c.synack_usec, c.ackdat_usec), (0, 0));
}

#[test]
fn synack_not_acking_the_syn_gets_no_timing() {
    let mut c = TcpConn::default();
    c.start(&seg(true, TH_SYN, CLIENT_ISN, 0, 0, T0));
    cont(
        &mut c,
        seg(false, TH_SYN | TH_ACK, SERVER_ISN, 999_999, 0, T0 + 10_000),
    );
    assert_eq!(c.status & SAW_SYN_SENT, SAW_SYN_SENT);
    assert_eq!(c.synack_usec, 0);
}

#[test]
fn syn_retransmission_is_counted() {
    let mut c = TcpConn::default();
    c.start(&seg(true, TH_SYN, CLIENT_ISN, 0, 0, T0));
    cont(&mut c, seg(true, TH_SYN, CLIENT_ISN, 0, 0, T0 + 1_000_000));
    assert_eq!(c.src.retrans, 1);
    assert_eq!(c.record_status(), SAW_SYN | SRC_PKTS_RETRANS);
}

#[test]
fn mid_stream_start_is_established() {
    let mut c = TcpConn::default();
    c.start(&seg(false, TH_ACK | TH_PUSH, 9000, 4000, 120, T0));
    assert_eq!(c.state, TcpState::Established);
    assert_eq!(c.record_status(), CON_ESTABLISHED);
    assert_eq!(c.dst.bytes, 120);
    assert_eq!(c.dst.seqbase, 8999);
    assert_eq!(c.dst.seq, 9120);
    assert_eq!(c.src.ack, 3999);
}

/// Handshake, then 100 bytes client -> server, acked.
fn with_data() -> TcpConn {
    let mut c = handshake();
    cont(
        &mut c,
        seg(
            true,
            TH_ACK | TH_PUSH,
            CLIENT_ISN + 1,
            SERVER_ISN + 1,
            100,
            T0 + 20_000,
        ),
    );
    cont(
        &mut c,
        seg(
            false,
            TH_ACK,
            SERVER_ISN + 1,
            CLIENT_ISN + 101,
            0,
            T0 + 30_000,
        ),
    );
    c
}

#[test]
fn data_is_counted_per_direction() {
    let c = with_data();
    assert_eq!(c.src.bytes, 100);
    assert_eq!(c.dst.bytes, 0);
    assert_eq!(c.src.seq, CLIENT_ISN + 101);
    assert_eq!(c.dst.ack, CLIENT_ISN + 100);
    assert_eq!(c.record_status(), HANDSHAKE_BITS);
}

#[test]
fn fin_exchange_sets_fin_and_fin_ack() {
    let mut c = with_data();
    // The server answers with 200 bytes, acked by the client.
    cont(
        &mut c,
        seg(
            false,
            TH_ACK | TH_PUSH,
            SERVER_ISN + 1,
            CLIENT_ISN + 101,
            200,
            T0 + 35_000,
        ),
    );
    cont(
        &mut c,
        seg(
            true,
            TH_ACK,
            CLIENT_ISN + 101,
            SERVER_ISN + 201,
            0,
            T0 + 36_000,
        ),
    );
    let fin_seq = CLIENT_ISN + 101;
    let sfin_seq = SERVER_ISN + 201;
    cont(
        &mut c,
        seg(true, TH_FIN | TH_ACK, fin_seq, sfin_seq, 0, T0 + 40_000),
    );
    assert_eq!(c.state, TcpState::FinWait1);
    assert_eq!(c.status & (FIN | FIN_ACK), FIN);
    assert_eq!(c.src.status & FIN, FIN);
    // The server acknowledges the FIN (ack = FIN's seq + 1).
    cont(
        &mut c,
        seg(false, TH_ACK, sfin_seq, fin_seq + 1, 0, T0 + 41_000),
    );
    assert_eq!(c.state, TcpState::FinWait2);
    assert_eq!(c.status & (FIN | FIN_ACK), FIN | FIN_ACK);
    assert_eq!(
        c.src.status & FIN_ACK,
        FIN_ACK,
        "the client's FIN was acked"
    );
    assert_eq!(c.dst.status & FIN_ACK, 0);
    // The server closes its side and the client acknowledges.
    cont(
        &mut c,
        seg(
            false,
            TH_FIN | TH_ACK,
            sfin_seq,
            fin_seq + 1,
            0,
            T0 + 42_000,
        ),
    );
    assert_eq!(c.dst.status & FIN, FIN);
    cont(
        &mut c,
        seg(true, TH_ACK, fin_seq + 1, sfin_seq + 1, 0, T0 + 43_000),
    );
    assert_eq!(
        c.dst.status & FIN_ACK,
        FIN_ACK,
        "the server's FIN was acked"
    );
    let st = c.record_status();
    assert_eq!(
        st & (HANDSHAKE_BITS | FIN | FIN_ACK),
        HANDSHAKE_BITS | FIN | FIN_ACK
    );
    assert_eq!(st & (RESET | SRC_RESET | DST_RESET), 0);
    assert_eq!(st & (SRC_PKTS_RETRANS | DST_PKTS_RETRANS), 0);
    assert_eq!((c.src.bytes, c.dst.bytes), (100, 200));
}

#[test]
fn fin_not_acked_has_no_fin_ack() {
    let mut c = with_data();
    cont(
        &mut c,
        seg(
            true,
            TH_FIN | TH_ACK,
            CLIENT_ISN + 101,
            SERVER_ISN + 1,
            0,
            T0 + 40_000,
        ),
    );
    // An ACK that does not cover the FIN.
    cont(
        &mut c,
        seg(
            false,
            TH_ACK,
            SERVER_ISN + 1,
            CLIENT_ISN + 101,
            0,
            T0 + 41_000,
        ),
    );
    assert_eq!(c.status & (FIN | FIN_ACK), FIN);
    assert_eq!(c.state, TcpState::FinWait1);
}

#[test]
fn client_reset_sets_src_reset_only() {
    let mut c = with_data();
    cont(
        &mut c,
        seg_win(true, TH_RST, CLIENT_ISN + 101, 0, 0, 0, T0 + 50_000),
    );
    let st = c.record_status();
    assert_eq!(st & (SRC_RESET | DST_RESET), SRC_RESET);
    assert_eq!(
        st & RESET,
        SRC_RESET,
        "the connection-wide bit is folded per direction"
    );
    assert_eq!(c.status & RESET, RESET);
    assert_eq!(c.src.status & RESET, RESET);
    assert_eq!(c.dst.status & RESET, 0);
    assert_eq!(st & NORMAL_CLOSE, 0, "a reset is no normal close");
    // A reset carries no window: the window is not reported shut.
    assert_eq!(st & (SRC_WINDOW_SHUT | DST_WINDOW_SHUT), 0);
}

#[test]
fn server_reset_sets_dst_reset_only() {
    let mut c = TcpConn::default();
    c.start(&seg(true, TH_SYN, CLIENT_ISN, 0, 0, T0));
    cont(
        &mut c,
        seg_win(false, TH_RST | TH_ACK, 0, CLIENT_ISN + 1, 0, 0, T0 + 1_000),
    );
    let st = c.record_status();
    assert_eq!(st & (SRC_RESET | DST_RESET), DST_RESET);
    assert_eq!(st & SAW_SYN, SAW_SYN);
    assert_eq!(st & SAW_SYN_SENT, 0);
}

/// The client's first 100 bytes again, after the server acknowledged them.
fn resend_first_data(c: &mut TcpConn) {
    cont(
        c,
        seg(
            true,
            TH_ACK | TH_PUSH,
            CLIENT_ISN + 1,
            SERVER_ISN + 1,
            100,
            T0 + 60_000,
        ),
    );
}

#[test]
fn retransmission_of_acked_data() {
    let mut c = with_data();
    // The same 100 bytes again, after the server acknowledged them.
    resend_first_data(&mut c);
    assert_eq!(c.src.retrans, 1);
    assert_eq!(c.dst.retrans, 0);
    let st = c.record_status();
    assert_eq!(st & (SRC_PKTS_RETRANS | DST_PKTS_RETRANS), SRC_PKTS_RETRANS);
    assert_eq!(st & PKTS_RETRANS & !SRC_PKTS_RETRANS, 0);
    assert_eq!(c.src.bytes, 200, "retransmitted bytes are still bytes sent");
}

#[test]
fn retransmission_of_unacked_data() {
    let mut c = handshake();
    let data = seg(
        false,
        TH_ACK | TH_PUSH,
        SERVER_ISN + 1,
        CLIENT_ISN + 1,
        300,
        T0 + 20_000,
    );
    cont(&mut c, data);
    assert_eq!(c.dst.retrans, 0);
    cont(
        &mut c,
        Segment {
            now: T0 + 220_000,
            ..data
        },
    );
    assert_eq!(c.dst.retrans, 1);
    assert_eq!(c.src.retrans, 0);
    assert_eq!(
        c.record_status() & (SRC_PKTS_RETRANS | DST_PKTS_RETRANS),
        DST_PKTS_RETRANS
    );
}

#[test]
fn new_data_is_not_a_retransmission() {
    let mut c = with_data();
    for i in 0..5u32 {
        cont(
            &mut c,
            seg(
                true,
                TH_ACK,
                CLIENT_ISN + 101 + i * 100,
                SERVER_ISN + 1,
                100,
                T0 + 100_000 + i64::from(i),
            ),
        );
        cont(
            &mut c,
            seg(
                false,
                TH_ACK,
                SERVER_ISN + 1,
                CLIENT_ISN + 201 + i * 100,
                0,
                T0 + 150_000 + i64::from(i),
            ),
        );
    }
    assert_eq!(c.src.retrans, 0);
    assert_eq!(c.record_status() & (PKTS_RETRANS | OUTOFORDER), 0);
    assert_eq!(c.src.bytes, 600);
}

#[test]
fn zero_window_is_window_shut() {
    let mut c = with_data();
    cont(
        &mut c,
        seg_win(
            false,
            TH_ACK,
            SERVER_ISN + 1,
            CLIENT_ISN + 101,
            0,
            0,
            T0 + 70_000,
        ),
    );
    let st = c.record_status();
    assert_eq!(st & (SRC_WINDOW_SHUT | DST_WINDOW_SHUT), DST_WINDOW_SHUT);
    assert_eq!(c.dst.status & WINDOW_SHUT, WINDOW_SHUT);
    assert_eq!(c.dst.win, WIN, "the last open window is kept");
}

#[test]
fn rst_first_then_syn_restarts() {
    let mut c = TcpConn::default();
    c.start(&seg_win(false, TH_RST | TH_ACK, 0, 4242, 0, 0, T0));
    assert_eq!(c.state, TcpState::Listen);
    assert_eq!(c.status, RESET);
    assert_eq!(c.record_status() & (SRC_RESET | DST_RESET), DST_RESET);
    assert_eq!(c.dst.seqbase, 4241);
    // More non-SYN traffic keeps the connection as it is.
    cont(&mut c, seg(true, TH_ACK, 4242, 1, 0, T0 + 1_000));
    assert_eq!(c.state, TcpState::Listen);
    assert_eq!(c.src.flags, TH_ACK);
    // A SYN starts a new connection.
    assert_eq!(
        c.update(&seg(true, TH_SYN, 9000, 0, 0, T0 + 2_000)),
        TcpOutcome::Restart
    );
}

#[test]
fn syn_after_reset_close_restarts() {
    let mut c = with_data();
    cont(
        &mut c,
        seg_win(true, TH_RST, CLIENT_ISN + 101, 0, 0, 0, T0 + 50_000),
    );
    assert!(matches!(c.state, TcpState::Closed | TcpState::Closing));
    assert_eq!(
        c.update(&seg(true, TH_SYN, 777_777, 0, 0, T0 + 60_000)),
        TcpOutcome::Restart
    );
}

#[test]
fn syn_during_established_is_a_retransmission_not_a_restart() {
    let mut c = with_data();
    cont(&mut c, seg(true, TH_SYN, CLIENT_ISN, 0, 0, T0 + 80_000));
    assert_eq!(c.state, TcpState::Established);
    assert_eq!(c.src.retrans, 1);
    assert_eq!(c.record_status() & SRC_PKTS_RETRANS, SRC_PKTS_RETRANS);
}

#[test]
fn zero_record_clears_interval_bits_keeps_connection_bits() {
    let mut c = with_data();
    resend_first_data(&mut c);
    cont(
        &mut c,
        seg_win(
            false,
            TH_ACK,
            SERVER_ISN + 1,
            CLIENT_ISN + 101,
            0,
            0,
            T0 + 70_000,
        ),
    );
    let before = c.record_status();
    assert_eq!(
        before & (SRC_PKTS_RETRANS | DST_WINDOW_SHUT),
        SRC_PKTS_RETRANS | DST_WINDOW_SHUT
    );
    let (synack, ackdat, state) = (c.synack_usec, c.ackdat_usec, c.state);

    c.zero_record();
    assert_eq!(c.record_status(), HANDSHAKE_BITS);
    assert_eq!(c.status & SAW_SYN, SAW_SYN);
    for d in [&c.src, &c.dst] {
        assert_eq!(d.retrans, 0);
        assert_eq!(d.bytes, 0);
        assert_eq!(d.flags, 0);
        assert_eq!(d.winbytes, 0);
        assert_eq!(d.seqbase, d.seq, "the next interval counts from here");
    }
    assert_eq!(c.src.seq, CLIENT_ISN + 101);
    assert_eq!(
        (c.synack_usec, c.ackdat_usec, c.state),
        (synack, ackdat, state)
    );

    // The next interval starts clean: new data is no retransmission.
    cont(
        &mut c,
        seg(
            true,
            TH_ACK,
            CLIENT_ISN + 101,
            SERVER_ISN + 1,
            50,
            T0 + 90_000,
        ),
    );
    assert_eq!(c.record_status(), HANDSHAKE_BITS);
    assert_eq!(c.src.bytes, 50);
    assert_eq!(c.src.flags, TH_ACK);
}

#[test]
fn zero_record_clears_reset_per_direction() {
    let mut c = with_data();
    cont(
        &mut c,
        seg_win(true, TH_RST, CLIENT_ISN + 101, 0, 0, 0, T0 + 50_000),
    );
    assert_eq!(c.record_status() & SRC_RESET, SRC_RESET);
    c.zero_record();
    assert_eq!(c.record_status() & (SRC_RESET | DST_RESET), 0);
}

#[test]
fn window_scale_is_kept_per_direction() {
    let mut c = TcpConn::default();
    let mut syn = seg(true, TH_SYN, CLIENT_ISN, 0, 0, T0);
    syn.tcp.wscale = Some(7);
    syn.tcp.options = 0x0020_0000;
    c.start(&syn);
    let mut synack = seg(
        false,
        TH_SYN | TH_ACK,
        SERVER_ISN,
        CLIENT_ISN + 1,
        0,
        T0 + 1,
    );
    synack.tcp.wscale = Some(2);
    cont(&mut c, synack);
    assert_eq!((c.src.winshift, c.dst.winshift), (7, 2));
    assert_eq!(c.options & 0x0020_0000, 0x0020_0000);
}

#[test]
fn ecn_echo_marks_congestion_once_negotiated() {
    use crate::decode::{TH_CWR, TH_ECE};
    let mut c = TcpConn::default();
    c.start(&seg(true, TH_SYN | TH_ECE | TH_CWR, CLIENT_ISN, 0, 0, T0));
    assert_eq!(c.options & OPT_SRC_ECN, OPT_SRC_ECN);
    cont(
        &mut c,
        seg(false, TH_ACK, SERVER_ISN + 1, CLIENT_ISN + 1, 0, T0 + 1),
    );
    assert_eq!(c.status & ECN_CONGESTED, 0);
    cont(
        &mut c,
        seg(
            true,
            TH_ACK | TH_ECE,
            CLIENT_ISN + 1,
            SERVER_ISN + 1,
            0,
            T0 + 2,
        ),
    );
    assert_eq!(c.status & ECN_CONGESTED, SRC_CONGESTED);
}
