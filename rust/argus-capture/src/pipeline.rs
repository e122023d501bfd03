//! Capture files → flow engine → records, file after file, as `argus -r a b`
//! does: one flow table across all inputs; a file that cannot be read is
//! reported and skipped, and reading goes on with the next one.

use crate::CaptureReader;
use argus_core::decode::DecodeError;
use argus_core::flow::Engine;
use argus_core::options::EngineOptions;
use argus_core::record::FlowRecord;

pub struct Pipeline {
    paths: Vec<String>,
    next_file: usize,
    reader: Option<CaptureReader>,
    engine: Engine,
    errors: Vec<String>,
    files_read: usize,
    finished: bool,
}

/// Why [`Pipeline::fill`] returned.
#[derive(Debug, PartialEq, Eq)]
pub enum Fill {
    /// `want` records are available.
    Ready,
    /// The budget of packets for this call was used up.
    Budget,
    /// All inputs are done and the flow table flushed.
    Done,
}

impl Pipeline {
    pub fn new(paths: Vec<String>, opts: EngineOptions) -> Self {
        Pipeline {
            paths,
            next_file: 0,
            reader: None,
            engine: Engine::new(opts),
            errors: Vec::new(),
            files_read: 0,
            finished: false,
        }
    }

    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn files_read(&self) -> usize {
        self.files_read
    }

    /// Process packets until `want` records are pending, `budget` packets
    /// were processed, or the input ends.
    pub fn fill(&mut self, want: usize, budget: usize) -> Fill {
        let mut processed = 0usize;
        loop {
            if self.engine.pending_records() >= want {
                return Fill::Ready;
            }
            if self.finished {
                return Fill::Done;
            }
            if processed >= budget {
                return Fill::Budget;
            }
            if self.reader.is_none() && !self.open_next() {
                self.engine.finish();
                self.finished = true;
                continue;
            }
            let Some(reader) = self.reader.as_mut() else {
                continue;
            };
            let record_offset = reader.byte_offset();
            match reader.next_packet() {
                Ok(Some(pkt)) => {
                    processed += 1;
                    if let Err(DecodeError::UnsupportedLinkType(lt)) = self.engine.process(&pkt) {
                        let msg = format!(
                            "{}: byte offset {}: unsupported link type {}",
                            reader.name(),
                            record_offset,
                            lt.name()
                        );
                        self.errors.push(msg);
                        self.reader = None;
                    }
                }
                Ok(None) => self.reader = None,
                Err(e) => {
                    self.errors.push(e.to_string());
                    self.reader = None;
                }
            }
        }
    }

    /// Take at most `max` pending records, oldest first.
    pub fn take_records(&mut self, into: &mut Vec<FlowRecord>, max: usize) {
        self.engine.take_records(into, max);
    }

    fn open_next(&mut self) -> bool {
        while self.next_file < self.paths.len() {
            let path = self.paths[self.next_file].clone();
            self.next_file += 1;
            match CaptureReader::open(&path) {
                Ok(r) => {
                    self.files_read += 1;
                    self.reader = Some(r);
                    return true;
                }
                Err(e) => self.errors.push(e.to_string()),
            }
        }
        false
    }
}
