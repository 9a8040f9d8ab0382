//! When scheduled work fires: standard 5-field cron expressions in a timezone, fixed intervals,
//! and one-off times. The `cron` crate wants a seconds field and counts weekdays from Sunday = 1,
//! so standard expressions are normalised before it sees them.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// What a schedule does about runs that fell due while the runtime was down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Missed {
    /// Wait for the next one.
    #[default]
    Skip,
    /// Run once at start for the latest missed run, then go on as usual.
    RunOnce,
}

/// The latest run of `timing` after `last` that is due by `now`, if any was missed.
pub fn latest_missed(
    timing: &Timing,
    last: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let mut latest = None;
    let mut after = last;
    // Bounded: a schedule every second down for a year still ends the walk.
    for _ in 0..1_000_000 {
        match timing.next_after(after) {
            Some(at) if at <= now => {
                latest = Some(at);
                after = at;
            }
            _ => break,
        }
    }
    latest
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "cron expression {expr:?} has {count} fields; use 5 (minute hour day month weekday) or 6 (with seconds first)"
    )]
    FieldCount { expr: String, count: usize },
    #[error("cron expression {expr:?}: {reason}")]
    Cron { expr: String, reason: String },
    #[error("unknown timezone {0:?} (use an IANA name such as America/New_York)")]
    Timezone(String),
    #[error("interval {0:?}: write it as 30s, 10m, 1h30m or a number of seconds")]
    Interval(String),
    #[error("an interval must be at least one second, not {0:?}")]
    IntervalTooShort(String),
    #[error("time {0:?}: write an RFC 3339 time (2026-12-01T09:00:00Z) or HH:MM")]
    Time(String),
}

/// When a schedule fires.
#[derive(Debug, Clone)]
pub enum Timing {
    Cron {
        schedule: Box<cron::Schedule>,
        tz: Tz,
    },
    Every(Duration),
    /// Once.
    At(DateTime<Utc>),
}

impl Timing {
    /// A cron expression evaluated in `tz` (UTC when none).
    pub fn cron(expr: &str, tz: Option<&str>) -> Result<Self, ScheduleError> {
        Ok(Timing::Cron {
            schedule: Box::new(parse_cron(expr)?),
            tz: parse_tz(tz)?,
        })
    }

    /// `"10m"`, `"1h30m"`, `"45s"` or seconds.
    pub fn every(interval: &str) -> Result<Self, ScheduleError> {
        Ok(Timing::Every(parse_interval(interval)?))
    }

    /// An RFC 3339 time, or `HH:MM` — its next occurrence in `tz` after `now`.
    pub fn at(when: &str, tz: Option<&str>, now: DateTime<Utc>) -> Result<Self, ScheduleError> {
        if let Ok(time) = DateTime::parse_from_rfc3339(when) {
            return Ok(Timing::At(time.with_timezone(&Utc)));
        }
        let tz = parse_tz(tz)?;
        let time = NaiveTime::parse_from_str(when, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(when, "%H:%M:%S"))
            .map_err(|_| ScheduleError::Time(when.to_owned()))?;
        let local_now = now.with_timezone(&tz);
        let mut date = local_now.date_naive();
        for _ in 0..3 {
            // A time skipped by a DST change resolves on the next day that has it.
            if let Some(at) = tz.from_local_datetime(&date.and_time(time)).earliest()
                && at > local_now
            {
                return Ok(Timing::At(at.with_timezone(&Utc)));
            }
            date = date
                .succ_opt()
                .ok_or_else(|| ScheduleError::Time(when.to_owned()))?;
        }
        Err(ScheduleError::Time(when.to_owned()))
    }

    /// The first firing strictly after `after`; `None` when it will never fire again.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Timing::Cron { schedule, tz } => schedule
                .after(&after.with_timezone(tz))
                .next()
                .map(|t| t.with_timezone(&Utc)),
            Timing::Every(interval) => Some(after + chrono::Duration::from_std(*interval).ok()?),
            Timing::At(at) => (*at > after).then_some(*at),
        }
    }
}

pub fn parse_tz(tz: Option<&str>) -> Result<Tz, ScheduleError> {
    match tz {
        None => Ok(Tz::UTC),
        Some(name) => Tz::from_str(name).map_err(|_| ScheduleError::Timezone(name.to_owned())),
    }
}

pub fn parse_interval(text: &str) -> Result<Duration, ScheduleError> {
    let text = text.trim();
    let interval = match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => Duration::from_secs_f64(seconds),
        Ok(_) => return Err(ScheduleError::Interval(text.to_owned())),
        Err(_) => {
            humantime::parse_duration(text).map_err(|_| ScheduleError::Interval(text.to_owned()))?
        }
    };
    if interval < Duration::from_secs(1) {
        return Err(ScheduleError::IntervalTooShort(text.to_owned()));
    }
    Ok(interval)
}

/// Parses a standard 5-field expression (or 6 with seconds first) with named or numbered days
/// (0 or 7 = Sunday) and named months.
pub fn parse_cron(expr: &str) -> Result<cron::Schedule, ScheduleError> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let (seconds, rest) = match fields.len() {
        5 => ("0", &fields[..]),
        6 => (fields[0], &fields[1..]),
        count => {
            return Err(ScheduleError::FieldCount {
                expr: expr.to_owned(),
                count,
            });
        }
    };
    let bad = |reason: String| ScheduleError::Cron {
        expr: expr.to_owned(),
        reason,
    };
    let weekdays = normalise_weekdays(rest[4]).map_err(bad)?;
    let normalised = format!(
        "{seconds} {} {} {} {} {weekdays}",
        rest[0], rest[1], rest[2], rest[3]
    );
    cron::Schedule::from_str(&normalised).map_err(|e| bad(e.to_string()))
}

const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Rewrites the weekday field as names, which mean the same to every cron dialect.
fn normalise_weekdays(field: &str) -> Result<String, String> {
    if field == "*" || field == "?" {
        return Ok("*".to_owned());
    }
    let mut days = [false; 7];
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => {
                let step: usize = step
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("weekday step {step:?} is not a positive number"))?;
                (range, step)
            }
            None => (part, 1),
        };
        let (first, last) = match range {
            "*" => (0, 6),
            _ => match range.split_once('-') {
                Some((a, b)) => (weekday(a)?, weekday(b)?),
                None if step > 1 => (weekday(range)?, 6),
                None => {
                    let day = weekday(range)?;
                    (day, day)
                }
            },
        };
        // A range may wrap past Saturday (FRI-MON).
        let span = (last + 7 - first) % 7;
        for offset in (0..=span).step_by(step) {
            days[(first + offset) % 7] = true;
        }
    }
    Ok(DAY_NAMES
        .iter()
        .zip(days)
        .filter(|(_, on)| *on)
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(","))
}

fn weekday(token: &str) -> Result<usize, String> {
    if let Ok(n) = token.parse::<usize>() {
        return match n {
            0..=6 => Ok(n),
            7 => Ok(0),
            _ => Err(format!(
                "weekday {n} is out of range (0-7, 0 and 7 are Sunday)"
            )),
        };
    }
    let upper = token.to_ascii_uppercase();
    let prefix = upper.get(..3).unwrap_or(&upper);
    DAY_NAMES
        .iter()
        .position(|d| *d == prefix && (upper.len() == 3 || full_day_name(d) == upper))
        .ok_or_else(|| format!("{token:?} is not a weekday (SUN-SAT or 0-7)"))
}

fn full_day_name(short: &str) -> &'static str {
    match short {
        "SUN" => "SUNDAY",
        "MON" => "MONDAY",
        "TUE" => "TUESDAY",
        "WED" => "WEDNESDAY",
        "THU" => "THURSDAY",
        "FRI" => "FRIDAY",
        _ => "SATURDAY",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Timelike, Weekday};

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn five_fields_fire_on_the_minute_in_the_timezone() {
        let timing = Timing::cron("0 9 * * MON-FRI", Some("America/New_York")).unwrap();
        // Saturday 2026-11-28 12:00 UTC → Monday 09:00 New York (EST, UTC-5).
        let next = timing.next_after(utc("2026-11-28T12:00:00Z")).unwrap();
        assert_eq!(next, utc("2026-11-30T14:00:00Z"));
    }

    #[test]
    fn numbered_weekdays_count_from_sunday_zero() {
        let timing = Timing::cron("30 8 * * 1-5", None).unwrap();
        let mut at = utc("2026-11-27T09:00:00Z"); // a Friday, after 08:30
        let mut seen = Vec::new();
        for _ in 0..5 {
            at = timing.next_after(at).unwrap();
            assert_eq!((at.hour(), at.minute()), (8, 30));
            seen.push(at.weekday());
        }
        assert_eq!(
            seen,
            [
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri
            ]
        );
        let sunday = Timing::cron("0 0 * * 7", None).unwrap();
        assert_eq!(
            sunday
                .next_after(utc("2026-11-27T00:00:00Z"))
                .unwrap()
                .weekday(),
            Weekday::Sun
        );
    }

    #[test]
    fn weekday_fields_normalise_to_names() {
        assert_eq!(normalise_weekdays("1-5").unwrap(), "MON,TUE,WED,THU,FRI");
        assert_eq!(normalise_weekdays("fri-mon").unwrap(), "SUN,MON,FRI,SAT");
        assert_eq!(normalise_weekdays("*/2").unwrap(), "SUN,TUE,THU,SAT");
        assert_eq!(normalise_weekdays("0,6").unwrap(), "SUN,SAT");
        assert_eq!(normalise_weekdays("Monday").unwrap(), "MON");
        assert!(
            normalise_weekdays("8")
                .unwrap_err()
                .contains("out of range")
        );
        assert!(normalise_weekdays("MOM").unwrap_err().contains("MOM"));
    }

    #[test]
    fn named_months_and_six_fields_work() {
        let timing = Timing::cron("15 0 12 1 JAN *", None).unwrap();
        let next = timing.next_after(utc("2026-11-24T00:00:00Z")).unwrap();
        assert_eq!(next, utc("2027-01-01T12:00:15Z"));
    }

    #[test]
    fn typos_and_wrong_field_counts_are_refused_by_name() {
        let err = parse_cron("0 9 * * MON-FRI 2027").unwrap_err();
        // Six fields read as seconds first, so the year lands in the weekday field.
        assert!(
            err.to_string().contains("weekday 2027 is out of range"),
            "{err}"
        );
        let err = parse_cron("0 9 * * * * 2027").unwrap_err();
        assert!(matches!(err, ScheduleError::FieldCount { count: 7, .. }));
        assert!(
            err.to_string()
                .contains("5 (minute hour day month weekday)")
        );
        let err = parse_cron("0 25 * * *").unwrap_err();
        assert!(err.to_string().contains("0 25 * * *"), "{err}");
        let err = parse_cron("0 9 * * MOM").unwrap_err();
        assert!(
            err.to_string().contains("\"MOM\" is not a weekday"),
            "{err}"
        );
        let err = Timing::cron("0 9 * * *", Some("Mars/Olympus")).unwrap_err();
        assert_eq!(err, ScheduleError::Timezone("Mars/Olympus".to_owned()));
    }

    #[test]
    fn intervals_read_like_people_write_them() {
        assert_eq!(parse_interval("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_interval("1h 30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_interval("45").unwrap(), Duration::from_secs(45));
        assert!(matches!(
            parse_interval("soon"),
            Err(ScheduleError::Interval(_))
        ));
        assert!(matches!(
            parse_interval("10ms"),
            Err(ScheduleError::IntervalTooShort(_))
        ));
    }

    #[test]
    fn at_takes_the_next_occurrence_of_a_clock_time() {
        let now = utc("2026-11-24T15:00:00Z");
        let Timing::At(at) = Timing::at("09:30", Some("Europe/Berlin"), now).unwrap() else {
            panic!("not a one-off");
        };
        // 15:00 UTC is 16:00 in Berlin: 09:30 has passed today, so tomorrow 08:30 UTC.
        assert_eq!(at, utc("2026-11-25T08:30:00Z"));
        let once = Timing::at("2026-12-01T09:00:00Z", None, now).unwrap();
        assert_eq!(once.next_after(now), Some(utc("2026-12-01T09:00:00Z")));
        assert_eq!(once.next_after(utc("2026-12-02T00:00:00Z")), None);
        assert!(matches!(
            Timing::at("half past nine", None, now),
            Err(ScheduleError::Time(_))
        ));
    }
}
