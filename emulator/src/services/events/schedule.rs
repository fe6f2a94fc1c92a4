//! Scheduled rules: `rate(...)` and six-field `cron(...)` expressions (EventBridge User Guide,
//! "Schedule expressions for rules"), when each fires next, and the task that sleeps until the
//! next due rule and sends its "Scheduled Event" to the rule's targets.
use std::sync::{Arc, Weak};
use std::time::Duration;

use serde_json::{json, Value};
use time::{Date, Month, OffsetDateTime};
use tokio::sync::Notify;

use super::put::{build_event, enabled, send_to_targets};
use crate::context::{Context, Scheme};
use crate::server::App;

/// Years a cron expression may name (EventBridge: 1970-2199).
const FIRST_YEAR: i32 = 1970;
const LAST_YEAR: i32 = 2199;

/// A parsed schedule expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// Every `seconds`, counted from the rule's creation.
    Rate {
        seconds: i64,
    },
    Cron(Box<Cron>),
}

/// A cron expression: minutes, hours, day of month or day of week, months, years (UTC).
#[derive(Debug, Clone, PartialEq)]
pub struct Cron {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    months: Vec<bool>,
    years: Vec<bool>,
    days: Vec<Day>,
}

/// One item of the day-of-month or day-of-week field.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Day {
    Any,
    /// Day of month 1-31.
    Month(u8),
    /// `L` in day of month.
    LastOfMonth,
    /// `15W`: the weekday nearest the 15th, within the month.
    NearestWeekday(u8),
    /// Day of week 1-7, Sunday 1.
    Week(u8),
    /// `6L`: the last Friday of the month.
    LastWeekday(u8),
    /// `2#3`: the third Monday.
    Nth(u8, u8),
}

impl Schedule {
    /// Parses `rate(...)` or `cron(...)`; the error says what is wrong.
    pub fn parse(expression: &str) -> Result<Schedule, String> {
        let expression = expression.trim();
        if let Some(body) = expression
            .strip_prefix("rate(")
            .and_then(|r| r.strip_suffix(')'))
        {
            return parse_rate(body);
        }
        if let Some(body) = expression
            .strip_prefix("cron(")
            .and_then(|r| r.strip_suffix(')'))
        {
            return parse_cron(body).map(|c| Schedule::Cron(Box::new(c)));
        }
        Err("Schedule expressions are rate(value unit) or cron(minutes hours day-of-month month day-of-week year).".to_string())
    }

    /// The first firing strictly after `after` (seconds since the epoch, UTC) for a rule
    /// created at `created`; `None` when it never fires again.
    pub fn next_after(&self, after: i64, created: i64) -> Option<i64> {
        match self {
            Schedule::Rate { seconds } => {
                let periods = after.saturating_sub(created).div_euclid(*seconds) + 1;
                created.checked_add(periods.max(1).checked_mul(*seconds)?)
            }
            Schedule::Cron(cron) => cron.next_after(after),
        }
    }
}

fn parse_rate(body: &str) -> Result<Schedule, String> {
    let mut words = body.split_whitespace();
    let (Some(value), Some(unit), None) = (words.next(), words.next(), words.next()) else {
        return Err("A rate is rate(value unit), such as rate(5 minutes).".to_string());
    };
    let value: i64 = value
        .parse()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| "The rate's value must be a positive whole number.".to_string())?;
    let unit_seconds = match unit {
        "minute" | "minutes" => 60,
        "hour" | "hours" => 3600,
        "day" | "days" => 86_400,
        _ => {
            return Err(format!(
                "Unknown rate unit {unit}: minute(s), hour(s) or day(s)."
            ))
        }
    };
    if (value == 1) == unit.ends_with('s') {
        return Err("A rate of 1 takes a singular unit (rate(1 minute)), others a plural one (rate(5 minutes)).".to_string());
    }
    Ok(Schedule::Rate {
        seconds: value.saturating_mul(unit_seconds),
    })
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn parse_cron(body: &str) -> Result<Cron, String> {
    let fields: Vec<&str> = body.split_whitespace().collect();
    let [minutes, hours, dom, month, dow, year] = fields[..] else {
        return Err(
            "A cron expression has six fields: minutes hours day-of-month month day-of-week year."
                .to_string(),
        );
    };
    let days = match (dom == "?", dow == "?") {
        (false, true) => parse_days(dom, false)?,
        (true, false) => parse_days(dow, true)?,
        (true, true) => {
            return Err("One of day-of-month and day-of-week must be ?, not both.".to_string())
        }
        (false, false) => {
            return Err(
                "Day-of-month and day-of-week cannot both be given: one of them must be ?."
                    .to_string(),
            )
        }
    };
    Ok(Cron {
        minutes: parse_field(minutes, 0, 59, &[])?,
        hours: parse_field(hours, 0, 23, &[])?,
        months: parse_field(month, 1, 12, &MONTHS)?,
        years: parse_field(year, FIRST_YEAR as u32, LAST_YEAR as u32, &[])?,
        days,
    })
}

/// A plain field (`*`, values, ranges, `/` steps, lists) as a table indexed from `low`.
fn parse_field(field: &str, low: u32, high: u32, names: &[&str]) -> Result<Vec<bool>, String> {
    let mut table = vec![false; (high - low + 1) as usize];
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, parse_number(step, 1, high, &[])?),
            None => (item, 1),
        };
        let (from, to) = match range {
            "*" => (low, high),
            _ => match range.split_once('-') {
                Some((a, b)) => (
                    parse_number(a, low, high, names)?,
                    parse_number(b, low, high, names)?,
                ),
                None if item.contains('/') => (parse_number(range, low, high, names)?, high),
                None => {
                    let v = parse_number(range, low, high, names)?;
                    (v, v)
                }
            },
        };
        if from > to {
            return Err(format!("The range {range} goes backwards."));
        }
        let mut v = from;
        while v <= to {
            table[(v - low) as usize] = true;
            v += step.max(1);
        }
    }
    Ok(table)
}

fn parse_number(text: &str, low: u32, high: u32, names: &[&str]) -> Result<u32, String> {
    let upper = text.to_ascii_uppercase();
    let value = match names.iter().position(|n| *n == upper) {
        Some(i) => low + i as u32,
        None => text
            .parse()
            .map_err(|_| format!("{text} is not a value of this field."))?,
    };
    if (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{text} is outside {low}-{high}."))
    }
}

/// The day-of-month (`L`, `15W` besides plain items) or day-of-week (`6L`, `2#3`) field.
fn parse_days(field: &str, week: bool) -> Result<Vec<Day>, String> {
    let mut days = Vec::new();
    for item in field.split(',') {
        let upper = item.to_ascii_uppercase();
        let special = if week {
            if let Some((d, n)) = upper.split_once('#') {
                let day = parse_number(d, 1, 7, &WEEKDAYS)? as u8;
                Some(Day::Nth(day, parse_number(n, 1, 5, &[])? as u8))
            } else if let Some(d) = upper.strip_suffix('L').filter(|d| !d.is_empty()) {
                Some(Day::LastWeekday(parse_number(d, 1, 7, &WEEKDAYS)? as u8))
            } else if upper == "L" {
                Some(Day::Week(7))
            } else {
                None
            }
        } else if upper == "L" {
            Some(Day::LastOfMonth)
        } else if let Some(d) = upper.strip_suffix('W') {
            Some(Day::NearestWeekday(parse_number(d, 1, 31, &[])? as u8))
        } else {
            None
        };
        if let Some(day) = special {
            days.push(day);
            continue;
        }
        if item == "*" {
            days.push(Day::Any);
            continue;
        }
        let (low, high, names): (u32, u32, &[&str]) = if week {
            (1, 7, &WEEKDAYS)
        } else {
            (1, 31, &[])
        };
        let table = parse_field(item, low, high, names)?;
        for (i, set) in table.iter().enumerate() {
            if *set {
                let v = (low as usize + i) as u8;
                days.push(if week { Day::Week(v) } else { Day::Month(v) });
            }
        }
    }
    Ok(days)
}

impl Cron {
    /// The first minute strictly after `after` that the expression names.
    pub fn next_after(&self, after: i64) -> Option<i64> {
        let start = after.div_euclid(60) * 60 + 60;
        let moment = OffsetDateTime::from_unix_timestamp(start).ok()?;
        let mut date = moment.date();
        let mut first_minute = u32::from(moment.hour()) * 60 + u32::from(moment.minute());
        while date.year() <= LAST_YEAR {
            if self.day_matches(date) {
                if let Some(minute) = self.minute_of_day(first_minute) {
                    let midnight = date.midnight().assume_utc().unix_timestamp();
                    return Some(midnight + i64::from(minute) * 60);
                }
            }
            date = date.next_day()?;
            first_minute = 0;
        }
        None
    }

    /// The first minute of a day (from `from`) whose hour and minute are named.
    fn minute_of_day(&self, from: u32) -> Option<u32> {
        (from..24 * 60).find(|m| self.hours[(m / 60) as usize] && self.minutes[(m % 60) as usize])
    }

    fn day_matches(&self, date: Date) -> bool {
        let year_index = usize::try_from(date.year() - FIRST_YEAR).ok();
        if !year_index
            .and_then(|i| self.years.get(i))
            .copied()
            .unwrap_or(false)
        {
            return false;
        }
        if !self.months[usize::from(u8::from(date.month())) - 1] {
            return false;
        }
        self.days.iter().any(|day| day_item_matches(*day, date))
    }
}

fn day_item_matches(day: Day, date: Date) -> bool {
    let last = date.month().length(date.year());
    let weekday = date.weekday().number_from_sunday();
    match day {
        Day::Any => true,
        Day::Month(d) => date.day() == d,
        Day::LastOfMonth => date.day() == last,
        Day::Week(d) => weekday == d,
        Day::LastWeekday(d) => weekday == d && date.day() + 7 > last,
        Day::Nth(d, n) => weekday == d && (date.day() - 1) / 7 + 1 == n,
        Day::NearestWeekday(d) => {
            nearest_weekday(date.year(), date.month(), d.min(last)) == Some(date.day())
        }
    }
}

/// The weekday nearest day `d` of a month, not crossing into another month (`W` in cron).
fn nearest_weekday(year: i32, month: Month, d: u8) -> Option<u8> {
    let last = month.length(year);
    let weekday = Date::from_calendar_date(year, month, d)
        .ok()?
        .weekday()
        .number_from_sunday();
    Some(match weekday {
        7 if d == 1 => 3,
        7 => d - 1,
        1 if d == last => d - 2,
        1 => d + 1,
        _ => d,
    })
}

static CHANGED: Notify = Notify::const_new();

/// Wakes the scheduler to look at the rules again (a rule was put, enabled, disabled or
/// deleted).
pub fn rules_changed() {
    CHANGED.notify_waiters();
}

/// A scheduled rule that is due: its account, region and document.
struct Due {
    account: String,
    region: String,
    rule: Value,
    at: i64,
}

/// The enabled scheduled rules and their next firing after `after`.
fn next_firings(app: &App, after: i64) -> Vec<Due> {
    let store = app.state.docs();
    let mut due = Vec::new();
    for (scope, rules) in &store.docs {
        if scope.0 != "events" || scope.3 != "rule" {
            continue;
        }
        for rule in rules.values().filter(|r| enabled(r)) {
            let Some(schedule) = rule["ScheduleExpression"].as_str() else {
                continue;
            };
            let Ok(schedule) = Schedule::parse(schedule) else {
                continue;
            };
            let created = rule["CreatedAt"].as_f64().unwrap_or(0.0) as i64;
            if let Some(at) = schedule.next_after(after, created) {
                due.push(Due {
                    account: scope.1.clone(),
                    region: scope.2.clone(),
                    rule: rule.clone(),
                    at,
                });
            }
        }
    }
    due
}

fn now_seconds() -> i64 {
    crate::timefmt::now_millis().div_euclid(1000)
}

/// Runs until the server stops: fires every rule due since the last look, then sleeps until
/// the next one is due or the rules change. Schedules missed while the server was down are not
/// made up; after a restart the stored rules fire again from then on.
pub async fn run(app: Weak<App>) {
    let Some(mut stopping) = app.upgrade().map(|a| a.stopping.clone()) else {
        return;
    };
    let mut handled = now_seconds();
    loop {
        let changed = CHANGED.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let Some(app) = app.upgrade() else { return };
        let now = now_seconds();
        for due in next_firings(&app, handled)
            .into_iter()
            .filter(|d| d.at <= now)
        {
            fire(&app, &due);
        }
        handled = handled.max(now);
        let next = next_firings(&app, handled).iter().map(|d| d.at).min();
        drop(app);
        let wait = next.map_or(Duration::from_secs(24 * 3600), |at| {
            Duration::from_secs(u64::try_from(at - now_seconds()).unwrap_or(0))
        });
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = &mut changed => {}
            _ = stopping.changed() => return,
        }
        if *stopping.borrow() {
            return;
        }
    }
}

/// Sends the rule's "Scheduled Event" to its targets.
fn fire(app: &App, due: &Due) {
    let ctx = Context {
        account: due.account.clone(),
        region: due.region.clone(),
        access_key: due.account.clone(),
        request_id: uuid::Uuid::new_v4().to_string(),
        host: app.addr.to_string(),
        scheme: Scheme::Http,
    };
    let arn = due.rule["Arn"].as_str().unwrap_or("").to_string();
    let event = build_event(
        &ctx,
        "aws.events",
        "Scheduled Event",
        vec![arn],
        json!({}),
        due.at * 1000,
    );
    send_to_targets(app, &ctx, &due.rule, &event);
}

/// Starts the scheduler for `app`; it ends when the server stops.
pub fn start(app: &Arc<App>) {
    tokio::spawn(run(Arc::downgrade(app)));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2024-01-01T00:00:00Z, a Monday.
    const JAN_1_2024: i64 = 1_704_067_200;

    /// `YYYY-MM-DDTHH:MM:SSZ` in seconds since the epoch.
    fn at(text: &str) -> i64 {
        let n = |range: std::ops::Range<usize>| text[range].parse::<u8>().unwrap();
        let month = Month::try_from(n(5..7)).unwrap();
        Date::from_calendar_date(text[0..4].parse().unwrap(), month, n(8..10))
            .unwrap()
            .with_hms(n(11..13), n(14..16), n(17..19))
            .unwrap()
            .assume_utc()
            .unix_timestamp()
    }

    fn next(expression: &str, after: &str) -> String {
        let schedule = Schedule::parse(expression).unwrap();
        let t = schedule.next_after(at(after), 0).unwrap();
        let format = time::format_description::well_known::Rfc3339;
        OffsetDateTime::from_unix_timestamp(t)
            .unwrap()
            .format(&format)
            .unwrap()
    }

    #[test]
    fn rates_count_from_creation() {
        let s = Schedule::parse("rate(5 minutes)").unwrap();
        assert_eq!(s.next_after(JAN_1_2024, JAN_1_2024), Some(JAN_1_2024 + 300));
        assert_eq!(
            s.next_after(JAN_1_2024 + 299, JAN_1_2024),
            Some(JAN_1_2024 + 300)
        );
        assert_eq!(
            s.next_after(JAN_1_2024 + 300, JAN_1_2024),
            Some(JAN_1_2024 + 600)
        );
        assert_eq!(
            s.next_after(JAN_1_2024 - 100, JAN_1_2024),
            Some(JAN_1_2024 + 300)
        );
        assert_eq!(
            Schedule::parse("rate(1 hour)").unwrap(),
            Schedule::Rate { seconds: 3600 }
        );
        assert_eq!(
            Schedule::parse("rate(2 days)").unwrap(),
            Schedule::Rate { seconds: 172_800 }
        );
        for bad in [
            "rate(1 minutes)",
            "rate(5 minute)",
            "rate(0 minutes)",
            "rate(x minutes)",
            "rate(5 weeks)",
            "rate(5)",
            "every 5 minutes",
        ] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cron_fields() {
        assert_eq!(
            next("cron(0 10 * * ? *)", "2024-01-01T09:59:30Z"),
            "2024-01-01T10:00:00Z"
        );
        assert_eq!(
            next("cron(0 10 * * ? *)", "2024-01-01T10:00:00Z"),
            "2024-01-02T10:00:00Z"
        );
        assert_eq!(
            next("cron(0/15 * * * ? *)", "2024-01-01T10:07:00Z"),
            "2024-01-01T10:15:00Z"
        );
        assert_eq!(
            next("cron(5,35 14 * * ? *)", "2024-01-01T14:06:00Z"),
            "2024-01-01T14:35:00Z"
        );
        assert_eq!(
            next("cron(0 18 ? * MON-FRI *)", "2024-01-05T19:00:00Z"),
            "2024-01-08T18:00:00Z"
        );
        assert_eq!(
            next("cron(0 8 1 * ? *)", "2024-01-01T09:00:00Z"),
            "2024-02-01T08:00:00Z"
        );
        assert_eq!(
            next("cron(0 0 1 JAN ? 2026)", "2024-01-01T00:00:00Z"),
            "2026-01-01T00:00:00Z"
        );
        assert_eq!(
            next("cron(0 12 29 2 ? *)", "2024-03-01T00:00:00Z"),
            "2028-02-29T12:00:00Z"
        );
    }

    #[test]
    fn cron_special_days() {
        assert_eq!(
            next("cron(0 0 L * ? *)", "2024-02-01T00:00:00Z"),
            "2024-02-29T00:00:00Z"
        );
        // The last Friday (6) of January 2024 is the 26th.
        assert_eq!(
            next("cron(0 0 ? * 6L *)", "2024-01-01T00:00:00Z"),
            "2024-01-26T00:00:00Z"
        );
        // The third Monday (2#3) of January 2024 is the 15th.
        assert_eq!(
            next("cron(0 0 ? * 2#3 *)", "2024-01-01T00:00:00Z"),
            "2024-01-15T00:00:00Z"
        );
        // 2024-06-15 is a Saturday: 15W fires on Friday the 14th; 2024-09-01 is a Sunday:
        // 1W fires on Monday the 2nd.
        assert_eq!(
            next("cron(0 0 15W * ? *)", "2024-06-01T00:00:00Z"),
            "2024-06-14T00:00:00Z"
        );
        assert_eq!(
            next("cron(0 0 1W * ? *)", "2024-08-31T00:00:00Z"),
            "2024-09-02T00:00:00Z"
        );
        assert_eq!(
            next("cron(0 0 ? * SUN *)", "2024-01-01T00:00:00Z"),
            "2024-01-07T00:00:00Z"
        );
    }

    #[test]
    fn cron_refusals() {
        for bad in [
            "cron(0 10 * * * *)",
            "cron(0 10 ? * ? *)",
            "cron(0 10 * *)",
            "cron(60 10 * * ? *)",
            "cron(0 24 * * ? *)",
            "cron(0 0 32 * ? *)",
            "cron(0 0 ? * 8 *)",
            "cron(0 0 ? * 2#6 *)",
            "cron(0 0 1 FOO ? *)",
            "cron(0 0 1 * ? 1969)",
            "cron(5-1 * * * ? *)",
        ] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Schedule::parse("cron(0 0 1 1 ? 1970)")
                .unwrap()
                .next_after(JAN_1_2024, 0),
            None
        );
    }
}
