//! The compliance guard, asked right before every dial. It fails closed: a number it cannot
//! place in a timezone, or a store it cannot read, means no call.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::hours::CallingHours;
use super::timezone::zones_for;
use crate::phone::PhoneNumber;
use crate::script::OptOuts;
use crate::store::{Store, StoreError};

/// What the guard says about one number, now.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Dial,
    /// Not now; ask again at `until`.
    Defer {
        until: DateTime<Utc>,
        reason: String,
    },
    /// Never, for this campaign.
    Skip {
        reason: SkipReason,
        detail: String,
    },
}

/// Why a contact is never called; the report counts skips by these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    DoNotCall,
    OptedOut,
    NoTimezone,
    InvalidNumber,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::DoNotCall => "do-not-call list",
            SkipReason::OptedOut => "opted out",
            SkipReason::NoTimezone => "timezone unknown",
            SkipReason::InvalidNumber => "invalid number",
        }
    }
}

/// The rules of `compliance`, and where the lists live.
#[derive(Debug, Clone)]
pub struct Guard {
    pub hours: CallingHours,
    pub max_attempts_per_day: u32,
    pub region: String,
    pub store: Arc<dyn Store>,
    pub opt_outs: OptOuts,
}

/// The zones the guard checks a contact's hours in.
pub fn contact_zones(to: &str, timezone: Option<&str>, region: &str) -> Result<Vec<Tz>, String> {
    let number = PhoneNumber::parse_in(to, region).map_err(|e| e.to_string())?;
    zones_of(&number, timezone)
}

fn zones_of(number: &PhoneNumber, timezone: Option<&str>) -> Result<Vec<Tz>, String> {
    if let Some(name) = timezone.map(str::trim).filter(|t| !t.is_empty()) {
        return name
            .parse::<Tz>()
            .map(|tz| vec![tz])
            .map_err(|_| format!("unknown timezone {name:?}"));
    }
    let zones = zones_for(number.as_e164(), number.region());
    if zones.is_empty() {
        return Err(format!(
            "no timezone known for {}; give the contact a timezone column",
            number.as_e164()
        ));
    }
    Ok(zones)
}

impl Guard {
    /// The decision for calling `to` now, with the campaign's `hours`.
    pub async fn check(
        &self,
        to: &str,
        timezone: Option<&str>,
        hours: CallingHours,
        now: DateTime<Utc>,
    ) -> Result<Decision, StoreError> {
        let mut decisions = self.check_many(&[(to, timezone)], hours, now).await?;
        Ok(decisions.pop().unwrap_or(Decision::Skip {
            reason: SkipReason::InvalidNumber,
            detail: format!("{to} was not checked"),
        }))
    }

    /// The decisions for calling each `(to, timezone)` now, in order: the same rules as
    /// [`Guard::check`], with one look at the do-not-call list and one at the attempt counts
    /// for all of them.
    pub async fn check_many(
        &self,
        contacts: &[(&str, Option<&str>)],
        hours: CallingHours,
        now: DateTime<Utc>,
    ) -> Result<Vec<Decision>, StoreError> {
        // A contact is settled (`Some`) by the first rule that stops it.
        let mut numbers: Vec<Option<PhoneNumber>> = Vec::with_capacity(contacts.len());
        let mut decisions: Vec<Option<Decision>> = Vec::with_capacity(contacts.len());
        for (to, _) in contacts {
            match PhoneNumber::parse_in(to, &self.region) {
                Ok(number) if self.opt_outs.contains(number.as_e164()) => {
                    let detail = format!("{} asked not to be called", number.as_e164());
                    decisions.push(Some(skip(SkipReason::OptedOut, detail)));
                    numbers.push(None);
                }
                Ok(number) => {
                    decisions.push(None);
                    numbers.push(Some(number));
                }
                Err(e) => {
                    decisions.push(Some(skip(SkipReason::InvalidNumber, e.to_string())));
                    numbers.push(None);
                }
            }
        }
        let open = |numbers: &[Option<PhoneNumber>], decisions: &[Option<Decision>]| {
            numbers
                .iter()
                .zip(decisions)
                .filter(|(_, d)| d.is_none())
                .filter_map(|(n, _)| n.as_ref().map(|n| n.as_e164().to_owned()))
                .collect::<Vec<_>>()
        };
        let listed = self.store.dnc_among(&open(&numbers, &decisions)).await?;
        for ((number, decision), (_, timezone)) in numbers.iter().zip(&mut decisions).zip(contacts)
        {
            let Some(number) = number.as_ref().filter(|_| decision.is_none()) else {
                continue;
            };
            *decision = self.screen(number, *timezone, &listed, hours, now);
        }
        let day_ago = now - Duration::hours(24);
        let counts = self
            .store
            .attempts_since_each(&open(&numbers, &decisions), day_ago)
            .await?;
        Ok(numbers
            .iter()
            .zip(decisions)
            .map(|(number, decision)| {
                decision.unwrap_or_else(|| {
                    let e164 = number.as_ref().map_or("", |n| n.as_e164());
                    let attempts = counts.get(e164).copied().unwrap_or(0);
                    if attempts >= self.max_attempts_per_day {
                        Decision::Defer {
                            until: now + Duration::hours(1),
                            reason: format!(
                                "{attempts} attempts in the last 24 hours (compliance.max_attempts_per_day is {})",
                                self.max_attempts_per_day
                            ),
                        }
                    } else {
                        Decision::Dial
                    }
                })
            })
            .collect())
    }

    /// The do-not-call list, the timezone and the calling hours, in that order; `None` when
    /// they all let the call through.
    fn screen(
        &self,
        number: &PhoneNumber,
        timezone: Option<&str>,
        listed: &HashSet<String>,
        hours: CallingHours,
        now: DateTime<Utc>,
    ) -> Option<Decision> {
        let e164 = number.as_e164();
        if listed.contains(e164) {
            return Some(skip(
                SkipReason::DoNotCall,
                format!("{e164} is on the do-not-call list"),
            ));
        }
        let zones = match zones_of(number, timezone) {
            Ok(zones) => zones,
            Err(detail) => return Some(skip(SkipReason::NoTimezone, detail)),
        };
        let closed = zones.iter().find(|tz| !hours.contains(now, **tz))?;
        // Wait for the latest opening among the zones, then ask again.
        let until = zones
            .iter()
            .map(|tz| hours.next_open(now, *tz))
            .max()
            .unwrap_or(now + Duration::hours(1))
            .max(now + Duration::minutes(1));
        let local = now.with_timezone(closed).format("%H:%M");
        Some(Decision::Defer {
            until,
            reason: format!("outside calling hours {hours} ({local} in {closed})"),
        })
    }
}

fn skip(reason: SkipReason, detail: String) -> Decision {
    Decision::Skip { reason, detail }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::store::{NewAttempt, NewContact, SqliteOptions, SqliteStore};

    /// One of each decision, asked together and one by one: the batch must agree with the
    /// single check, contact for contact, in the order asked.
    #[tokio::test]
    async fn many_contacts_get_the_decisions_each_would_get_alone() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("g.db").display());
        let store = Arc::new(
            SqliteStore::open(&url, &SqliteOptions::default())
                .await
                .unwrap(),
        );
        // 15:00 UTC: 07:00 in Los Angeles, 10:00 in New York.
        let now = Utc.with_ymd_and_hms(2026, 3, 3, 15, 0, 0).unwrap();
        store
            .put_campaign("c", &crate::campaign::CampaignSpec::default())
            .await
            .unwrap();
        let called = NewContact {
            to: "+12125550177".to_owned(),
            ..NewContact::default()
        };
        store.add_contacts("c", &[called], now).await.unwrap();
        let due = store.due_contacts("c", now, 1).await.unwrap();
        for _ in 0..2 {
            store
                .journal_attempts(&[NewAttempt {
                    contact: &due[0],
                    from: "+15005550006",
                    at: now,
                }])
                .await
                .unwrap();
        }
        store
            .add_dnc(&["+12125550144".to_owned()], "test")
            .await
            .unwrap();
        let opt_outs = OptOuts::default();
        opt_outs.add("+12125550155");
        let guard = Guard {
            hours: CallingHours::parse("08:00-21:00").unwrap(),
            max_attempts_per_day: 2,
            region: "US".to_owned(),
            store,
            opt_outs,
        };
        let contacts: [(&str, Option<&str>); 8] = [
            ("+12125550101", None),                 // dial (New York, 10:00)
            ("(212) 555-0144", None),               // on the DNC list, in another format
            ("+12125550155", None),                 // opted out
            ("not a number", None),                 // invalid
            ("+14155550123", None),                 // Los Angeles, 07:00: later
            ("+12125550166", Some("Mars/Olympus")), // unknown timezone
            ("+12125550177", None),                 // two attempts today: later
            ("+12125550188", Some("Europe/Paris")), // 16:00 in Paris: dial
        ];
        let many = guard.check_many(&contacts, guard.hours, now).await.unwrap();
        let mut alone = Vec::new();
        for (to, timezone) in contacts {
            alone.push(guard.check(to, timezone, guard.hours, now).await.unwrap());
        }
        assert_eq!(many, alone);
        let kinds: Vec<&str> = many
            .iter()
            .map(|d| match d {
                Decision::Dial => "dial",
                Decision::Defer { .. } => "defer",
                Decision::Skip { reason, .. } => reason.as_str(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "dial",
                "do-not-call list",
                "opted out",
                "invalid number",
                "defer",
                "timezone unknown",
                "defer",
                "dial"
            ]
        );
        assert!(
            matches!(&many[6], Decision::Defer { reason, .. } if reason.starts_with("2 attempts"))
        );
        assert!(
            guard
                .check_many(&[], guard.hours, now)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
