//! Natural flow: text split into sentences and clauses with fitting pauses, and numbers, phone
//! numbers, dates, times and amounts marked so the engine reads them as meant.

use std::sync::LazyLock;

use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::{Anchored, Input};

use super::scan::ByteSet;
use super::ssml::Interpretation;
use crate::twiml::StartTag;

/// Words after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "no", "prof", "capt",
];

/// Splits clean text (words separated by single spaces, as sanitising leaves it) into sentences
/// at `.`, `!`, `?` or `…` followed by a space, except after a known abbreviation or a single
/// initial. Each sentence is trimmed; empty ones are skipped.
pub(crate) fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut stops = Stops::new(text);
    std::iter::from_fn(move || {
        while let Some((at, stop)) = stops.next() {
            let mut end = at + stop.len_utf8();
            match text.as_bytes().get(end) {
                None | Some(b' ') => {}
                // A closing quote or bracket stays with its sentence.
                Some(b'"' | b'\'' | b')') => end += 1,
                Some(_) => continue,
            }
            if stop == '.' && is_abbreviation(&text[start..at]) {
                continue;
            }
            let sentence = trim_spaces(&text[start..end]);
            start = end;
            if !sentence.is_empty() {
                return Some(sentence);
            }
        }
        let rest = trim_spaces(&text[start..]);
        start = text.len();
        (!rest.is_empty()).then_some(rest)
    })
}

/// The sentence-ending marks of a text in order, found with `memchr`: splitting runs for
/// every utterance.
struct Stops<'t> {
    text: &'t str,
    from: usize,
    /// Where the next `…` is, once looked for.
    ellipsis: Option<Option<usize>>,
}

impl<'t> Stops<'t> {
    fn new(text: &'t str) -> Self {
        // ASCII text has no `…` to look for.
        let ellipsis = text.is_ascii().then_some(None);
        Self {
            text,
            from: 0,
            ellipsis,
        }
    }

    fn next(&mut self) -> Option<(usize, char)> {
        let bytes = &self.text.as_bytes()[self.from..];
        let mark = memchr::memchr3(b'.', b'!', b'?', bytes).map(|i| self.from + i);
        let from = self.from;
        let ellipsis = *self
            .ellipsis
            .get_or_insert_with(|| memchr::memmem::find(bytes, "…".as_bytes()).map(|i| from + i));
        let found = match (mark, ellipsis) {
            (Some(m), Some(e)) if e < m => (e, '…'),
            (None, Some(e)) => (e, '…'),
            (Some(m), _) => (m, char::from(self.text.as_bytes()[m])),
            (None, None) => return None,
        };
        self.from = found.0 + found.1.len_utf8();
        if found.1 == '…' {
            self.ellipsis = None;
        }
        Some(found)
    }
}

/// Whether the last word before a full stop is an abbreviation or a single initial.
fn is_abbreviation(before_stop: &str) -> bool {
    let word = match before_stop.as_bytes().iter().rposition(|&b| b == b' ') {
        Some(space) => &before_stop[space + 1..],
        None => before_stop,
    };
    // The abbreviations are ASCII, and no other character lowercases into one of their letters.
    ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(word)) || {
        let mut chars = word.chars();
        matches!((chars.next(), chars.next()), (Some(c), None) if c.is_alphabetic())
    }
}

/// `text` without the spaces at either end.
fn trim_spaces(text: &str) -> &str {
    let bytes = text.as_bytes();
    let start = bytes.iter().position(|&b| b != b' ').unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| b != b' ')
        .map_or(start, |i| i + 1);
    &text[start..end]
}

/// Splits a sentence of clean text after `,`, `;` and `:` that are followed by a space (not
/// inside numbers like 12,500 or times like 10:30). Each clause is trimmed; empty ones are
/// skipped.
pub(crate) fn clauses(sentence: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let bytes = sentence.as_bytes();
    let mut marks = memchr::memchr3_iter(b',', b';', b':', bytes);
    std::iter::from_fn(move || {
        while start < bytes.len() {
            let end = marks
                .find(|&i| bytes.get(i + 1) == Some(&b' '))
                .map_or(bytes.len(), |i| i + 1);
            let clause = trim_spaces(&sentence[start..end]);
            start = end;
            if !clause.is_empty() {
                return Some(clause);
            }
        }
        None
    })
}

/// A piece of a clause: text as written, or a token with its interpretation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Piece<'a> {
    Text(&'a str),
    SayAs(Interpretation, &'a str),
}

/// The kinds of token worth an explicit interpretation, each a pattern, by priority: where two
/// would match at the same place, the first wins. Word boundaries, digits and whitespace are
/// ASCII: a digit in another script is read as written, and sanitised text has no whitespace
/// but single spaces.
const PATTERNS: &[(&str, &str, Option<&str>)] = &[
    (
        r"\+[0-9]{8,15}(?-u:\b)|\([0-9]{3}\)(?-u:\s)?[0-9]{3}-[0-9]{4}(?-u:\b)|(?-u:\b)[0-9]{3}-[0-9]{3}-[0-9]{4}(?-u:\b)",
        "telephone",
        None,
    ),
    (
        r"(?-u:\b)[0-9]{4}-[0-9]{2}-[0-9]{2}(?-u:\b)",
        "date",
        Some("ymd"),
    ),
    (
        r"(?-u:\b)[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}(?-u:\b)",
        "date",
        Some("mdy"),
    ),
    (
        r"(?-u:\b)(?:1[0-2]|0?[1-9]):[0-5][0-9](?-u:\s)?(?:[AaPp]\.?[Mm]\.?)",
        "time",
        Some("hms12"),
    ),
    (
        r"(?-u:\b)(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?-u:\b)",
        "time",
        Some("hms24"),
    ),
    // Only Google reads currency; for Polly an amount is left to the patterns after it.
    (
        r"[$€£][0-9]{1,3}(?:,[0-9]{3})*(?:\.[0-9]{2})?(?-u:\b)|[$€£][0-9]+(?:\.[0-9]{2})?(?-u:\b)",
        "currency",
        None,
    ),
    (r"(?-u:\b)[0-9]+(?:st|nd|rd|th)(?-u:\b)", "ordinal", None),
    (
        r"(?-u:\b)[0-9]{1,3}(?:,[0-9]{3})+(?-u:\b)",
        "cardinal",
        None,
    ),
];

/// All the patterns in one search, which reports the pattern that matched: a DFA compiled in
/// full when first used, for anchored searches only. A search is a walk through its table,
/// with no cache to fetch and no strategy to choose, and it runs a few times per utterance.
struct Interpreter {
    dfa: dense::DFA<Vec<u32>>,
    interpretations: Vec<Interpretation>,
    /// The bytes a chosen pattern can start with.
    starts: &'static ByteSet,
}

impl Interpreter {
    fn new(keep: impl Fn(&str) -> bool, starts: &'static ByteSet) -> Self {
        let chosen: Vec<_> = PATTERNS
            .iter()
            .zip(SAY_AS.iter())
            .filter(|((_, kind, _), _)| keep(kind))
            .collect();
        #[allow(clippy::expect_used)] // constant patterns, checked by the tests below
        let dfa = dense::Builder::new()
            .configure(dense::Config::new().start_kind(StartKind::Anchored))
            .build_many(&chosen.iter().map(|((re, _, _), _)| *re).collect::<Vec<_>>())
            .expect("the interpretation patterns compile");
        Self {
            dfa,
            interpretations: chosen
                .iter()
                .map(|&(&(_, interpret_as, format), tag)| Interpretation {
                    interpret_as,
                    format,
                    tag,
                })
                .collect(),
            starts,
        }
    }
}

/// The `<say-as>` start tag of each pattern, written once.
static SAY_AS: LazyLock<Vec<StartTag>> = LazyLock::new(|| {
    PATTERNS
        .iter()
        .map(|&(_, interpret_as, format)| match format {
            Some(format) => StartTag::new(
                "say-as",
                &[("format", format), ("interpret-as", interpret_as)],
            ),
            None => StartTag::new("say-as", &[("interpret-as", interpret_as)]),
        })
        .collect()
});

/// Where a token can start: `+ (` and digits, and for currency `$` and the lead bytes of `€`
/// (E2 82 AC) and `£` (C2 A3).
static TOKEN_STARTS: ByteSet = ByteSet::new(b"+(", true);
static TOKEN_STARTS_WITH_CURRENCY: ByteSet = ByteSet::new(b"+($\xE2\xC2", true);

static FOR_GOOGLE: LazyLock<Interpreter> =
    LazyLock::new(|| Interpreter::new(|_| true, &TOKEN_STARTS_WITH_CURRENCY));
static FOR_OTHERS: LazyLock<Interpreter> =
    LazyLock::new(|| Interpreter::new(|kind| kind != "currency", &TOKEN_STARTS));

/// Marks phone numbers, dates, times, amounts and numbers in `clause`, from left to right.
pub(crate) fn interpret<'a>(clause: &'a str, google: bool, mut emit: impl FnMut(Piece<'a>)) {
    let interpreter: &Interpreter = if google { &FOR_GOOGLE } else { &FOR_OTHERS };
    let bytes = clause.as_bytes();
    let mut said = 0;
    let mut at = 0;
    while let Some(start) = token_start(bytes, at, interpreter.starts) {
        // Anchored where a token may start: one forward search, no search for the start. The
        // patterns have no look-around that makes the DFA give up, so an error cannot occur;
        // it would only leave the token unmarked.
        let input = Input::new(clause).range(start..).anchored(Anchored::Yes);
        let Ok(Some(m)) = interpreter.dfa.try_search_fwd(&input) else {
            at = start + 1;
            continue;
        };
        if start > said {
            emit(Piece::Text(&clause[said..start]));
        }
        let interpretation = interpreter.interpretations[m.pattern().as_usize()];
        let token = said_as(interpretation, &clause[start..m.offset()]);
        emit(Piece::SayAs(interpretation, token));
        said = m.offset();
        at = m.offset();
    }
    if said < clause.len() {
        emit(Piece::Text(&clause[said..]));
    }
}

/// The part of a matched token that is read with its interpretation: an ordinal's digits
/// without the suffix (`3rd` → `3`).
fn said_as(interpretation: Interpretation, token: &str) -> &str {
    if interpretation.interpret_as == "ordinal" {
        token.trim_end_matches(|c: char| !c.is_ascii_digit())
    } else {
        token
    }
}

/// The first place at or after `from` where a pattern can match: a `+`, `(` or (for patterns
/// that read currency) a currency sign, or a digit that starts a word. Every pattern starts
/// with one of these, so searching only there finds what searching everywhere would, and most
/// text has none.
fn token_start(bytes: &[u8], from: usize, starts: &ByteSet) -> Option<usize> {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut at = from;
    loop {
        at = starts.next(bytes, at)?;
        match bytes[at] {
            // The lead bytes of `€` (E2 82 AC) and `£` (C2 A3).
            0xE2 if !bytes[at..].starts_with("€".as_bytes()) => at += 1,
            0xC2 if !bytes[at..].starts_with("£".as_bytes()) => at += 1,
            b if b.is_ascii_digit() => {
                let run = bytes[at..]
                    .iter()
                    .position(|b| !b.is_ascii_digit())
                    .unwrap_or(bytes.len() - at);
                if (at == 0 || !is_word(bytes[at - 1])) && may_continue(bytes.get(at + run)) {
                    return Some(at);
                }
                // No digit inside the run starts a word either.
                at += run;
            }
            _ => return Some(at),
        }
    }
}

/// Whether a run of digits followed by `next` can begin a token: every pattern that starts
/// with digits goes on with a separator (`-` `/` `:` `,`) or an ordinal suffix right after its
/// first run of them. Most numbers in text (`press 1`, `suite 4`) are skipped without a search.
fn may_continue(next: Option<&u8>) -> bool {
    matches!(
        next,
        Some(b'-' | b'/' | b':' | b',' | b's' | b'n' | b'r' | b't')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(clause: &str, google: bool) -> Vec<Piece<'_>> {
        let mut out = Vec::new();
        interpret(clause, google, |p| out.push(p));
        out
    }

    /// The interpretations marked in `clause` and the text each reads.
    fn marked(clause: &str, google: bool) -> Vec<(&'static str, &str)> {
        pieces(clause, google)
            .into_iter()
            .filter_map(|p| match p {
                Piece::SayAs(i, text) => Some((i.interpret_as, text)),
                Piece::Text(_) => None,
            })
            .collect()
    }

    #[test]
    fn splits_sentences_but_not_abbreviations_or_decimals() {
        assert_eq!(
            sentences("Hello Dr. Quantum. The rate is 3.5 percent! Ready? Go").collect::<Vec<_>>(),
            vec![
                "Hello Dr. Quantum.",
                "The rate is 3.5 percent!",
                "Ready?",
                "Go"
            ]
        );
        assert_eq!(
            sentences("He said \"stop.\" Then left.").collect::<Vec<_>>(),
            vec!["He said \"stop.\"", "Then left."]
        );
        assert_eq!(
            sentences("Wait… J. Nova, e.g. here. Done").collect::<Vec<_>>(),
            vec!["Wait…", "J. Nova, e.g. here.", "Done"]
        );
        assert_eq!(sentences("   ").count(), 0);
        assert_eq!(sentences("Stop. ").collect::<Vec<_>>(), vec!["Stop."]);
    }

    #[test]
    fn splits_clauses_at_punctuation_followed_by_space() {
        assert_eq!(
            clauses("First, we pay 12,500 dollars; then at 10:30, we leave.").collect::<Vec<_>>(),
            vec![
                "First,",
                "we pay 12,500 dollars;",
                "then at 10:30,",
                "we leave."
            ]
        );
        assert_eq!(clauses("Yes: ").collect::<Vec<_>>(), vec!["Yes:"]);
    }

    #[test]
    fn interprets_phone_numbers_dates_times_amounts_and_numbers() {
        let found = marked(
            "Call +14155550100 on 2026-12-01 at 3:30 PM or 14:45, pay $12.50, you are 3rd of 12,500",
            true,
        );
        assert_eq!(
            found,
            vec![
                ("telephone", "+14155550100"),
                ("date", "2026-12-01"),
                ("time", "3:30 PM"),
                ("time", "14:45"),
                ("currency", "$12.50"),
                ("ordinal", "3"),
                ("cardinal", "12,500"),
            ]
        );
    }

    #[test]
    fn the_text_between_interpretations_is_kept_in_order() {
        let found = pieces("on 03/14/2025 at noon", false);
        let [
            Piece::Text("on "),
            Piece::SayAs(date, "03/14/2025"),
            Piece::Text(" at noon"),
        ] = found.as_slice()
        else {
            panic!("{found:?}");
        };
        assert_eq!((date.interpret_as, date.format), ("date", Some("mdy")));
        assert_eq!(
            *date.tag,
            StartTag::new("say-as", &[("interpret-as", "date"), ("format", "mdy")])
        );
    }

    /// The patterns for unanchored searches of whole clauses, leftmost first.
    fn reference_search(google: bool) -> regex_automata::meta::Regex {
        let patterns: Vec<&str> = PATTERNS
            .iter()
            .filter(|(_, kind, _)| google || *kind != "currency")
            .map(|(re, _, _)| *re)
            .collect();
        regex_automata::meta::Regex::new_many(&patterns).expect("the patterns compile")
    }

    /// What searching the whole clause, with no prefilter, marks.
    fn searched_everywhere<'c>(
        clause: &'c str,
        google: bool,
        regex: &regex_automata::meta::Regex,
    ) -> Vec<(&'static str, &'c str)> {
        let interpreter: &Interpreter = if google { &FOR_GOOGLE } else { &FOR_OTHERS };
        regex
            .find_iter(clause)
            .map(|m| {
                let i = interpreter.interpretations[m.pattern().as_usize()];
                (i.interpret_as, said_as(i, &clause[m.range()]))
            })
            .collect()
    }

    #[test]
    fn searching_only_where_tokens_can_start_finds_what_searching_everywhere_finds() {
        const PARTS: &[&str] = &[
            "1", "12", "123", "1234", "12345678", "-", "/", ":", ",", ".", " ", "st", "nd", "th",
            "rd", "+", "(", ")", "$", "€", "£", "a", "AM", "p.m.", "x1", "_", "é", "2025-",
            "07-15", "03/", "14/2025", "555-0199", "(800) ", "8:30", "1,250",
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        let mut kinds_seen = std::collections::BTreeSet::new();
        let references = [reference_search(false), reference_search(true)];
        for _ in 0..20_000 {
            let clause: String = (0..rng.usize(1..9))
                .map(|_| PARTS[rng.usize(..PARTS.len())])
                .collect();
            for (google, reference) in [false, true].into_iter().zip(&references) {
                let found = marked(&clause, google);
                assert_eq!(
                    found,
                    searched_everywhere(&clause, google, reference),
                    "{clause:?}"
                );
                kinds_seen.extend(found.iter().map(|(kind, _)| *kind));
                let joined: String = pieces(&clause, google)
                    .into_iter()
                    .map(|p| match p {
                        Piece::Text(t) => t,
                        Piece::SayAs(_, t) => t,
                    })
                    .collect();
                if !found.iter().any(|(kind, _)| *kind == "ordinal") {
                    assert_eq!(joined, clause, "pieces cover the clause");
                }
            }
        }
        // The clauses exercised every kind of token, telephone numbers and dates included.
        let every: std::collections::BTreeSet<&str> =
            PATTERNS.iter().map(|(_, kind, _)| *kind).collect();
        assert_eq!(kinds_seen, every);
    }

    #[test]
    fn polly_does_not_get_currency() {
        assert_eq!(
            pieces("pay $12.50 now", false),
            vec![Piece::Text("pay $12.50 now")]
        );
        // The amount's digits still get the interpretations Polly reads.
        let cardinal = pieces("pay $1,250 now", false);
        assert!(
            cardinal
                .iter()
                .any(|p| matches!(p, Piece::SayAs(i, "1,250") if i.interpret_as == "cardinal")),
            "{cardinal:?}"
        );
    }

    #[test]
    fn plain_text_has_no_interpretation() {
        assert_eq!(
            pieces("hello there", true),
            vec![Piece::Text("hello there")]
        );
        // Digits of other scripts are read as written.
        assert_eq!(
            pieces("on ٢٠٢٥-07-15", true),
            vec![Piece::Text("on ٢٠٢٥-07-15")]
        );
    }
}
