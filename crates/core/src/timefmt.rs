//! Commit times as people read them (local) and as machines do (RFC 3339, UTC).

use chrono::{DateTime, FixedOffset, Local, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};

/// RFC 3339 in UTC, to the second: `2019-05-01T12:00:00Z`.
pub fn rfc3339_utc(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| format!("@{secs}"))
}

/// `2019-05-01 14:02` in the machine's local time zone.
pub fn local_minutes(secs: i64) -> String {
    local_format(secs, "%Y-%m-%d %H:%M")
}

fn local_format(secs: i64, fmt: &str) -> String {
    Local
        .timestamp_opt(secs, 0)
        .single()
        .map(|t| t.format(fmt).to_string())
        .unwrap_or_else(|| format!("@{secs}"))
}

/// The local day, `2019-05-01`: day separators and date filters use it.
pub fn local_day(secs: i64) -> String {
    local_format(secs, "%Y-%m-%d")
}

/// The local day with its weekday, `Wed 2019-05-01`.
pub fn local_weekday(secs: i64) -> String {
    local_format(secs, "%a %Y-%m-%d")
}

/// The local time of day, `14:02`.
pub fn local_hm(secs: i64) -> String {
    local_format(secs, "%H:%M")
}

/// Full local date and time with the author's own offset beside it, for `show`; the
/// author's clock is left out when it reads the same as the local one (it would only repeat
/// the time shown).
pub fn local_full(secs: i64, tz_minutes: i32) -> String {
    full_in(&Local, secs, tz_minutes)
}

/// [`local_full`] in the time zone `zone`, which the tests pick.
fn full_in<Tz: TimeZone>(zone: &Tz, secs: i64, tz_minutes: i32) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let Some(here) = zone.timestamp_opt(secs, 0).single() else {
        return format!("@{secs}");
    };
    let local = here.format("%Y-%m-%d %H:%M:%S %z").to_string();
    let same = here.offset().fix().local_minus_utc() == tz_minutes.saturating_mul(60);
    let own = FixedOffset::east_opt(tz_minutes.saturating_mul(60))
        .and_then(|tz| tz.timestamp_opt(secs, 0).single())
        .map(|t| t.format("%H:%M %z").to_string());
    match own {
        Some(o) if !same => format!("{local} (author's clock {o})"),
        _ => local,
    }
}

/// The first moment after the period `t` names (`2019`, `2019-04`, `2019-04-22`,
/// `2019-04-22 17:00`), in local time; `None` for anything else.
pub fn period_end(t: &str) -> Option<i64> {
    let local = |d: NaiveDateTime| {
        Local
            .from_local_datetime(&d)
            .earliest()
            .map(|d| d.timestamp())
    };
    let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d);
    let parts: Vec<&str> = t.split(['-', ' ', 'T', ':']).collect();
    let num = |i: usize| parts.get(i).and_then(|p| p.parse::<u32>().ok());
    let y = parts.first()?.parse::<i32>().ok()?;
    match parts.len() {
        1 => local(day(y + 1, 1, 1)?.and_hms_opt(0, 0, 0)?),
        2 => {
            let m = num(1).filter(|m| (1..=12).contains(m))?;
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            local(day(ny, nm, 1)?.and_hms_opt(0, 0, 0)?)
        }
        3 => {
            let d = day(y, num(1)?, num(2)?)?;
            local(d.succ_opt()?.and_hms_opt(0, 0, 0)?)
        }
        5 => {
            let at = day(y, num(1)?, num(2)?)?.and_hms_opt(num(3)?, num(4)?, 0)?;
            local(at + chrono::Duration::minutes(1))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_is_exact() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_556_712_000), "2019-05-01T12:00:00Z");
        assert_eq!(rfc3339_utc(i64::MAX), format!("@{}", i64::MAX));
    }

    #[test]
    fn authors_clock_only_when_it_differs() {
        let utc = FixedOffset::east_opt(0).expect("zero offset");
        // Same offset as the reader's: the author's clock would repeat the time shown.
        assert_eq!(full_in(&utc, 1_556_712_000, 0), "2019-05-01 12:00:00 +0000");
        // Another offset: said beside it.
        assert_eq!(
            full_in(&utc, 1_556_712_000, 120),
            "2019-05-01 12:00:00 +0000 (author's clock 14:00 +0200)"
        );
        // An offset no clock has is left out rather than invented.
        assert_eq!(
            full_in(&utc, 1_556_712_000, 100_000),
            "2019-05-01 12:00:00 +0000"
        );
    }
}
