//! Calling hours in the recipient's local time, and when the next window opens.

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// `HH:MM-HH:MM`, start inclusive, end exclusive; `24:00` ends at midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallingHours {
    /// Minutes after midnight.
    start: u32,
    end: u32,
}

impl CallingHours {
    pub const ALL_DAY: CallingHours = CallingHours {
        start: 0,
        end: 24 * 60,
    };

    pub fn parse(text: &str) -> Result<Self, String> {
        let (start, end) = text
            .split_once('-')
            .ok_or_else(|| format!("{text:?} is not a range like 08:00-21:00"))?;
        let minutes = |t: &str| {
            let t = t.trim();
            if t == "24:00" {
                return Ok(24 * 60);
            }
            NaiveTime::parse_from_str(t, "%H:%M")
                .map(|time| time.hour() * 60 + time.minute())
                .map_err(|_| format!("{t:?} is not a time like 08:00"))
        };
        let (start, end) = (minutes(start)?, minutes(end)?);
        if start >= end {
            return Err(format!("{text:?} ends before it starts"));
        }
        Ok(Self { start, end })
    }

    /// The window that is inside both.
    pub fn narrow(self, other: CallingHours) -> Option<CallingHours> {
        let (start, end) = (self.start.max(other.start), self.end.min(other.end));
        (start < end).then_some(CallingHours { start, end })
    }

    pub fn contains(&self, at: DateTime<Utc>, tz: Tz) -> bool {
        let local = at.with_timezone(&tz);
        let minute = local.hour() * 60 + local.minute();
        (self.start..self.end).contains(&minute)
    }

    /// The first instant at or after `at` that is inside the window in `tz`.
    pub fn next_open(&self, at: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        if self.contains(at, tz) {
            return at;
        }
        let local = at.with_timezone(&tz);
        let today = local.date_naive();
        // Today's opening if it is still ahead, else tomorrow's (a DST gap moves it later).
        for day in 0..3 {
            let date = today + Duration::days(day);
            let Some(opening) = date.and_hms_opt(self.start / 60, self.start % 60, 0) else {
                continue;
            };
            let candidate = match tz.from_local_datetime(&opening) {
                chrono::LocalResult::Single(t) => t,
                chrono::LocalResult::Ambiguous(first, _) => first,
                chrono::LocalResult::None => {
                    match tz.from_local_datetime(&(opening + Duration::hours(1))) {
                        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t,
                        chrono::LocalResult::None => continue,
                    }
                }
            }
            .with_timezone(&Utc);
            if candidate > at && candidate.with_timezone(&tz).day() == date.day() {
                return candidate;
            }
        }
        at + Duration::days(1)
    }
}

impl std::fmt::Display for CallingHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn window_is_checked_in_the_recipients_zone() {
        let hours = CallingHours::parse("08:00-21:00").unwrap();
        let at = utc("2026-11-25T14:00:00Z"); // 09:00 in New York, 06:00 in Los Angeles
        assert!(hours.contains(at, chrono_tz::America::New_York));
        assert!(!hours.contains(at, chrono_tz::America::Los_Angeles));
        assert_eq!(
            hours.next_open(at, chrono_tz::America::Los_Angeles),
            utc("2026-11-25T16:00:00Z")
        );
    }

    #[test]
    fn after_closing_the_next_window_is_tomorrow() {
        let hours = CallingHours::parse("08:00-21:00").unwrap();
        let at = utc("2026-11-26T02:30:00Z"); // 21:30 in New York
        assert!(!hours.contains(at, chrono_tz::America::New_York));
        assert_eq!(
            hours.next_open(at, chrono_tz::America::New_York),
            utc("2026-11-26T13:00:00Z")
        );
    }

    #[test]
    fn end_is_exclusive_and_24_00_means_midnight() {
        let hours = CallingHours::parse("08:00-21:00").unwrap();
        assert!(!hours.contains(utc("2026-11-25T21:00:00Z"), chrono_tz::UTC));
        assert!(hours.contains(utc("2026-11-25T20:59:59Z"), chrono_tz::UTC));
        let all = CallingHours::parse("00:00-24:00").unwrap();
        assert_eq!(all, CallingHours::ALL_DAY);
        assert!(all.contains(utc("2026-11-25T23:59:59Z"), chrono_tz::UTC));
    }

    #[test]
    fn malformed_ranges_are_refused() {
        for bad in ["8-9", "09:00-08:00", "08:00", "25:00-26:00", "08:00-08:00"] {
            assert!(CallingHours::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn narrowing_keeps_the_overlap() {
        let a = CallingHours::parse("08:00-21:00").unwrap();
        let b = CallingHours::parse("10:00-22:00").unwrap();
        assert_eq!(a.narrow(b).unwrap().to_string(), "10:00-21:00");
        let c = CallingHours::parse("21:00-22:00").unwrap();
        assert!(a.narrow(c).is_none());
    }
}
