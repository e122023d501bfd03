//! The client side (`ra -S`, reference §4.3): connect with a time limit,
//! check the server's first record (START MAR, or the ERROR header of a
//! full or refusing server), send `FILTER:` and `START:`, then read the
//! stream as a file.

use super::DEFAULT_PORT;
use crate::argus_file::ArgusFileReader;
use argus_format::reader::FIRST_HEAD_LEN;
use std::io::{Cursor, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// One `-S` source: `[argus://|argus-tcp://][user[:pass]@]host[:port]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteSource {
    pub host: String,
    pub port: u16,
}

impl RemoteSource {
    pub fn parse(text: &str) -> Result<RemoteSource, String> {
        let bad = |why: &str| format!("-S {text}: {why}");
        let mut rest = text.trim();
        if let Some((scheme, after)) = rest.split_once("://") {
            match scheme.to_ascii_lowercase().as_str() {
                "argus" | "argus-tcp" => rest = after,
                other => return Err(bad(&format!("the {other}:// scheme is not supported"))),
            }
        }
        if let Some((_, host)) = rest.rsplit_once('@') {
            rest = host; // user[:pass]@ (SASL) is not used: the server asks for none
        }
        let rest = rest.trim_end_matches('/');
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (h, tail) = v6.split_once(']').ok_or_else(|| bad("unclosed ["))?;
            (h, tail.strip_prefix(':'))
        } else if rest.matches(':').count() > 1 {
            (rest, None) // a bare IPv6 address
        } else {
            match rest.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = match port {
            None | Some("") => DEFAULT_PORT,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|&p| p > 0)
                .ok_or_else(|| bad(&format!("bad port {p:?}")))?,
        };
        Ok(RemoteSource {
            host: host.to_string(),
            port,
        })
    }

    /// `host:port` as error messages name it.
    pub fn name(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Connect, exchange commands and return a reader of the record stream
/// (its first record is the server's START MAR). `filter` is sent as
/// `FILTER:` as given (ra wraps it as `man or (...)` first).
pub fn connect(
    src: &RemoteSource,
    filter: Option<&str>,
    timeout: Duration,
) -> Result<ArgusFileReader, String> {
    let name = src.name();
    let fail = |why: String| format!("{name}: {why}");
    let addrs: Vec<_> = (src.host.as_str(), src.port)
        .to_socket_addrs()
        .map_err(|e| fail(format!("cannot resolve host: {e}")))?
        .collect();
    let mut last = String::from("no address");
    let mut stream = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = e.to_string(),
        }
    }
    let mut stream = stream.ok_or_else(|| fail(format!("cannot connect: {last}")))?;
    let _ = stream.set_nodelay(true);
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| fail(e.to_string()))?;
    let io = |e: std::io::Error| {
        if matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ) {
            fail("no answer from the server (timed out)".into())
        } else {
            fail(e.to_string())
        }
    };
    let mut head = [0u8; 4];
    read_exact(&mut stream, &mut head)
        .map_err(io)?
        .then_some(())
        .ok_or_else(|| fail("the server closed the connection".into()))?;
    if head[0] & 0xf0 == 0x80 && head[1] & 0xf0 == 0x80 {
        return Err(fail(match head[1] & 0x0f {
            1 => "access denied by the server".into(),
            2 => "refused: the server has too many clients".into(),
            o => format!("the server reported an error (option {o})"),
        }));
    }
    let len = (usize::from(u16::from_be_bytes([head[2], head[3]])) * 4).max(FIRST_HEAD_LEN);
    let mut mar = vec![0u8; len];
    mar[..4].copy_from_slice(&head);
    if !read_exact(&mut stream, &mut mar[4..]).map_err(io)? {
        return Err(fail("the server closed the connection".into()));
    }
    if mar[0] & 0xf0 != 0x80 || mar[8..12] != [0xe5, 0x71, 0x2d, 0xcb] {
        return Err(fail("not an Argus 3 server (no START record)".into()));
    }
    if let Some(f) = filter {
        stream
            .write_all(format!("FILTER: {f}").as_bytes())
            .map_err(io)?;
        let mut answer = [0u8; 2];
        if !read_exact(&mut stream, &mut answer).map_err(io)? || &answer != b"OK" {
            return Err(fail(format!(
                "the server refused the filter {f:?} ({})",
                String::from_utf8_lossy(&answer).trim_matches('\0')
            )));
        }
    }
    stream.write_all(b"START: ").map_err(io)?;
    stream.set_read_timeout(None).map_err(io)?;
    let body = Cursor::new(mar).chain(stream);
    Ok(ArgusFileReader::from_reader(&name, Box::new(body)))
}

/// Fill `buf`; false if the stream ended first.
fn read_exact(s: &mut TcpStream, buf: &mut [u8]) -> std::io::Result<bool> {
    let mut n = 0;
    while n < buf.len() {
        match s.read(&mut buf[n..]) {
            Ok(0) => return Ok(false),
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources() {
        let p = |s| RemoteSource::parse(s).map(|r| (r.host, r.port));
        assert_eq!(p("localhost"), Ok(("localhost".into(), 561)));
        assert_eq!(p("argus://1.2.3.4:5610"), Ok(("1.2.3.4".into(), 5610)));
        assert_eq!(p("argus-tcp://u:pw@h:7"), Ok(("h".into(), 7)));
        assert_eq!(p("[::1]:9"), Ok(("::1".into(), 9)));
        assert_eq!(p("::1"), Ok(("::1".into(), 561)));
        assert!(p("h:0").is_err());
        assert!(p("h:x").is_err());
        assert!(p("cisco://h:9996").unwrap_err().contains("cisco"));
    }
}
