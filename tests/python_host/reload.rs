//! Reloads: the last good version stays, each event is handled once, schedules go quiet.
