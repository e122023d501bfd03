//! The sensor's input filter: a libpcap (tcpdump) BPF expression, as in
//! `argus -r x.pcap - tcp and port 80`.
//!
//! libpcap compiles the expression (through the `pcap` crate, on a "dead"
//! handle of the capture's link type) and runs the program with its own
//! interpreter, `bpf_filter`, so what passes is exactly what tcpdump and the
//! libpcap-based reference Argus let through.
//!
//! A BPF program depends on the link-layer header, so one program is compiled
//! per link type met, on first use, and kept. An expression can be valid for
//! one link type and not another (`ether host ...` on a raw IP capture): the
//! first packet (or file) of such a link type gets libpcap's error, as
//! `tcpdump -r` refuses such a file, instead of the filter silently passing or
//! dropping everything.

use std::os::raw::c_uint;

use argus_core::packet::LinkType;
use pcap::{BpfInstruction, BpfProgram, Capture, Linktype};

// libpcap's BPF interpreter (pcap/bpf.h), which `pcap_offline_filter` calls
// with the record header's `len` and `caplen`. The `pcap` crate's
// `BpfProgram::filter` passes the slice length as both, so `len`, `greater`
// and `less` would see the captured length of a truncated packet instead of
// its length on the wire. libpcap itself is linked by the `pcap` crate.
unsafe extern "C" {
    fn bpf_filter(
        insns: *const BpfInstruction,
        packet: *const u8,
        wire_len: c_uint,
        buf_len: c_uint,
    ) -> c_uint;
}

/// A compiled BPF input filter: one expression, one program per link type.
///
/// ```no_run
/// # fn main() -> Result<(), String> {
/// let mut filter = argus_capture::PacketFilter::new("tcp and port 80")?;
/// let frame: &[u8] = &[];
/// let keep = filter.matches(1, frame, 60)?;
/// # Ok(()) }
/// ```
pub struct PacketFilter {
    expr: String,
    optimize: bool,
    /// (pcap file link type, its program or why there is none), in the order
    /// met; a run rarely sees more than one or two link types.
    programs: Vec<(u32, Result<BpfProgram, String>)>,
    /// Index in `programs` of the link type used last.
    last: usize,
}

impl PacketFilter {
    /// Compiles `expr` with libpcap's optimizer on (argus's default). The
    /// expression is checked by compiling it for Ethernet (`DLT_EN10MB`);
    /// an error is one line: `bad filter "EXPR": <libpcap's message>`.
    pub fn new(expr: &str) -> Result<PacketFilter, String> {
        Self::with_optimizer(expr, true)
    }

    /// As [`PacketFilter::new`]; `optimize: false` is argus's `-O` (and
    /// `ARGUS_FILTER_OPTIMIZER no`).
    pub fn with_optimizer(expr: &str, optimize: bool) -> Result<PacketFilter, String> {
        let ethernet = LinkType::ETHERNET.0;
        let program = compile(expr, ethernet, optimize)
            .map_err(|e| format!("bad filter {}: {e}", quoted(expr)))?;
        Ok(PacketFilter {
            expr: expr.to_string(),
            optimize,
            programs: vec![(ethernet, Ok(program))],
            last: 0,
        })
    }

    /// The expression, as given.
    pub fn expression(&self) -> &str {
        &self.expr
    }

    /// Whether libpcap's optimizer is used.
    pub fn optimizer(&self) -> bool {
        self.optimize
    }

    /// Makes sure the program for `linktype` (a pcap/pcapng `LINKTYPE_`
    /// value) is compiled; `Err` when libpcap cannot compile the expression
    /// for it, with a one-line message naming the expression and the link
    /// type. The outcome is kept: later calls for that link type answer the
    /// same without compiling again.
    pub fn compile_for(&mut self, linktype: u32) -> Result<(), String> {
        match self.program(linktype) {
            Ok(_) => Ok(()),
            Err(e) => Err(e.clone()),
        }
    }

    /// Whether a packet passes the filter: `data` is the captured bytes
    /// (the record's caplen), `wire_len` its original length, which is what
    /// `len`, `greater` and `less` test (as `pcap_offline_filter` does).
    /// `Err` as for [`PacketFilter::compile_for`].
    pub fn matches(&mut self, linktype: u32, data: &[u8], wire_len: u32) -> Result<bool, String> {
        let program = self.program(linktype).map_err(|e| e.clone())?;
        let insns = program.get_instructions();
        if insns.is_empty() {
            // pcap_offline_filter's answer for a program without code.
            return Ok(false);
        }
        // The interpreter never reads past `buf_len` (a load beyond it
        // rejects the packet), so the slice length bounds every access.
        let buf_len = c_uint::try_from(data.len()).unwrap_or(c_uint::MAX);
        // SAFETY: `insns` is a program produced by pcap_compile and owned by
        // `program` for the duration of the call; `BpfInstruction` is
        // `repr(transparent)` over libpcap's `struct bpf_insn`. `data` is
        // valid for `buf_len` bytes, and bpf_filter only reads it.
        let verdict = unsafe { bpf_filter(insns.as_ptr(), data.as_ptr(), wire_len, buf_len) };
        Ok(verdict != 0)
    }

    fn program(&mut self, linktype: u32) -> Result<&BpfProgram, &String> {
        let found = match self.programs.get(self.last) {
            Some((lt, _)) if *lt == linktype => Some(self.last),
            _ => self.programs.iter().position(|(lt, _)| *lt == linktype),
        };
        let index = match found {
            Some(i) => i,
            None => {
                let compiled = compile(&self.expr, linktype, self.optimize).map_err(|e| {
                    format!(
                        "filter {} cannot be applied to link type {}: {e}",
                        quoted(&self.expr),
                        LinkType(linktype).name()
                    )
                });
                self.programs.push((linktype, compiled));
                self.programs.len() - 1
            }
        };
        self.last = index;
        self.programs[index].1.as_ref()
    }
}

impl std::fmt::Debug for PacketFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PacketFilter")
            .field("expr", &self.expr)
            .field("optimize", &self.optimize)
            .field(
                "linktypes",
                &self.programs.iter().map(|(lt, _)| *lt).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Compiles `expr` for a capture file's link type; the error is libpcap's
/// message alone.
fn compile(expr: &str, linktype: u32, optimize: bool) -> Result<BpfProgram, String> {
    if expr.contains('\0') {
        return Err("the expression contains a NUL byte".to_string());
    }
    let dlt = i32::try_from(linktype_to_dlt(linktype))
        .map_err(|_| format!("link type {linktype} out of range"))?;
    // A dead handle has snaplen 65535; the snap length only sets the
    // (non-zero) value the program returns for an accepted packet.
    let handle = Capture::dead(Linktype(dlt)).map_err(pcap_message)?;
    handle.compile(expr, optimize).map_err(pcap_message)
}

fn pcap_message(e: pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(msg) => msg.trim_end().to_string(),
        other => other.to_string(),
    }
}

fn quoted(expr: &str) -> String {
    format!("\"{}\"", expr.escape_debug())
}

/// The `DLT_` value that libpcap gives a file's `LINKTYPE_` value
/// (`linktype_to_dlt` in libpcap's pcap-common.c): they differ only for the
/// few link types whose `DLT_` number is platform-dependent. Values for
/// Linux (and most other systems); OpenBSD numbers raw IP and loopback
/// differently.
fn linktype_to_dlt(linktype: u32) -> u32 {
    match linktype {
        100 => 11, // ATM_RFC1483
        101 => 12, // RAW -> DLT_RAW
        102 => 15, // SLIP_BSDOS
        103 => 16, // PPP_BSDOS
        106 => 19, // ATM_CLIP (Linux)
        other => other,
    }
}
