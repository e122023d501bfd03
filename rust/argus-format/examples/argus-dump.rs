//! Print the records and DSRs of an Argus file (a debugging aid).

use argus_format::dsr::Dsr;
use argus_format::{Record, parse_stream};

fn main() {
    for path in std::env::args().skip(1) {
        let data = std::fs::read(&path).expect("read");
        println!("== {path}");
        for rec in parse_stream(&data) {
            match rec {
                Err(e) => println!("ERROR {e}"),
                Ok(Record::Mar(m)) => println!("MAR {m:?}"),
                Ok(Record::Other(b)) => println!("OTHER {:02x?}", &b[..4]),
                Ok(Record::Flow(f)) => {
                    println!(
                        "FAR {:02x} {:02x}",
                        f.header.type_version, f.header.cause_option
                    );
                    for d in &f.dsrs {
                        match d {
                            Dsr::Raw(b) => println!("   RAW {b:02x?}"),
                            Dsr::Flow(fl) => println!(
                                "   FLOW st={:02x} q={:02x} {:02x?}",
                                fl.subtype, fl.qual, fl.body
                            ),
                            d => println!("   {d:?}"),
                        }
                    }
                }
            }
        }
    }
}
