//! The compliance guard, asked right before every dial. It fails closed: a number it cannot
//! place in a timezone, or a store it cannot read, means no call.

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
        let number = match PhoneNumber::parse_in(to, &self.region) {
            Ok(number) => number,
            Err(e) => {
                return Ok(Decision::Skip {
                    reason: SkipReason::InvalidNumber,
                    detail: e.to_string(),
                });
            }
        };
        let e164 = number.as_e164();
        if self.opt_outs.contains(e164) {
            return Ok(skip(
                SkipReason::OptedOut,
                format!("{e164} asked not to be called"),
            ));
        }
        if self.store.is_dnc(e164).await? {
            return Ok(skip(
                SkipReason::DoNotCall,
                format!("{e164} is on the do-not-call list"),
            ));
        }
        let zones = match zones_of(&number, timezone) {
            Ok(zones) => zones,
            Err(detail) => return Ok(skip(SkipReason::NoTimezone, detail)),
        };
        if let Some(closed) = zones.iter().find(|tz| !hours.contains(now, **tz)) {
            // Wait for the latest opening among the zones, then ask again.
            let until = zones
                .iter()
                .map(|tz| hours.next_open(now, *tz))
                .max()
                .unwrap_or(now + Duration::hours(1))
                .max(now + Duration::minutes(1));
            let local = now.with_timezone(closed).format("%H:%M");
            return Ok(Decision::Defer {
                until,
                reason: format!("outside calling hours {hours} ({local} in {closed})"),
            });
        }
        let day_ago = now - Duration::hours(24);
        let attempts = self.store.attempts_since(e164, day_ago).await?;
        if attempts >= self.max_attempts_per_day {
            return Ok(Decision::Defer {
                until: now + Duration::hours(1),
                reason: format!(
                    "{attempts} attempts in the last 24 hours (compliance.max_attempts_per_day is {})",
                    self.max_attempts_per_day
                ),
            });
        }
        Ok(Decision::Dial)
    }
}

fn skip(reason: SkipReason, detail: String) -> Decision {
    Decision::Skip { reason, detail }
}
