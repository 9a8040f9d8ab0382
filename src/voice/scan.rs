//! Finding the bytes where a say-as token may start (digits, `+`, `(`, currency signs) eight
//! bytes at a time: words of text hold none of them. A set of one to three plain bytes is
//! better found with `memchr`, which sentences and clauses use.

/// A set of bytes to find: some listed bytes and, optionally, the ASCII digits.
#[derive(Debug)]
pub(crate) struct ByteSet {
    table: [bool; 256],
    listed: [u8; ByteSet::MAX_LISTED],
    count: usize,
    digits: bool,
}

impl ByteSet {
    const MAX_LISTED: usize = 8;

    /// The bytes of `listed` (at most eight; more is a compile-time error in a `const`), and
    /// the digits `0`–`9` when `digits` is set.
    pub const fn new(listed: &[u8], digits: bool) -> Self {
        assert!(listed.len() <= Self::MAX_LISTED, "too many bytes listed");
        let mut table = [false; 256];
        let mut kept = [0; Self::MAX_LISTED];
        let mut i = 0;
        while i < listed.len() {
            table[listed[i] as usize] = true;
            kept[i] = listed[i];
            i += 1;
        }
        if digits {
            let mut b = b'0';
            while b <= b'9' {
                table[b as usize] = true;
                b += 1;
            }
        }
        Self {
            table,
            listed: kept,
            count: listed.len(),
            digits,
        }
    }

    pub fn contains(&self, byte: u8) -> bool {
        self.table[usize::from(byte)]
    }

    /// Where the first byte of the set is at or after `from`.
    pub fn next(&self, bytes: &[u8], mut from: usize) -> Option<usize> {
        let found = |chunk: &[u8]| chunk.iter().position(|&b| self.contains(b));
        loop {
            let Some(chunk) = bytes.get(from..from + 8) else {
                return found(bytes.get(from..)?).map(|i| from + i);
            };
            if self.may_hold(chunk)
                && let Some(i) = found(chunk)
            {
                return Some(from + i);
            }
            from += 8;
        }
    }

    /// False only when none of eight bytes is in the set, by word-at-a-time arithmetic.
    fn may_hold(&self, chunk: &[u8]) -> bool {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGHS: u64 = 0x8080_8080_8080_8080;
        let word = chunk.try_into().map(u64::from_le_bytes).unwrap_or(u64::MAX);
        // A byte below `n` (at most 128) sets its high bit in `v - n` without having had it
        // set; a borrow reaches only bytes above one that is below `n`, so none is invented.
        let below = |v: u64, n: u8| v.wrapping_sub(ONES * u64::from(n)) & !v & HIGHS;
        let mut found = 0;
        for &b in &self.listed[..self.count] {
            found |= below(word ^ (ONES * u64::from(b)), 1);
        }
        if self.digits {
            // XOR with `0` maps exactly the digits below 10.
            found |= below(word ^ (ONES * u64::from(b'0')), 10);
        }
        found != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_a_byte_by_byte_scan_finds() {
        let sets = [
            ByteSet::new(b".!?\xE2", false),
            ByteSet::new(b",;:", false),
            ByteSet::new(b"+(", true),
            ByteSet::new(b"+($\xE2\xC2", true),
        ];
        let alphabet = "ab 09+(-$€£é…,;:.!?x/".as_bytes();
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..2_000 {
            let bytes: Vec<u8> = (0..rng.usize(0..40))
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect();
            for set in &sets {
                for from in 0..=bytes.len() + 1 {
                    let expected = bytes
                        .get(from..)
                        .and_then(|rest| rest.iter().position(|&b| set.contains(b)))
                        .map(|i| from + i);
                    assert_eq!(set.next(&bytes, from), expected, "{bytes:?} from {from}");
                }
            }
        }
    }

    #[test]
    fn every_byte_value_is_told_apart() {
        let set = ByteSet::new(b"+(\x00\xFF", true);
        for b in 0..=255u8 {
            let expected = matches!(b, b'+' | b'(' | 0 | 0xFF | b'0'..=b'9');
            // Alone among ordinary bytes, at each place of a chunk.
            for at in 0..8 {
                let mut chunk = *b"abcdefgh";
                chunk[at] = b;
                let found = set.next(&chunk, 0);
                assert_eq!(found, expected.then_some(at), "byte {b:#04x} at {at}");
            }
        }
    }
}
