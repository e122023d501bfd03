//! `CaptureReader`: packets, one at a time, out of a pcap or pcapng stream.
//!
//! pcap-parser's streaming readers parse the blocks out of a circular
//! buffer. Around them this module does what a flow meter needs and they
//! leave to the caller: it makes sure a whole block is buffered before asking
//! for it (so that "need more data" from pcap-parser can only mean a corrupt
//! block), grows the buffer for big blocks, keeps the interface table of
//! pcapng sections, and turns every failure into a `CaptureError` with the
//! byte offset of the block at fault.

use std::fs::File;
use std::io::{self, Cursor, Read};

use argus_core::packet::{LinkType, RawPacket};
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{Block, LegacyPcapReader, PcapBlockOwned, PcapNGReader};

use crate::error::CaptureError;
use crate::gzip::maybe_gunzip;
use crate::legacy::{FILE_HEADER_LEN, LegacyFormat, RecordHeader};
use crate::pcapng::{self, Interface};
use crate::source::{ErrorSlot, Source, read_up_to};

/// Initial parse buffer: four times the 64 KiB pcap-parser recommends, so
/// that reads are few and big and the bytes still sit in the L2 cache. It
/// grows when a block does not fit.
const INITIAL_CAPACITY: usize = 256 * 1024;

/// Which container format a capture uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureFormat {
    /// Legacy libpcap format.
    Pcap { nanosecond: bool, big_endian: bool },
    /// pcapng (byte order may differ per section).
    PcapNg,
}

/// Reader state specific to the container format.
enum Format {
    Pcap(LegacyFormat),
    PcapNg(NgState),
}

struct NgState {
    /// Byte order of the current section.
    big_endian: bool,
    /// Interfaces of the current section, by interface id.
    interfaces: Vec<Interface>,
    /// Blocks longer than this are taken as corrupt (libpcap's limit).
    max_block_len: u32,
}

/// What one block turned out to be.
enum Step {
    /// Not a packet; already consumed.
    Skip,
    /// Clean end of the stream.
    End,
    Packet(Meta),
}

/// A packet found in the buffer: its data is `start..start + len` of the
/// buffered bytes, and the block it is in is `block_len` bytes long.
struct Meta {
    ts_usec: i64,
    wire_len: u32,
    linktype: LinkType,
    start: usize,
    len: usize,
    block_len: usize,
}

/// Reads the packets of one capture file (pcap or pcapng, optionally gzip
/// compressed) in order, without allocating per packet.
///
/// ```no_run
/// # fn main() -> Result<(), argus_capture::CaptureError> {
/// let mut reader = argus_capture::CaptureReader::open("trace.pcap")?;
/// while let Some(pkt) = reader.next_packet()? {
///     println!("{} {} {}", pkt.ts_usec, pkt.wire_len, pkt.data.len());
/// }
/// # Ok(()) }
/// ```
pub struct CaptureReader {
    name: String,
    parser: Box<dyn PcapReaderIterator + Send>,
    capacity: usize,
    read_error: ErrorSlot,
    format: Format,
    gzip: bool,
    /// Length of the block holding the packet last returned: it is consumed
    /// only on the next call, since the packet borrows the buffer.
    pending: usize,
    /// Set at the end of the stream and after any error.
    finished: bool,
    /// Time stamp of the previous packet, for pcapng simple packet blocks.
    last_ts_usec: i64,
    /// Called before each read of the input (which may block on a pipe).
    before_read: Option<Box<dyn FnMut() + Send>>,
}

impl CaptureReader {
    /// Opens a capture file; `"-"` reads standard input.
    ///
    /// Reads and checks the file header (pcap) or first section header
    /// (pcapng), so a file of the wrong kind fails here.
    pub fn open(path: &str) -> Result<Self, CaptureError> {
        if path == "-" {
            return Self::from_read("-".to_string(), Box::new(io::stdin()));
        }
        let file = File::open(path).map_err(|e| CaptureError::new(path, 0, e.to_string()))?;
        Self::from_read(path.to_string(), Box::new(file))
    }

    /// Reads a capture from any byte stream; `name` is used in errors.
    pub fn from_read(name: String, input: Box<dyn Read + Send>) -> Result<Self, CaptureError> {
        let at_start = |msg: String| CaptureError::new(&name, 0, msg);
        let (stream, gzip) = maybe_gunzip(input).map_err(|e| at_start(e.to_string()))?;
        let read_error = ErrorSlot::default();
        let mut source = Source::new(stream, read_error.clone());

        let mut head = Vec::new();
        read_up_to(&mut source, &mut head, 4).map_err(|e| at_start(e.to_string()))?;
        if head.is_empty() {
            return Err(at_start("empty file, not a capture file".into()));
        }
        if head.len() < 4 {
            return Err(at_start(format!(
                "file too short ({} bytes) to be a capture file",
                head.len()
            )));
        }
        let magic = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        match magic {
            0x0A0D_0D0A => Self::start_pcapng(name, source, head, read_error, gzip),
            0xA1B2_C3D4 | 0xD4C3_B2A1 | 0xA1B2_3C4D | 0x4D3C_B2A1 | 0x34CD_B2A1 => {
                Self::start_pcap(name, source, head, read_error, gzip)
            }
            0xA1B2_CD34 => Err(at_start(
                "big-endian modified (Kuznetsov) pcap files are not supported".into(),
            )),
            _ => Err(at_start(format!(
                "unknown file format (magic 0x{magic:08x})"
            ))),
        }
    }

    fn start_pcap(
        name: String,
        mut source: Source,
        mut head: Vec<u8>,
        read_error: ErrorSlot,
        gzip: bool,
    ) -> Result<Self, CaptureError> {
        let at_start = |msg: String| CaptureError::new(&name, 0, msg);
        read_up_to(&mut source, &mut head, FILE_HEADER_LEN).map_err(|e| at_start(e.to_string()))?;
        if head.len() < FILE_HEADER_LEN {
            return Err(at_start(format!(
                "truncated pcap file header ({} of {FILE_HEADER_LEN} bytes)",
                head.len()
            )));
        }
        // pcap-parser parses the header from its first read, which the chain
        // answers with exactly the header bytes already read.
        let stream = Cursor::new(head).chain(source);
        let mut parser = LegacyPcapReader::new(INITIAL_CAPACITY, stream)
            .map_err(|e| at_start(format!("bad pcap file header: {e}")))?;
        let header = match parser.next() {
            Ok((_, PcapBlockOwned::LegacyHeader(h))) => h,
            _ => return Err(at_start("bad pcap file header".into())),
        };
        let format = LegacyFormat::from_header(&header).map_err(at_start)?;
        parser.consume(FILE_HEADER_LEN);
        Ok(Self::assemble(
            name,
            Box::new(parser),
            read_error,
            Format::Pcap(format),
            gzip,
        ))
    }

    fn start_pcapng(
        name: String,
        mut source: Source,
        mut head: Vec<u8>,
        read_error: ErrorSlot,
        gzip: bool,
    ) -> Result<Self, CaptureError> {
        let at_start = |msg: String| CaptureError::new(&name, 0, msg);
        read_up_to(&mut source, &mut head, 12).map_err(|e| at_start(e.to_string()))?;
        if head.len() < 12 {
            return Err(at_start("truncated section header block".into()));
        }
        let shb = pcapng::block_head(&head, false).map_err(at_start)?;
        let total = shb.total_len as usize;
        read_up_to(&mut source, &mut head, total).map_err(|e| at_start(e.to_string()))?;
        if head.len() < total {
            return Err(at_start(format!(
                "truncated section header block ({} of {total} bytes)",
                head.len()
            )));
        }
        let trailer = pcapng::u32_at(&head, total - 4, shb.big_endian);
        if trailer != shb.total_len {
            return Err(at_start(format!(
                "block total length in header {} and trailer {trailer} don't match",
                shb.total_len
            )));
        }
        let version = |at: usize| {
            let raw = [head[at], head[at + 1]];
            if shb.big_endian {
                u16::from_be_bytes(raw)
            } else {
                u16::from_le_bytes(raw)
            }
        };
        let (major, minor) = (version(12), version(14));
        // As libpcap: 1.2 is written by some tools and means 1.0.
        if !(major == 1 && (minor == 0 || minor == 2)) {
            return Err(at_start(format!(
                "unsupported pcapng savefile version {major}.{minor}"
            )));
        }
        let capacity = INITIAL_CAPACITY.max(total.next_power_of_two());
        let stream = Cursor::new(head).chain(source);
        let parser = PcapNGReader::new(capacity, stream)
            .map_err(|e| at_start(format!("bad section header block: {e}")))?;
        let state = NgState {
            big_endian: shb.big_endian,
            interfaces: Vec::new(),
            max_block_len: pcapng::INITIAL_MAX_BLOCK_LEN,
        };
        let mut reader = Self::assemble(
            name,
            Box::new(parser),
            read_error,
            Format::PcapNg(state),
            gzip,
        );
        reader.capacity = capacity;
        Ok(reader)
    }

    fn assemble(
        name: String,
        parser: Box<dyn PcapReaderIterator + Send>,
        read_error: ErrorSlot,
        format: Format,
        gzip: bool,
    ) -> Self {
        CaptureReader {
            name,
            parser,
            capacity: INITIAL_CAPACITY,
            read_error,
            format,
            gzip,
            pending: 0,
            finished: false,
            last_ts_usec: 0,
            before_read: None,
        }
    }

    /// The next packet, `Ok(None)` at the end of the capture.
    ///
    /// The packet borrows the reader's buffer, so it must be dropped before
    /// the next call. After an error (every packet before it has already
    /// been returned) all further calls return `Ok(None)`.
    ///
    /// `wire_len` is the record's original length, except when that is
    /// smaller than the captured length (a broken writer): then it is the
    /// captured length, so that `data.len() <= wire_len` always holds.
    pub fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, CaptureError> {
        if self.finished {
            return Ok(None);
        }
        if self.pending > 0 {
            // No shift of the buffered bytes per packet: refill() shifts
            // the (short) rest when more must be read.
            self.parser.consume_noshift(self.pending);
            self.pending = 0;
        }
        loop {
            let step = match self.format {
                Format::Pcap(format) => self.step_pcap(format),
                Format::PcapNg(_) => self.step_pcapng(),
            };
            match step {
                Ok(Step::Skip) => continue,
                Ok(Step::End) => {
                    self.finished = true;
                    return Ok(None);
                }
                Ok(Step::Packet(m)) => {
                    let range = m.start..m.start.saturating_add(m.len);
                    if self.parser.data().get(range.clone()).is_none() {
                        // Cannot happen with a consistent pcap-parser; never
                        // index out of bounds on the strength of that.
                        self.finished = true;
                        return Err(self.error("packet data lies outside its block".into()));
                    }
                    self.pending = m.block_len;
                    self.last_ts_usec = m.ts_usec;
                    return Ok(Some(RawPacket {
                        ts_usec: m.ts_usec,
                        wire_len: m.wire_len,
                        linktype: m.linktype,
                        data: &self.parser.data()[range],
                    }));
                }
                Err(e) => {
                    self.finished = true;
                    return Err(e);
                }
            }
        }
    }

    /// Offset in the (decompressed) stream of the next block to be read:
    /// after an error, of the block that failed.
    pub fn byte_offset(&self) -> u64 {
        self.parser.consumed() as u64 + self.pending as u64
    }

    /// The link type of a legacy pcap file. For pcapng, that of interface 0
    /// of the current section, `None` before its description was read;
    /// pcapng interfaces may differ, so use each packet's own link type.
    pub fn linktype(&self) -> Option<LinkType> {
        match &self.format {
            Format::Pcap(f) => Some(f.linktype),
            Format::PcapNg(s) => s.interfaces.first().map(|i| i.linktype),
        }
    }

    pub fn format(&self) -> CaptureFormat {
        match &self.format {
            Format::Pcap(f) => CaptureFormat::Pcap {
                nanosecond: f.nanosecond,
                big_endian: f.big_endian,
            },
            Format::PcapNg(_) => CaptureFormat::PcapNg,
        }
    }

    /// Whether the stream was gzip-compressed.
    pub fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// Have `hook` called each time the reader is about to read more input,
    /// a read that may block (a pipe with nothing written yet): a caller
    /// that holds packets back, to pass them on in batches, passes them on
    /// there rather than keep them through the wait.
    pub fn on_read(&mut self, hook: Box<dyn FnMut() + Send>) {
        self.before_read = Some(hook);
    }

    /// The name given at opening (the path, or `-` for stdin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// An error about the block starting at the current position.
    fn error(&self, message: String) -> CaptureError {
        CaptureError::new(&self.name, self.parser.consumed() as u64, message)
    }

    /// Buffers at least `n` bytes from the current position, growing the
    /// buffer if needed. `Ok(false)` if the stream ends first.
    fn ensure(&mut self, n: usize) -> Result<bool, CaptureError> {
        loop {
            if self.parser.data().len() >= n {
                return Ok(true);
            }
            if self.parser.reader_exhausted() {
                return Ok(false);
            }
            if n > self.capacity {
                let bigger = n.max(self.capacity.saturating_mul(2));
                self.parser.grow(bigger);
                self.capacity = bigger;
            }
            if let Some(hook) = self.before_read.as_mut() {
                hook();
            }
            // refill() shifts the buffer first, so there is room to read.
            if self.parser.refill().is_err() {
                let msg = self
                    .read_error
                    .lock()
                    .ok()
                    .and_then(|mut slot| slot.take())
                    .unwrap_or_else(|| "read error".to_string());
                return Err(self.error(msg));
            }
        }
    }

    fn step_pcap(&mut self, format: LegacyFormat) -> Result<Step, CaptureError> {
        let header_len = format.record_header_len;
        // Usually the whole record is buffered already: one look at the
        // buffer then, without the checks of ensure().
        let buffered = self.parser.data();
        if buffered.len() >= header_len {
            let record = format.record_header(buffered);
            let record_len = header_len + record.caplen as usize;
            if record.caplen <= format.max_caplen && buffered.len() >= record_len {
                return Ok(Step::Packet(legacy_meta(&format, &record, record_len)));
            }
        }
        if !self.ensure(header_len)? {
            let have = self.parser.data().len();
            if have == 0 {
                return Ok(Step::End);
            }
            return Err(self.error(format!(
                "truncated packet record header ({have} of {header_len} bytes)"
            )));
        }
        let record = format.record_header(self.parser.data());
        if record.caplen > format.max_caplen {
            return Err(self.error(format!(
                "invalid packet capture length {}, bigger than maximum of {}",
                record.caplen, format.max_caplen
            )));
        }
        let record_len = header_len + record.caplen as usize;
        if !self.ensure(record_len)? {
            return Err(self.error(format!(
                "truncated packet record ({} captured bytes announced, {} present)",
                record.caplen,
                self.parser.data().len() - header_len
            )));
        }
        Ok(Step::Packet(legacy_meta(&format, &record, record_len)))
    }

    fn step_pcapng(&mut self) -> Result<Step, CaptureError> {
        let Format::PcapNg(state) = &self.format else {
            return Ok(Step::End);
        };
        let (section_big_endian, max_block_len) = (state.big_endian, state.max_block_len);

        if !self.ensure(8)? {
            let have = self.parser.data().len();
            if have == 0 {
                return Ok(Step::End);
            }
            return Err(self.error(format!("truncated block header ({have} of 8 bytes)")));
        }
        if pcapng::is_shb(self.parser.data()) && !self.ensure(12)? {
            return Err(self.error("truncated section header block".into()));
        }
        let head = pcapng::block_head(self.parser.data(), section_big_endian)
            .map_err(|m| self.error(m))?;
        let name = pcapng::block_name(head.block_type);
        if head.total_len > max_block_len {
            return Err(self.error(format!(
                "{name} length {} > maximum {max_block_len}",
                head.total_len
            )));
        }
        let total = head.total_len as usize;
        if !self.ensure(total)? {
            return Err(self.error(format!(
                "truncated {name} ({} of {total} bytes)",
                self.parser.data().len()
            )));
        }
        let trailer = pcapng::u32_at(self.parser.data(), total - 4, head.big_endian);
        if trailer != head.total_len {
            return Err(self.error(format!(
                "block total length in header {total} and trailer {trailer} don't match"
            )));
        }

        let offset = self.parser.consumed() as u64;
        let fail = |msg: String| CaptureError::new(&self.name, offset, msg);
        let base = self.parser.data().as_ptr() as usize;
        let Format::PcapNg(state) = &mut self.format else {
            return Ok(Step::End);
        };
        let essential = matches!(
            head.block_type,
            pcapng::SHB | pcapng::IDB | pcapng::EPB | pcapng::SPB | pcapng::OPB
        );
        let block = match self.parser.next() {
            Ok((n, PcapBlockOwned::NG(block))) if n == total => block,
            // Blocks we do not use may be malformed: skip, as libpcap does.
            _ if !essential => {
                self.parser.consume(total);
                return Ok(Step::Skip);
            }
            _ => return Err(fail(format!("malformed {name}"))),
        };
        let found = match block {
            Block::SectionHeader(shb) => {
                // libpcap checks the major version only after the first SHB.
                if shb.major_version != 1 {
                    return Err(fail(format!(
                        "unknown pcapng savefile major version number {}",
                        shb.major_version
                    )));
                }
                state.big_endian = shb.big_endian();
                state.interfaces.clear();
                None
            }
            Block::InterfaceDescription(idb) => {
                let iface = Interface::from_idb(&idb, head.big_endian)
                    .map_err(|m| fail(format!("{name}: {m}")))?;
                state.max_block_len = state
                    .max_block_len
                    .max(pcapng::max_block_len_for(iface.linktype));
                state.interfaces.push(iface);
                None
            }
            Block::EnhancedPacket(epb) => {
                let iface = interface(&state.interfaces, epb.if_id).map_err(&fail)?;
                let ts = iface.ts_usec(epb.ts_high, epb.ts_low);
                let start = (epb.data.as_ptr() as usize).wrapping_sub(base);
                Some((iface, ts, epb.caplen, epb.origlen, start))
            }
            Block::SimplePacket(spb) => {
                let iface = interface(&state.interfaces, 0).map_err(&fail)?;
                // No caplen in an SPB: the packet, cut at the snap length.
                let caplen = spb.origlen.min(iface.snapshot);
                if caplen as usize > spb.data.len() {
                    return Err(fail(format!("{name} too short for its packet")));
                }
                // No time stamp either. libpcap uses 0 (plus if_tsoffset);
                // a flow meter is better served by the previous packet's.
                let start = (spb.data.as_ptr() as usize).wrapping_sub(base);
                Some((iface, self.last_ts_usec, caplen, spb.origlen, start))
            }
            Block::Unknown(ub) if head.block_type == pcapng::OPB => {
                let opb = pcapng::parse_opb(ub.data, head.big_endian)
                    .ok_or_else(|| fail(format!("malformed {name}")))?;
                let iface = interface(&state.interfaces, opb.if_id).map_err(&fail)?;
                let data = &ub.data[pcapng::OPB_FIXED_LEN..];
                if opb.caplen as usize > data.len() {
                    return Err(fail(format!("{name} too short for its packet")));
                }
                let ts = iface.ts_usec(opb.ts_high, opb.ts_low);
                let start = (data.as_ptr() as usize).wrapping_sub(base);
                Some((iface, ts, opb.caplen, opb.len, start))
            }
            _ => None,
        };
        let Some((iface, ts_usec, caplen, origlen, start)) = found else {
            self.parser.consume(total);
            return Ok(Step::Skip);
        };
        if caplen > iface.snapshot {
            return Err(fail(format!(
                "invalid packet capture length {caplen}, bigger than snaplen of {}",
                iface.snapshot
            )));
        }
        Ok(Step::Packet(Meta {
            ts_usec,
            wire_len: origlen.max(caplen),
            linktype: iface.linktype,
            start,
            len: caplen as usize,
            block_len: total,
        }))
    }
}

/// Where a legacy record's packet is: its data simply follows the header
/// (whatever the field order, which pcap-parser would not know for pre-2.3
/// files).
fn legacy_meta(format: &LegacyFormat, record: &RecordHeader, record_len: usize) -> Meta {
    // libpcap's salvage of a caplen above the snapshot length: keep the
    // first `snapshot` bytes, skip the rest.
    let len = record.caplen.min(format.snapshot);
    Meta {
        ts_usec: format.ts_usec(record),
        wire_len: record.len.max(len),
        linktype: format.linktype,
        start: format.record_header_len,
        len: len as usize,
        block_len: record_len,
    }
}

/// The interface a packet block refers to, if the section declared it.
fn interface(interfaces: &[Interface], id: u32) -> Result<Interface, String> {
    interfaces.get(id as usize).copied().ok_or_else(|| {
        format!(
            "a packet arrived on interface {id}, but the section describes {} interface(s)",
            interfaces.len()
        )
    })
}
