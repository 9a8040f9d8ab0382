//! Contacts in: a CSV file read a batch at a time (never whole), or a list from a script, and
//! the do-not-call file. A bad row is reported with its line number and the rest goes on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use tokio::sync::mpsc;

use super::spec::ContactRow;
use crate::phone::PhoneNumber;
use crate::store::NewContact;

/// Rows per batch written to the store.
pub const BATCH: usize = 1000;
/// Problems kept for the report (all are counted).
const KEEP_PROBLEMS: usize = 200;

/// A row that was not imported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowProblem {
    pub line: u64,
    pub message: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Problems found while reading, the first few kept word for word.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Problems {
    pub count: u64,
    pub first: Vec<RowProblem>,
}

impl Problems {
    pub fn push(&mut self, line: u64, message: impl Into<String>) {
        self.count += 1;
        if self.first.len() < KEEP_PROBLEMS {
            self.first.push(RowProblem {
                line,
                message: message.into(),
            });
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ContactsError {
    #[error("{path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: the header has no `to` column (it has: {found})")]
    NoToColumn { path: PathBuf, found: String },
    #[error("{path}: {message}")]
    Header { path: PathBuf, message: String },
    #[error("reading the contacts stopped: {0}")]
    Reader(String),
}

/// A CSV file being read on a blocking thread: take the batches, then [`CsvStream::finish`].
#[derive(Debug)]
pub struct CsvStream {
    pub batches: mpsc::Receiver<Vec<NewContact>>,
    reader: tokio::task::JoinHandle<Result<Problems, ContactsError>>,
}

impl CsvStream {
    pub fn start(path: &Path, region: &str) -> Self {
        let (tx, batches) = mpsc::channel(4);
        let (path, region) = (path.to_owned(), region.to_owned());
        let reader = tokio::task::spawn_blocking(move || read_csv(&path, &region, tx));
        Self { batches, reader }
    }

    /// The rows that were not contacts, once every batch has been taken.
    pub async fn finish(self) -> Result<Problems, ContactsError> {
        drop(self.batches);
        self.reader
            .await
            .map_err(|e| ContactsError::Reader(e.to_string()))?
    }
}

/// Checks one contact; the message names what is wrong.
pub fn contact(
    to: &str,
    name: Option<&str>,
    timezone: Option<&str>,
    vars: BTreeMap<String, String>,
    line: u64,
    region: &str,
) -> Result<NewContact, String> {
    let number = PhoneNumber::parse_in(to.trim(), region)
        .map_err(|e| format!("invalid number {to:?}: {e}"))?;
    let timezone = timezone.map(str::trim).filter(|t| !t.is_empty());
    if let Some(tz) = timezone
        && tz.parse::<chrono_tz::Tz>().is_err()
    {
        return Err(format!(
            "unknown timezone {tz:?} (use an IANA name like America/Chicago)"
        ));
    }
    Ok(NewContact {
        to: number.as_e164().to_owned(),
        name: name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
        timezone: timezone.map(str::to_owned),
        vars,
        line: Some(line),
    })
}

/// Reads `path` on a blocking thread and sends batches of good rows; bad rows go into the
/// returned problems. Stops early when the receiver is gone.
pub fn read_csv(
    path: &Path,
    region: &str,
    batches: mpsc::Sender<Vec<NewContact>>,
) -> Result<Problems, ContactsError> {
    let file = std::fs::File::open(path).map_err(|source| ContactsError::Open {
        path: path.to_owned(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(std::io::BufReader::new(file));
    let headers = reader
        .headers()
        .map_err(|e| ContactsError::Header {
            path: path.to_owned(),
            message: e.to_string(),
        })?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let to = column("to").ok_or_else(|| ContactsError::NoToColumn {
        path: path.to_owned(),
        found: headers.iter().collect::<Vec<_>>().join(", "),
    })?;
    let (name, timezone) = (column("name"), column("timezone"));
    let mut problems = Problems::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                problems.push(line, describe(&e));
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let vars = headers
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != name && Some(*i) != timezone && *i != to)
            .filter_map(|(i, h)| Some((h.to_owned(), record.get(i)?.to_owned())))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let field = |i: Option<usize>| i.and_then(|i| record.get(i));
        match contact(
            record.get(to).unwrap_or_default(),
            field(name),
            field(timezone),
            vars,
            line,
            region,
        ) {
            Ok(contact) => batch.push(contact),
            Err(message) => problems.push(line, message),
        }
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if batches.blocking_send(full).is_err() {
                return Ok(problems);
            }
        }
    }
    if !batch.is_empty() {
        let _ = batches.blocking_send(batch);
    }
    Ok(problems)
}

fn describe(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
        _ => error.to_string(),
    }
}

/// Contacts given by a script; `line` is the position in the list, from 1.
pub fn from_rows(rows: &[ContactRow], region: &str) -> (Vec<NewContact>, Problems) {
    let mut problems = Problems::default();
    let mut contacts = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let line = index as u64 + 1;
        let vars = row
            .vars
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect();
        match contact(
            &row.to,
            row.name.as_deref(),
            row.timezone.as_deref(),
            vars,
            line,
            region,
        ) {
            Ok(c) => contacts.push(c),
            Err(message) => problems.push(line, message),
        }
    }
    (contacts, problems)
}

/// The do-not-call file: one number per line in any common format; `#` starts a comment.
pub fn read_dnc(path: &Path, region: &str) -> Result<(Vec<String>, Problems), ContactsError> {
    let text = std::fs::read_to_string(path).map_err(|source| ContactsError::Open {
        path: path.to_owned(),
        source,
    })?;
    let mut numbers = Vec::new();
    let mut problems = Problems::default();
    for (index, line) in text.lines().enumerate() {
        let entry = line.split('#').next().unwrap_or_default().trim();
        if entry.is_empty() {
            continue;
        }
        match PhoneNumber::parse_in(entry, region) {
            Ok(number) => numbers.push(number.as_e164().to_owned()),
            Err(e) => problems.push(index as u64 + 1, format!("invalid number {entry:?}: {e}")),
        }
    }
    Ok((numbers, problems))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn csv_file(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    fn read(text: &str) -> (Vec<NewContact>, Problems) {
        let file = csv_file(text);
        let (tx, mut rx) = mpsc::channel(16);
        let problems = read_csv(file.path(), "US", tx).unwrap();
        let mut contacts = Vec::new();
        while let Ok(batch) = rx.try_recv() {
            contacts.extend(batch);
        }
        (contacts, problems)
    }

    #[test]
    fn rows_become_contacts_with_variables() {
        let (contacts, problems) = read(
            "to,name,timezone,plan\n(415) 555-0100,Captain Nova,America/Los_Angeles,gold\n+12125550101,,,\n",
        );
        assert_eq!(problems.count, 0, "{problems:?}");
        assert_eq!(contacts.len(), 2);
        assert_eq!(contacts[0].to, "+14155550100");
        assert_eq!(contacts[0].name.as_deref(), Some("Captain Nova"));
        assert_eq!(
            contacts[0].vars.get("plan").map(String::as_str),
            Some("gold")
        );
        assert_eq!(contacts[0].line, Some(2));
        assert!(contacts[1].vars.is_empty());
    }

    #[test]
    fn bad_rows_are_reported_by_line_and_the_rest_goes_on() {
        let (contacts, problems) = read(
            "to,name,timezone\n+14155550100,a,\nnot-a-number,b,\n+14155550102,c,Mars/Olympus\n+14155550103,d\n+14155550104,e,\n",
        );
        assert_eq!(
            contacts.iter().map(|c| c.to.as_str()).collect::<Vec<_>>(),
            ["+14155550100", "+14155550104"]
        );
        let lines: Vec<_> = problems.first.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4, 5], "{problems:?}");
        assert!(problems.first[0].message.contains("invalid number"));
        assert!(
            problems.first[1]
                .message
                .contains("unknown timezone \"Mars/Olympus\"")
        );
        assert!(
            problems.first[2]
                .message
                .contains("2 fields where the header has 3")
        );
    }

    #[test]
    fn a_file_without_a_to_column_is_refused() {
        let file = csv_file("phone,name\n+14155550100,a\n");
        let (tx, _rx) = mpsc::channel(1);
        let error = read_csv(file.path(), "US", tx).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("no `to` column (it has: phone, name)"),
            "{error}"
        );
    }

    #[test]
    fn dnc_entries_in_any_format_become_e164() {
        let file = csv_file(
            "# do not call\n(415) 555-0100\n+1 212 555 0101  # asked twice\n1-312-555-0102\nbogus\n",
        );
        let (numbers, problems) = read_dnc(file.path(), "US").unwrap();
        assert_eq!(numbers, ["+14155550100", "+12125550101", "+13125550102"]);
        assert_eq!(problems.first[0].line, 5);
    }
}
