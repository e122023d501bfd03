//! The offline sensor's output side (`argus -r ... -w OUT ["FILTER"] ...`):
//! records from a [`Pipeline`] written as Argus 3 streams, one per output,
//! each with its own record filter, framed by MARs as argus frames them.
//!
//! Like argus, every output starts with a START MAR, gets a STATUS MAR every
//! MAR interval of **wall-clock** time (argus times MARs by the clock, not by
//! packet time, also when reading files) and ends with a STOP MAR. A file
//! output is appended to when it exists, as argus does; `-` is stdout.

use crate::Pipeline;
use crate::file_sink::{FileSink, Sink};
use crate::sharded::Encoded;
use argus_core::record::FlowRecord;
use argus_format::map::WriteOptions;
use argus_format::{MarCounters, SensorCounts, SensorWriter};
use std::io::{self, BufWriter, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Decides whether a record goes to an output (an ra-language filter).
pub type RecordPredicate = Box<dyn FnMut(&FlowRecord) -> bool + Send>;

/// Another consumer of the sensor's records and MARs besides the stream
/// outputs (the `-P` server, [`crate::remote::Server`]).
pub trait RecordSink: Send {
    /// The run's START MAR settings.
    fn begin(&mut self, c: &MarCounters);
    fn records(&mut self, batch: &[FlowRecord]);
    /// A STATUS MAR, or the STOP MAR at the end.
    fn mar(&mut self, c: &MarCounters, stop: bool);
    /// After the STOP MAR: deliver what is queued, then close.
    fn end(&mut self);
}

/// What the MARs say about the sensor, beyond its counters.
#[derive(Clone, Debug)]
pub struct SensorConfig {
    /// What the records hold; its `srcid_kind` also labels the MARs.
    pub write: WriteOptions,
    pub srcid: u32,
    /// -M: STATUS MAR interval (wall clock); zero = none.
    pub mar_interval: Duration,
    /// -S as the MAR reports it, whole seconds.
    pub status_interval_sec: u16,
}

/// One output stream.
pub struct Output {
    name: String,
    sink: Sink,
    filter: Option<RecordPredicate>,
    writer: SensorWriter,
    records_since_mar: u32,
    buf: Vec<u8>,
}

impl Output {
    /// Open `target` (a file, appended to, or `-` for stdout). A file is
    /// created again when it is removed or renamed while the sensor runs
    /// ([`FileSink`]).
    pub fn open(target: &str, filter: Option<RecordPredicate>) -> Result<Output, String> {
        let sink = if target == "-" {
            Sink::Stream(Box::new(BufWriter::with_capacity(1 << 16, io::stdout())))
        } else {
            Sink::File(
                FileSink::open(target)
                    .map_err(|e| format!("{target}: cannot open for writing: {e}"))?,
            )
        };
        Ok(Output::with_sink(target, sink, filter))
    }

    /// Write into any sink (tests, pipes), under the given name for errors.
    pub fn to_sink(
        name: &str,
        sink: Box<dyn Write + Send>,
        filter: Option<RecordPredicate>,
    ) -> Output {
        Output::with_sink(name, Sink::Stream(sink), filter)
    }

    fn with_sink(name: &str, sink: Sink, filter: Option<RecordPredicate>) -> Output {
        Output {
            name: name.to_string(),
            sink,
            filter,
            writer: SensorWriter::default(),
            records_since_mar: 0,
            buf: Vec::with_capacity(1 << 16),
        }
    }

    fn flush_buf(&mut self) -> Result<(), String> {
        if !self.buf.is_empty() {
            let r = self.sink.write_all(&self.buf);
            self.buf.clear();
            r.map_err(|e| format!("{}: write failed: {e}", self.name))?;
        }
        Ok(())
    }
}

/// What a finished run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SensorReport {
    /// Records written, per output.
    pub records_written: Vec<u64>,
}

/// Runs a [`Pipeline`] into its outputs.
pub struct Sensor {
    pipeline: Pipeline,
    outputs: Vec<Output>,
    sinks: Vec<Box<dyn RecordSink>>,
    cfg: SensorConfig,
    last_mar_wall: Instant,
    last_mar_usec: i64,
    /// Engine counters at the last MAR, for the per-period counts.
    at_last_mar: (u64, u64, u64),
    last_seq: u32,
    written: Vec<u64>,
    batch: Vec<FlowRecord>,
    /// The batch's FARs when the flow table's shards encode them.
    encoded: Option<Encoded>,
    done: bool,
}

fn now_usec() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// Records taken from the engine per round.
const BATCH: usize = 4096;

impl Sensor {
    /// Start the run: every output gets its START MAR.
    pub fn start(
        pipeline: Pipeline,
        mut outputs: Vec<Output>,
        cfg: SensorConfig,
    ) -> Result<Sensor, String> {
        let started = now_usec();
        let mut s = Sensor {
            pipeline,
            outputs: Vec::new(),
            sinks: Vec::new(),
            cfg,
            last_mar_wall: Instant::now(),
            last_mar_usec: started,
            at_last_mar: (0, 0, 0),
            last_seq: 0,
            written: Vec::new(),
            batch: Vec::with_capacity(BATCH),
            encoded: None,
            done: false,
        };
        if s.pipeline.encode_records(&s.cfg.write) {
            s.encoded = Some(Encoded::default());
        }
        let c = s.counters(started, SensorCounts::default());
        for o in &mut outputs {
            o.writer = SensorWriter::new(s.cfg.write.clone());
            o.writer.start(&c, &mut o.buf);
            o.flush_buf()?;
        }
        s.written = vec![0; outputs.len()];
        s.outputs = outputs;
        Ok(s)
    }

    /// Also feed `sink` (it gets the START MAR settings now).
    pub fn add_sink(&mut self, mut sink: Box<dyn RecordSink>) {
        sink.begin(&self.counters(self.last_mar_usec, SensorCounts::default()));
        self.sinks.push(sink);
    }

    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// Process up to `budget` packets and write the records they close.
    /// Returns true when all inputs are done (then call [`Sensor::finish`]).
    pub fn step(&mut self, budget: usize) -> Result<bool, String> {
        if self.done {
            return Ok(true);
        }
        let fill = self.pipeline.fill(BATCH, budget);
        loop {
            self.batch.clear();
            match self.encoded.as_mut() {
                Some(enc) => {
                    enc.clear();
                    self.pipeline.take_encoded(&mut self.batch, enc, BATCH);
                }
                None => self.pipeline.take_records(&mut self.batch, BATCH),
            }
            if self.batch.is_empty() {
                break;
            }
            self.write_batch()?;
        }
        if !self.cfg.mar_interval.is_zero() && self.last_mar_wall.elapsed() >= self.cfg.mar_interval
        {
            self.write_mar(false)?;
        }
        self.check_outputs()?;
        if self.pipeline.capture().is_some() {
            // live: readers of the files (tail, rasplit -r) see records as they come
            for o in &mut self.outputs {
                o.sink
                    .flush()
                    .map_err(|e| format!("{}: write failed: {e}", o.name))?;
            }
        }
        self.done = fill == crate::Fill::Done;
        Ok(self.done)
    }

    /// An output file removed or renamed since the last check (at most
    /// once a second) is created again and begins with a START MAR, as
    /// argus begins a file; the old file keeps everything written so far.
    fn check_outputs(&mut self) -> Result<(), String> {
        for i in 0..self.outputs.len() {
            let o = &mut self.outputs[i];
            o.flush_buf()?;
            let reopened = o
                .sink
                .check()
                .map_err(|e| format!("{}: cannot write or reopen: {e}", o.name))?;
            if reopened {
                self.begin_file(i)?;
            }
        }
        Ok(())
    }

    /// SIGHUP: every output file is closed and opened again (created when
    /// it was moved away), with a new START MAR; streams are flushed.
    pub fn reopen_outputs(&mut self) -> Result<(), String> {
        for i in 0..self.outputs.len() {
            let o = &mut self.outputs[i];
            o.flush_buf()?;
            let reopened = o
                .sink
                .reopen()
                .map_err(|e| format!("{}: cannot reopen: {e}", o.name))?;
            if reopened {
                self.begin_file(i)?;
            }
        }
        Ok(())
    }

    /// The START MAR that begins a (re)opened file.
    fn begin_file(&mut self, i: usize) -> Result<(), String> {
        let now = now_usec();
        let mut c = self.counters(now, SensorCounts::default());
        c.start_usec = now;
        let o = &mut self.outputs[i];
        o.writer.start(&c, &mut o.buf);
        o.flush_buf()
    }

    fn write_batch(&mut self) -> Result<(), String> {
        let Sensor {
            outputs,
            batch,
            encoded,
            written,
            ..
        } = self;
        for (o, n) in outputs.iter_mut().zip(written.iter_mut()) {
            let mut at = 0usize;
            for (i, r) in batch.iter().enumerate() {
                // the record's FAR, when a shard encoded it
                let far = encoded.as_ref().map(|e| {
                    let (len, window) = e.records[i];
                    let start = at;
                    at += len as usize;
                    (&e.bytes[start..at], window)
                });
                if let Some(f) = o.filter.as_mut()
                    && !f(r)
                {
                    continue;
                }
                match far {
                    Some((bytes, window)) => o.writer.append_encoded(bytes, window, &mut o.buf),
                    None => o.writer.flow(r, &mut o.buf),
                }
                o.records_since_mar = o.records_since_mar.saturating_add(1);
                *n += 1;
            }
            o.flush_buf()?;
        }
        for s in self.sinks.iter_mut() {
            s.records(batch);
        }
        if let Some(r) = batch.last() {
            self.last_seq = r.seq;
        }
        Ok(())
    }

    fn counters(&self, now: i64, counts: SensorCounts) -> MarCounters {
        // live: the first interface's link type and network, as argus's MARs
        let first = self.pipeline.capture().and_then(|c| c.interfaces().first());
        let (localnet, netmask) = first.and_then(|i| i.localnet).unwrap_or((0, 0));
        MarCounters {
            interface_type: first.map_or(0, |i| i.linktype.0.min(255) as u8),
            localnet,
            netmask,
            start_usec: self.last_mar_usec,
            now_usec: now,
            srcid: self.cfg.srcid,
            srcid_kind: self.cfg.write.srcid_kind,
            next_seq: self.last_seq,
            report_interval_sec: self.cfg.status_interval_sec,
            mar_interval_sec: self.cfg.mar_interval.as_secs().min(u64::from(u16::MAX)) as u16,
            counts,
            user_len: (self.cfg.write.user_data_len, self.cfg.write.user_data_len),
            ..MarCounters::default()
        }
    }

    /// A STATUS (or the STOP) MAR on every output, with the counts of the
    /// period since the last MAR.
    fn write_mar(&mut self, stop: bool) -> Result<(), String> {
        let now = now_usec();
        let st = self.pipeline.stats();
        let (p0, b0, f0) = self.at_last_mar;
        let open = self.pipeline.open_flows();
        // live: the kernel's drops of the period, and the periodic log line
        let dropped = match self.pipeline.capture_period() {
            Some((d, line)) => {
                eprintln!("{line}");
                (d.dropped + d.if_dropped).min(u64::from(u32::MAX)) as u32
            }
            None => 0,
        };
        for i in 0..self.outputs.len() {
            let counts = SensorCounts {
                packets: st.packets - p0,
                bytes: st.bytes - b0,
                records: self.outputs[i].records_since_mar,
                flows: (st.flows - f0).min(u64::from(u32::MAX)) as u32,
                queue: open.min(u32::MAX as usize) as u32,
                dropped,
                ..SensorCounts::default()
            };
            let c = self.counters(now, counts);
            let o = &mut self.outputs[i];
            if stop {
                o.writer.stop(&c, &mut o.buf);
            } else {
                o.writer.status(&c, &mut o.buf);
            }
            o.records_since_mar = 0;
            o.flush_buf()?;
        }
        if !self.sinks.is_empty() {
            let counts = SensorCounts {
                packets: st.packets - p0,
                bytes: st.bytes - b0,
                flows: (st.flows - f0).min(u64::from(u32::MAX)) as u32,
                queue: open.min(u32::MAX as usize) as u32,
                dropped,
                ..SensorCounts::default()
            };
            let c = self.counters(now, counts);
            for s in self.sinks.iter_mut() {
                s.mar(&c, stop);
            }
        }
        self.at_last_mar = (st.packets, st.bytes, st.flows);
        self.last_mar_usec = now;
        self.last_mar_wall = Instant::now();
        Ok(())
    }

    /// Stop early (a signal): the open flows are written with cause
    /// SHUTDOWN, then the STOP MAR, as argus does on SIGINT/SIGTERM.
    pub fn interrupt(mut self) -> Result<(SensorReport, Pipeline), String> {
        self.pipeline.shutdown();
        self.done = false;
        self.finish()
    }

    /// End the run: the STOP MAR on every output, everything flushed.
    pub fn finish(mut self) -> Result<(SensorReport, Pipeline), String> {
        while !self.step(usize::MAX)? {}
        self.write_mar(true)?;
        for s in self.sinks.iter_mut() {
            s.end();
        }
        for o in &mut self.outputs {
            o.sink
                .flush()
                .map_err(|e| format!("{}: write failed: {e}", o.name))?;
        }
        Ok((
            SensorReport {
                records_written: self.written,
            },
            self.pipeline,
        ))
    }
}
