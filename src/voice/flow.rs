//! Natural flow: text split into sentences and clauses with fitting pauses, and numbers, phone
//! numbers, dates, times and amounts marked so the engine reads them as meant.

use std::sync::LazyLock;

use regex::Regex;

use super::ssml::Ssml;

/// Words after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "no", "prof", "capt",
];

/// Splits text into sentences at `.`, `!`, `?` or `…` followed by a space, except after a
/// known abbreviation or a single initial.
pub(crate) fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(at, c)) in chars.iter().enumerate() {
        if !matches!(c, '.' | '!' | '?' | '…') {
            continue;
        }
        let next = chars.get(i + 1).map(|&(_, n)| n);
        if !matches!(next, None | Some(' ' | '\n' | '\t' | '"' | '\'' | ')')) {
            continue;
        }
        if c == '.' {
            let word = text[start..at]
                .rsplit(|ch: char| ch.is_whitespace())
                .next()
                .unwrap_or_default()
                .to_lowercase();
            if ABBREVIATIONS.contains(&word.as_str())
                || (word.chars().count() == 1 && word.chars().all(char::is_alphabetic))
            {
                continue;
            }
        }
        let end = at + c.len_utf8();
        let end = match next {
            Some(q @ ('"' | '\'' | ')')) => end + q.len_utf8(),
            _ => end,
        };
        push_trimmed(&mut out, &text[start..end]);
        start = end;
    }
    push_trimmed(&mut out, &text[start..]);
    out
}

/// Splits a sentence after `,`, `;` and `:` that are followed by a space (not inside numbers
/// like 12,500 or times like 10:30).
pub(crate) fn clauses(sentence: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = sentence.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if matches!(c, ',' | ';' | ':') && matches!(chars.peek(), Some((_, ' '))) {
            push_trimmed(&mut out, &sentence[start..=at]);
            start = at + 1;
        }
    }
    push_trimmed(&mut out, &sentence[start..]);
    out
}

fn push_trimmed(out: &mut Vec<String>, piece: &str) {
    let trimmed = piece.trim();
    if !trimmed.is_empty() {
        out.push(trimmed.to_owned());
    }
}

/// A kind of token worth an explicit interpretation.
struct Pattern {
    regex: Regex,
    interpret_as: &'static str,
    format: Option<&'static str>,
    /// Only engines that understand this interpretation get it (Polly has no `currency`).
    google_only: bool,
}

#[allow(clippy::unwrap_used)] // constant patterns, checked by the tests below
static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    let p = |re: &str, interpret_as, format, google_only| Pattern {
        regex: Regex::new(re).unwrap(),
        interpret_as,
        format,
        google_only,
    };
    vec![
        p(
            r"\+\d{8,15}\b|\(\d{3}\)\s?\d{3}-\d{4}\b|\b\d{3}-\d{3}-\d{4}\b",
            "telephone",
            None,
            false,
        ),
        p(r"\b\d{4}-\d{2}-\d{2}\b", "date", Some("ymd"), false),
        p(r"\b\d{1,2}/\d{1,2}/\d{4}\b", "date", Some("mdy"), false),
        p(
            r"\b(?:1[0-2]|0?[1-9]):[0-5]\d\s?(?:[AaPp]\.?[Mm]\.?)",
            "time",
            Some("hms12"),
            false,
        ),
        p(
            r"\b(?:[01]?\d|2[0-3]):[0-5]\d\b",
            "time",
            Some("hms24"),
            false,
        ),
        p(
            r"[$€£]\d{1,3}(?:,\d{3})*(?:\.\d{2})?\b|[$€£]\d+(?:\.\d{2})?\b",
            "currency",
            None,
            true,
        ),
        p(r"\b\d+(?:st|nd|rd|th)\b", "ordinal", None, false),
        p(r"\b\d{1,3}(?:,\d{3})+\b", "cardinal", None, false),
    ]
});

/// Marks phone numbers, dates, times, amounts and numbers in `clause`.
pub(crate) fn interpret(clause: &str, google: bool) -> Vec<Ssml> {
    // Every pattern needs a digit: most clauses have none and skip the regexes.
    if !clause.bytes().any(|b| b.is_ascii_digit()) {
        return vec![Ssml::Text(clause.to_owned())];
    }
    let mut matches: Vec<(usize, usize, &Pattern)> = Vec::new();
    for pattern in PATTERNS.iter().filter(|p| google || !p.google_only) {
        for m in pattern.regex.find_iter(clause) {
            let overlaps = matches
                .iter()
                .any(|(s, e, _)| m.start() < *e && *s < m.end());
            if !overlaps {
                matches.push((m.start(), m.end(), pattern));
            }
        }
    }
    matches.sort_by_key(|(start, _, _)| *start);
    let mut out = Vec::new();
    let mut at = 0;
    for (start, end, pattern) in matches {
        if start > at {
            out.push(Ssml::Text(clause[at..start].to_owned()));
        }
        let mut text = clause[start..end].to_owned();
        if pattern.interpret_as == "ordinal" {
            text.retain(|c| c.is_ascii_digit());
        }
        out.push(Ssml::SayAs {
            interpret_as: pattern.interpret_as,
            format: pattern.format,
            text,
        });
        at = end;
    }
    if at < clause.len() {
        out.push(Ssml::Text(clause[at..].to_owned()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_sentences_but_not_abbreviations_or_decimals() {
        assert_eq!(
            sentences("Hello Dr. Quantum. The rate is 3.5 percent! Ready? Go"),
            vec![
                "Hello Dr. Quantum.",
                "The rate is 3.5 percent!",
                "Ready?",
                "Go"
            ]
        );
        assert_eq!(
            sentences("He said \"stop.\" Then left."),
            vec!["He said \"stop.\"", "Then left."]
        );
        assert!(sentences("   ").is_empty());
    }

    #[test]
    fn splits_clauses_at_punctuation_followed_by_space() {
        assert_eq!(
            clauses("First, we pay 12,500 dollars; then at 10:30, we leave."),
            vec![
                "First,",
                "we pay 12,500 dollars;",
                "then at 10:30,",
                "we leave."
            ]
        );
    }

    #[test]
    fn interprets_phone_numbers_dates_times_amounts_and_numbers() {
        let found: Vec<(&str, String)> = interpret(
            "Call +14155550100 on 2026-12-01 at 3:30 PM or 14:45, pay $12.50, you are 3rd of 12,500",
            true,
        )
        .into_iter()
        .filter_map(|s| match s {
            Ssml::SayAs { interpret_as, text, .. } => Some((interpret_as, text)),
            _ => None,
        })
        .collect();
        assert_eq!(
            found,
            vec![
                ("telephone", "+14155550100".to_owned()),
                ("date", "2026-12-01".to_owned()),
                ("time", "3:30 PM".to_owned()),
                ("time", "14:45".to_owned()),
                ("currency", "$12.50".to_owned()),
                ("ordinal", "3".to_owned()),
                ("cardinal", "12,500".to_owned()),
            ]
        );
    }

    #[test]
    fn polly_does_not_get_currency() {
        let pieces = interpret("pay $12.50 now", false);
        assert_eq!(pieces, vec![Ssml::Text("pay $12.50 now".to_owned())]);
    }

    #[test]
    fn plain_text_has_no_interpretation() {
        assert_eq!(
            interpret("hello there", true),
            vec![Ssml::Text("hello there".to_owned())]
        );
    }
}
