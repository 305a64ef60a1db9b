//! Maintenance and backup windows as RDS and DMS write them: weekly `ddd:hh24:mi-ddd:hh24:mi` and
//! daily `hh24:mi-hh24:mi`, in UTC, each at least 30 minutes (RDS `PreferredMaintenanceWindow`,
//! `PreferredBackupWindow`; DMS `PreferredMaintenanceWindow`: "Constraints: Minimum 30-minute
//! window"). A backup window must not overlap the maintenance window (RDS: "Must not conflict
//! with the preferred maintenance window").

use super::q;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY: u32 = 24 * 60;
const WEEK: u32 = 7 * DAY;
const MIN_WINDOW: u32 = 30;

/// A window as minutes: `start` from the beginning of its period, `len` > 0 (it may wrap).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: u32,
    pub len: u32,
}

fn hh_mi(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

fn day_hh_mi(text: &str) -> Option<u32> {
    let (day, time) = text.split_once(':')?;
    let d = DAYS.iter().position(|x| x.eq_ignore_ascii_case(day))?;
    Some(d as u32 * DAY + hh_mi(time)?)
}

fn span(start: u32, end: u32, period: u32) -> u32 {
    (end + period - start) % period
}

fn at_least_30(text: &str, w: Window) -> Result<Window, String> {
    if w.len < MIN_WINDOW {
        return Err(format!("{} lasts {} minutes; AWS needs at least 30 minutes.", q(text), w.len));
    }
    Ok(w)
}

/// `hh24:mi-hh24:mi` (UTC), at least 30 minutes; may cross midnight.
pub fn daily(text: &str) -> Result<Window, String> {
    let parsed = text.split_once('-').and_then(|(a, b)| Some((hh_mi(a)?, hh_mi(b)?)));
    let Some((start, end)) = parsed else {
        return Err(format!(
            "{} is not a daily window; write it as hh24:mi-hh24:mi in UTC, e.g. \"03:00-03:30\".",
            q(text)
        ));
    };
    at_least_30(text, Window { start, len: span(start, end, DAY) })
}

/// `ddd:hh24:mi-ddd:hh24:mi` (UTC, days mon to sun), at least 30 minutes; may cross the week's end.
pub fn weekly(text: &str) -> Result<Window, String> {
    let parsed = text.split_once('-').and_then(|(a, b)| Some((day_hh_mi(a)?, day_hh_mi(b)?)));
    let Some((start, end)) = parsed else {
        return Err(format!(
            "{} is not a weekly window; write it as ddd:hh24:mi-ddd:hh24:mi in UTC with days mon to sun, e.g. \"sun:04:00-sun:04:30\".",
            q(text)
        ));
    };
    at_least_30(text, Window { start, len: span(start, end, WEEK) })
}

/// Whether a daily window (on each of the seven days) overlaps a weekly one.
pub fn overlaps(daily: Window, weekly: Window) -> bool {
    (0..7).any(|d| {
        let a = Window { start: d * DAY + daily.start, len: daily.len };
        intersects(a, weekly)
    })
}

/// Two windows on the week's circle share a minute.
fn intersects(a: Window, b: Window) -> bool {
    // Shift so that `a` starts at 0; `b` then overlaps when it starts inside `a` or wraps into it.
    let b_start = (b.start + WEEK - a.start % WEEK) % WEEK;
    b_start < a.len || b_start + b.len > WEEK
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn daily_windows_are_parsed_and_checked() {
        assert_eq!(daily("03:00-03:30"), Ok(Window { start: 180, len: 30 }));
        assert_eq!(daily("23:45-00:30"), Ok(Window { start: 1425, len: 45 }));
        for bad in ["", "3:00-3:30", "03:00-03:15", "24:00-01:00", "03:60-04:30", "03:00", "03:00-03:30-", "garbage"] {
            assert!(daily(bad).is_err(), "{bad}");
        }
        assert!(daily("03:00-03:15").unwrap_err().contains("15 minutes"));
        assert!(daily("03:00-03:00").unwrap_err().contains("0 minutes"));
    }

    #[test]
    fn weekly_windows_are_parsed_and_checked() {
        assert_eq!(weekly("sun:04:00-sun:04:30"), Ok(Window { start: 6 * DAY + 240, len: 30 }));
        assert_eq!(weekly("Sun:23:30-mon:00:30"), Ok(Window { start: 6 * DAY + 1410, len: 60 }));
        for bad in [
            "sun:04:00",
            "sunday:04:00-sunday:05:00",
            "xyz:04:00-xyz:05:00",
            "sun:04:00-sun:04:10",
            "sun:4:00-sun:5:00",
        ] {
            assert!(weekly(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn backup_and_maintenance_overlap_across_days_and_wraps() {
        let b = daily("03:00-03:30").unwrap();
        assert!(overlaps(b, weekly("tue:03:15-tue:04:00").unwrap()));
        assert!(overlaps(b, weekly("mon:02:00-mon:03:01").unwrap()));
        assert!(!overlaps(b, weekly("tue:03:30-tue:04:00").unwrap()));
        assert!(!overlaps(b, weekly("sun:04:00-sun:04:30").unwrap()));
        // A daily window crossing midnight, and a weekly one crossing the week's end.
        let late = daily("23:45-00:15").unwrap();
        assert!(overlaps(late, weekly("mon:00:00-mon:00:30").unwrap()));
        assert!(overlaps(b, weekly("sun:23:00-mon:03:10").unwrap()));
    }
}
