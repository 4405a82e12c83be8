//! A seeded mutator: the usual byte-level mutations (flips, insertions, deletions,
//! duplications that amplify nesting, truncation, splices, and tokens parsers care about).
//! The same seed gives the same inputs on every machine.

/// Tokens worth inserting: delimiters that open nesting, numbers at the edges, quotes, NUL.
const TOKENS: &[&[u8]] = &[
    b"(",
    b")",
    b"[",
    b"]",
    b"{",
    b"}",
    b"<a>",
    b"</a>",
    b"\"",
    b"'",
    b",",
    b":",
    b"=",
    b"\n",
    b"not ",
    b" and ",
    b"unknown",
    b"-1",
    b"0",
    b"1e308",
    b"NaN",
    b"99999999999999999999",
    b"\0",
    b"\xff\xfe",
    b"<!DOCTYPE x [<!ENTITY a \"b\">]>",
    b"&a;",
    b"[[",
    b"]]",
];

/// A small xorshift generator.
#[derive(Debug, Clone)]
pub struct Mutator(u64);

impl Mutator {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { usize::try_from(self.next() % n as u64).unwrap_or(0) }
    }

    /// A mutation of `input`: one to four edits, capped at `max_len` bytes.
    pub fn mutate(&mut self, input: &[u8], other: &[u8], max_len: usize) -> Vec<u8> {
        let mut out = input.to_vec();
        for _ in 0..=self.below(4) {
            let len = out.len();
            match self.below(8) {
                0 if len > 0 => {
                    let i = self.below(len);
                    if let Some(b) = out.get_mut(i) {
                        *b ^= 1 << self.below(8);
                    }
                }
                1 if len > 0 => {
                    let i = self.below(len);
                    let byte = u8::try_from(self.next() & 0xff).unwrap_or(0);
                    if let Some(b) = out.get_mut(i) {
                        *b = byte;
                    }
                }
                2 => {
                    let at = self.below(len + 1);
                    let token = TOKENS.get(self.below(TOKENS.len())).copied().unwrap_or(b"(");
                    out.splice(at..at, token.iter().copied());
                }
                3 if len > 0 => {
                    let start = self.below(len);
                    let end = (start + 1 + self.below(64)).min(len);
                    out.drain(start..end);
                }
                4 if len > 0 => {
                    // Repeat a slice many times: deep nesting, long runs.
                    let start = self.below(len);
                    let end = (start + 1 + self.below(8)).min(len);
                    let piece: Vec<u8> =
                        out.get(start..end).map(<[u8]>::to_vec).unwrap_or_default();
                    let times = 1 + self.below(2000);
                    let at = end;
                    let repeated: Vec<u8> =
                        piece.iter().copied().cycle().take(piece.len() * times).collect();
                    out.splice(at..at, repeated);
                }
                5 if len > 0 => out.truncate(self.below(len)),
                6 if !other.is_empty() => {
                    // Splice in part of another seed.
                    let start = self.below(other.len());
                    let end = (start + 1 + self.below(256)).min(other.len());
                    let at = self.below(len + 1);
                    let piece: Vec<u8> =
                        other.get(start..end).map(<[u8]>::to_vec).unwrap_or_default();
                    out.splice(at..at, piece);
                }
                _ => {
                    let at = self.below(len + 1);
                    let byte = u8::try_from(self.next() & 0xff).unwrap_or(0);
                    out.insert(at, byte);
                }
            }
        }
        out.truncate(max_len);
        out
    }
}
