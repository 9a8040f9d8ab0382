//! `projectx plan`: the guard's decisions for every contact, and when each would be dialled at
//! the campaign's pace, without dialing anyone or changing the store.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::contacts::{self, Problems};
use super::guard::Decision;
use super::run::Run;
use super::spec::ContactSource;
use super::{CampaignError, Inner};
use crate::store::{ContactStatus, NewContact};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanLine {
    /// The CSV line (or list position) of the contact.
    pub line: Option<u64>,
    pub to: String,
    pub name: Option<String>,
    /// `dial`, `later`, `skip`, or `done` for contacts a run has finished.
    pub action: &'static str,
    pub at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlanReport {
    pub campaign: String,
    pub cps: f64,
    pub lines: Vec<PlanLine>,
    /// Rows that are not contacts at all (bad numbers, unknown timezones, malformed rows).
    pub rejected: Problems,
}

impl PlanReport {
    pub fn count(&self, action: &str) -> usize {
        self.lines.iter().filter(|l| l.action == action).count()
    }
}

pub async fn plan(
    inner: &Inner,
    name: &str,
    now: DateTime<Utc>,
) -> Result<PlanReport, CampaignError> {
    let record = inner
        .store
        .campaign(name)
        .await?
        .ok_or_else(|| CampaignError::Unknown(name.to_owned()))?;
    let run = Run::new(name, record.spec.clone(), &inner.settings);
    let cps = run.cps();
    let mut report = PlanReport {
        campaign: name.to_owned(),
        cps,
        ..PlanReport::default()
    };
    let candidates: Vec<(NewContact, Option<ContactStatus>, DateTime<Utc>)> = if record.imported {
        inner
            .store
            .contacts(name)
            .await?
            .into_iter()
            .map(|c| {
                let status = Some(c.status);
                let next = c.next_at;
                let contact = NewContact {
                    to: c.to,
                    name: c.name,
                    timezone: c.timezone,
                    vars: c.vars,
                    line: c.line,
                };
                (contact, status, next)
            })
            .collect()
    } else {
        let (rows, problems) = read_source(&record.spec.contacts, &inner.settings.region).await?;
        report.rejected = problems;
        rows.into_iter().map(|c| (c, None, now)).collect()
    };
    let mut seen = std::collections::HashSet::new();
    let mut next_slot = now;
    let spacing = chrono::Duration::nanoseconds((1e9 / cps) as i64);
    for (contact, status, due) in candidates {
        let mut line = PlanLine {
            line: contact.line,
            to: contact.to.clone(),
            name: contact.name.clone(),
            action: "dial",
            at: None,
            reason: None,
        };
        if !seen.insert(contact.to.clone()) {
            line.action = "skip";
            line.reason = Some("duplicate contact".to_owned());
            report.lines.push(line);
            continue;
        }
        if matches!(status, Some(ContactStatus::Done | ContactStatus::Skipped)) {
            line.action = "done";
            line.reason = status.map(|s| s.to_string());
            report.lines.push(line);
            continue;
        }
        let at = due.max(now);
        match inner
            .guard
            .check(&contact.to, contact.timezone.as_deref(), run.hours, at)
            .await?
        {
            Decision::Dial => {
                let slot = next_slot.max(at);
                next_slot = slot + spacing;
                line.at = Some(slot);
            }
            Decision::Defer { until, reason } => {
                line.action = "later";
                line.at = Some(until);
                line.reason = Some(reason);
            }
            Decision::Skip { reason, detail } => {
                line.action = "skip";
                line.reason = Some(format!("{}: {detail}", reason.as_str()));
            }
        }
        report.lines.push(line);
    }
    Ok(report)
}

async fn read_source(
    source: &Option<ContactSource>,
    region: &str,
) -> Result<(Vec<NewContact>, Problems), CampaignError> {
    match source {
        None => Ok((Vec::new(), Problems::default())),
        Some(ContactSource::List(rows)) => Ok(contacts::from_rows(rows, region)),
        Some(ContactSource::File(path)) => {
            let mut stream = contacts::CsvStream::start(path, region);
            let mut rows = Vec::new();
            while let Some(batch) = stream.batches.recv().await {
                rows.extend(batch);
            }
            let problems = stream.finish().await?;
            Ok((rows, problems))
        }
    }
}
