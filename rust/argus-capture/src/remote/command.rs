//! The client commands of the Argus 3 protocol: ASCII, one per `write()`,
//! no terminator, matched by prefix. Several may arrive in one read; each
//! ends where the next known command starts.

/// One command a client sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Start,
    Done,
    Filter(String),
    /// `MODEL:`, `PROJECT:` and `FILE:` (radium's): accepted, ignored.
    Ignored(String),
    /// Anything else (the raw text, for the log).
    Unknown(String),
}

const NAMES: [&str; 6] = ["START:", "DONE:", "FILTER:", "MODEL:", "PROJECT:", "FILE:"];

/// Split what a client sent into commands. Trailing NULs, newlines and
/// blanks are not part of a command (so `nc` users can type them).
pub fn parse_commands(data: &[u8]) -> Vec<Command> {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let mut starts: Vec<usize> = Vec::new();
    for name in NAMES {
        let mut from = 0;
        while let Some(at) = text[from..].find(name) {
            starts.push(from + at);
            from += at + name.len();
        }
    }
    starts.sort_unstable();
    let clean = |s: &str| {
        s.trim_matches(|c: char| c == '\0' || c.is_whitespace())
            .to_string()
    };
    let mut out = Vec::new();
    let head = clean(&text[..starts.first().copied().unwrap_or(text.len())]);
    if !head.is_empty() {
        out.push(Command::Unknown(head));
    }
    for (i, &at) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let word = &text[at..end];
        let cmd = if word.starts_with("START:") {
            Command::Start
        } else if word.starts_with("DONE:") {
            Command::Done
        } else if let Some(expr) = word.strip_prefix("FILTER:") {
            Command::Filter(clean(expr))
        } else {
            Command::Ignored(clean(word))
        };
        out.push(cmd);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ra_exchange() {
        assert_eq!(
            parse_commands(b"FILTER: man or (udp)"),
            vec![Command::Filter("man or (udp)".into())]
        );
        assert_eq!(parse_commands(b"START: "), vec![Command::Start]);
        assert_eq!(parse_commands(b"DONE: \0"), vec![Command::Done]);
    }

    #[test]
    fn coalesced_and_unknown() {
        assert_eq!(
            parse_commands(b"FILTER: tcp\nSTART: "),
            vec![Command::Filter("tcp".into()), Command::Start]
        );
        assert_eq!(
            parse_commands(b"HELLO"),
            vec![Command::Unknown("HELLO".into())]
        );
        assert_eq!(
            parse_commands(b"MODEL: x START:"),
            vec![Command::Ignored("MODEL: x".into()), Command::Start]
        );
        assert!(parse_commands(b"\0\n").is_empty());
    }
}
