//! `modules.datetime` and `modules.pytz`: the parts of Python's `datetime` and of pytz that dbt
//! packages call at compile time (dbt_date builds dates, localizes them and compares their
//! `.timestamp()`s while a model is rendered).
//!
//! A value is a wall-clock time plus what Python knows about it: a `date`, a naive `datetime`,
//! or an aware one with its UTC offset. They print as Python's `str()` does.

use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone as _, Timelike};
use minijinja::value::{Kwargs, Object, ObjectRepr, Value, from_args};
use minijinja::{Error, ErrorKind, State};
use std::sync::Arc;

use super::warehouse::err;

/// What a [`DateTime`] is in Python.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Date,
    Naive,
    /// An aware `datetime` with this UTC offset.
    Aware(FixedOffset),
}

/// A Python `date` or `datetime`; `wall` is the local (wall-clock) time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DateTime {
    wall: NaiveDateTime,
    kind: Kind,
}

impl DateTime {
    /// An aware datetime in UTC (dbt's `run_started_at`).
    pub(crate) fn utc(at: NaiveDateTime) -> DateTime {
        DateTime {
            wall: at,
            kind: Kind::Aware(utc_offset()),
        }
    }

    fn naive(wall: NaiveDateTime) -> DateTime {
        DateTime {
            wall,
            kind: Kind::Naive,
        }
    }

    /// Python's `str()` (`sep` ' ') or `isoformat()` (`sep` 'T').
    fn iso(&self, sep: char) -> String {
        let date = self.wall.format("%Y-%m-%d").to_string();
        if self.kind == Kind::Date {
            return date;
        }
        let mut out = format!("{date}{sep}{}", self.wall.format("%H:%M:%S"));
        if self.wall.nanosecond() >= 1000 {
            out.push_str(&format!(".{:06}", self.wall.nanosecond() / 1000));
        }
        if let Kind::Aware(offset) = self.kind {
            out.push_str(&offset_text(offset));
        }
        out
    }

    /// Seconds since the epoch; a naive or date value is taken as UTC (mozt renders in UTC so
    /// runs do not depend on the machine's zone).
    fn timestamp(&self) -> f64 {
        let utc = match self.kind {
            Kind::Aware(offset) => self.wall - chrono::Duration::seconds(offset.local_minus_utc().into()),
            _ => self.wall,
        };
        let utc = utc.and_utc();
        utc.timestamp() as f64 + f64::from(utc.timestamp_subsec_micros()) / 1e6
    }
}

fn utc_offset() -> FixedOffset {
    chrono::Utc.fix()
}

/// `+HH:MM`, with `:SS` when the offset has seconds, as Python prints an offset.
fn offset_text(offset: FixedOffset) -> String {
    let secs = offset.local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let abs = secs.unsigned_abs();
    let mut out = format!("{sign}{:02}:{:02}", abs / 3600, abs / 60 % 60);
    if !abs.is_multiple_of(60) {
        out.push_str(&format!(":{:02}", abs % 60));
    }
    out
}

impl Object for DateTime {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let d = &self.wall;
        let time_part = self.kind != Kind::Date;
        Some(match key.as_str()? {
            "year" => Value::from(d.year()),
            "month" => Value::from(d.month()),
            "day" => Value::from(d.day()),
            "hour" if time_part => Value::from(d.hour()),
            "minute" if time_part => Value::from(d.minute()),
            "second" if time_part => Value::from(d.second()),
            "microsecond" if time_part => Value::from(d.nanosecond() / 1000),
            "tzinfo" if time_part => match self.kind {
                Kind::Aware(offset) => Value::from_object(TzInfo::Fixed(offset)),
                _ => Value::from(()),
            },
            _ => return None,
        })
    }
    fn call_method(self: &Arc<Self>, _state: &mut State<'_, '_>, method: &str, args: &[Value]) -> Result<Value, Error> {
        match method {
            "strftime" => {
                let (format,): (&str,) = from_args(args)?;
                let mut out = String::new();
                use std::fmt::Write;
                write!(out, "{}", self.wall.format(format))
                    .map_err(|_| err(format!("strftime: bad format '{format}'")))?;
                Ok(Value::from(out))
            }
            "isoformat" => Ok(Value::from(self.iso('T'))),
            "date" => Ok(Value::from_object(DateTime {
                wall: self.wall,
                kind: Kind::Date,
            })),
            "timestamp" if self.kind != Kind::Date => Ok(Value::from(self.timestamp())),
            "replace" => self.replace(args),
            SUB | ADD => {
                let (delta,): (Value,) = from_args(args)?;
                let delta = delta.downcast_object_ref::<TimeDelta>().ok_or_else(|| {
                    err(format!(
                        "a date or datetime plus or minus {delta}: only a timedelta can be added"
                    ))
                })?;
                let micros = if method == SUB { -delta.0 } else { delta.0 };
                let micros = match self.kind {
                    Kind::Date => micros / MICROS_PER_DAY * MICROS_PER_DAY,
                    _ => micros,
                };
                let wall = self
                    .wall
                    .checked_add_signed(chrono::Duration::microseconds(micros))
                    .ok_or_else(|| err("date value out of range"))?;
                Ok(Value::from_object(DateTime { wall, kind: self.kind }))
            }
            "weekday" => Ok(Value::from(self.wall.weekday().num_days_from_monday())),
            "isoweekday" => Ok(Value::from(self.wall.weekday().number_from_monday())),
            "astimezone" if self.kind != Kind::Date => {
                let (tz,): (Value,) = from_args(args)?;
                let tz = tz_arg(&tz)?;
                let utc = self.wall - chrono::Duration::seconds(self.offset_secs().into());
                let offset = tz.offset_at_utc(utc);
                Ok(Value::from_object(DateTime {
                    wall: utc + chrono::Duration::seconds(offset.local_minus_utc().into()),
                    kind: Kind::Aware(offset),
                }))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.iso(' '))
    }
}

impl DateTime {
    /// `replace(hour=0, ...)`: the same value with the parts named changed.
    fn replace(&self, args: &[Value]) -> Result<Value, Error> {
        let (kwargs,): (Kwargs,) = from_args(args)?;
        let part = |name: &str, now: u32| -> Result<u32, Error> { Ok(kwargs.get::<Option<u32>>(name)?.unwrap_or(now)) };
        let w = &self.wall;
        let year = kwargs.get::<Option<i32>>("year")?.unwrap_or(w.year());
        let bad = || err(format!("replace(): no such date or time ({kwargs:?})"));
        let date = NaiveDate::from_ymd_opt(year, part("month", w.month())?, part("day", w.day())?).ok_or_else(bad)?;
        let wall = date
            .and_hms_micro_opt(
                part("hour", w.hour())?,
                part("minute", w.minute())?,
                part("second", w.second())?,
                part("microsecond", w.nanosecond() / 1000)?,
            )
            .ok_or_else(bad)?;
        kwargs.assert_all_used()?;
        Ok(Value::from_object(DateTime { wall, kind: self.kind }))
    }

    fn offset_secs(&self) -> i32 {
        match self.kind {
            Kind::Aware(offset) => offset.local_minus_utc(),
            _ => 0,
        }
    }
}

/// A `tzinfo`: a pytz zone (`pytz.timezone('America/Los_Angeles')`) or the fixed offset an
/// aware datetime carries.
#[derive(Debug, Clone, Copy)]
enum TzInfo {
    Named(chrono_tz::Tz),
    Fixed(FixedOffset),
}

impl TzInfo {
    fn offset_at_utc(&self, utc: NaiveDateTime) -> FixedOffset {
        match self {
            TzInfo::Named(tz) => tz.offset_from_utc_datetime(&utc).fix(),
            TzInfo::Fixed(offset) => *offset,
        }
    }

    /// pytz's `localize`: the offset in force at this wall time; an ambiguous time (a clock
    /// set back) takes standard time and a time in a gap the offset before the gap, as pytz
    /// does with its default `is_dst=False`.
    fn localize(&self, wall: NaiveDateTime) -> FixedOffset {
        let TzInfo::Named(tz) = self else {
            return self.offset_at_utc(wall);
        };
        match tz.offset_from_local_datetime(&wall) {
            chrono::LocalResult::Single(offset) => offset.fix(),
            chrono::LocalResult::Ambiguous(_, later) => later.fix(),
            chrono::LocalResult::None => tz.offset_from_utc_datetime(&(wall - chrono::Duration::days(1))).fix(),
        }
    }

    /// The offset `datetime(..., tzinfo=zone)` gets: for a pytz zone its first (local mean
    /// time) offset rounded to the minute, pytz's well-known quirk (`-07:53` for Los Angeles),
    /// which dbt prints too.
    fn constructor_offset(&self) -> FixedOffset {
        match self {
            TzInfo::Named(tz) => {
                let first = NaiveDate::from_ymd_opt(1800, 1, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .unwrap_or_default();
                let secs = tz.offset_from_utc_datetime(&first).fix().local_minus_utc();
                FixedOffset::east_opt((secs + 30).div_euclid(60) * 60).unwrap_or(utc_offset())
            }
            TzInfo::Fixed(offset) => *offset,
        }
    }
}

impl Object for TzInfo {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn call_method(self: &Arc<Self>, _state: &mut State<'_, '_>, method: &str, args: &[Value]) -> Result<Value, Error> {
        match method {
            "localize" => {
                let (value,): (Value,) = from_args(args)?;
                let dt = value
                    .downcast_object_ref::<DateTime>()
                    .filter(|d| d.kind == Kind::Naive)
                    .ok_or_else(|| err(format!("localize() needs a naive datetime, got {value}")))?;
                Ok(Value::from_object(DateTime {
                    wall: dt.wall,
                    kind: Kind::Aware(self.localize(dt.wall)),
                }))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.as_ref() {
            TzInfo::Named(tz) => f.write_str(tz.name()),
            TzInfo::Fixed(offset) if offset.local_minus_utc() == 0 => f.write_str("UTC"),
            TzInfo::Fixed(offset) => write!(f, "UTC{}", offset_text(*offset)),
        }
    }
}

fn tz_arg(value: &Value) -> Result<TzInfo, Error> {
    value
        .downcast_object_ref::<TzInfo>()
        .copied()
        .ok_or_else(|| err(format!("expected a tzinfo (modules.pytz.timezone(...)), got {value}")))
}

/// The methods a template's `+ timedelta(...)` and `- timedelta(...)` are rewritten to
/// (minijinja has no operators for objects; see `date_math`).
pub(crate) const ADD: &str = "__mozt_add";
pub(crate) const SUB: &str = "__mozt_sub";

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A `datetime.timedelta`, in microseconds.
#[derive(Debug, Clone, Copy)]
struct TimeDelta(i64);

impl Object for TimeDelta {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let (days, rest) = (self.0.div_euclid(MICROS_PER_DAY), self.0.rem_euclid(MICROS_PER_DAY));
        Some(Value::from(match key.as_str()? {
            "days" => days,
            "seconds" => rest / 1_000_000,
            "microseconds" => rest % 1_000_000,
            _ => return None,
        }))
    }
    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        _args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "total_seconds" => Ok(Value::from(self.0 as f64 / 1e6)),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
    /// Python's `str()`: `365 days, 0:00:00`, `-1 day, 23:00:00`, `2:30:00`.
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (days, rest) = (self.0.div_euclid(MICROS_PER_DAY), self.0.rem_euclid(MICROS_PER_DAY));
        if days != 0 {
            write!(f, "{days} day{}, ", if days.abs() == 1 { "" } else { "s" })?;
        }
        let secs = rest / 1_000_000;
        write!(f, "{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)?;
        match rest % 1_000_000 {
            0 => Ok(()),
            micros => write!(f, ".{micros:06}"),
        }
    }
}

/// `timedelta(days=0, seconds=0, microseconds=0, milliseconds=0, minutes=0, hours=0,
/// weeks=0)`, by position or name; whole numbers or fractions.
fn timedelta(args: &[Value]) -> Result<Value, Error> {
    const UNITS: [(&str, f64); 7] = [
        ("days", 86_400e6),
        ("seconds", 1e6),
        ("microseconds", 1.0),
        ("milliseconds", 1e3),
        ("minutes", 60e6),
        ("hours", 3_600e6),
        ("weeks", 604_800e6),
    ];
    let (positional, kwargs) = split_kwargs(args)?;
    let mut micros = 0f64;
    for (i, (name, scale)) in UNITS.iter().enumerate() {
        let value = match (positional.get(i), &kwargs) {
            (Some(v), _) => Some(v.clone()),
            (None, Some(kw)) if kw.has(name) => Some(kw.get::<Value>(name)?),
            _ => None,
        };
        if let Some(v) = value {
            let n =
                f64::try_from(v.clone()).map_err(|_| err(format!("timedelta(): {name} must be a number, got {v}")))?;
            micros += n * scale;
        }
    }
    if let Some(kw) = kwargs {
        kw.assert_all_used()?;
    }
    if positional.len() > UNITS.len() || !micros.is_finite() || micros.abs() > 1e18 {
        return Err(err("timedelta(): too many arguments or too large a value"));
    }
    Ok(Value::from_object(TimeDelta(micros.round() as i64)))
}

/// The arguments by position, and the keyword arguments if any were given.
fn split_kwargs(args: &[Value]) -> Result<(&[Value], Option<Kwargs>), Error> {
    Ok(match args.split_last() {
        Some((last, rest)) if last.is_kwargs() => (rest, Some(Kwargs::try_from(last.clone())?)),
        _ => (args, None),
    })
}

/// `modules.datetime`, its classes `datetime` and `date`, and `modules.pytz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Module {
    Datetime,
    DatetimeClass,
    DateClass,
    TimeDeltaClass,
    Pytz,
}

impl Object for Module {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match (**self, key.as_str()?) {
            (Module::Datetime, "datetime") => Some(Value::from_object(Module::DatetimeClass)),
            (Module::Datetime, "date") => Some(Value::from_object(Module::DateClass)),
            (Module::Datetime, "timedelta") => Some(Value::from_object(Module::TimeDeltaClass)),
            (Module::Pytz, "utc" | "UTC") => Some(Value::from_object(TzInfo::Named(chrono_tz::UTC))),
            _ => None,
        }
    }
    fn call(self: &Arc<Self>, _state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        match **self {
            Module::DatetimeClass => construct(args, false),
            Module::DateClass => construct(args, true),
            Module::TimeDeltaClass => timedelta(args),
            _ => Err(Error::new(ErrorKind::InvalidOperation, "a module is not callable")),
        }
    }
    fn call_method(self: &Arc<Self>, _state: &mut State<'_, '_>, method: &str, args: &[Value]) -> Result<Value, Error> {
        match (**self, method) {
            // Python's naive now() is local time; mozt's renders use UTC so runs do not depend
            // on the machine's zone.
            (Module::DatetimeClass, "now" | "utcnow" | "today") => Ok(Value::from_object(DateTime::naive(now()))),
            (Module::DatetimeClass, "strptime") => {
                let (text, format): (&str, &str) = from_args(args)?;
                Ok(Value::from_object(DateTime::naive(strptime(text, format)?)))
            }
            (Module::DatetimeClass, "fromisoformat") => {
                let (text,): (&str,) = from_args(args)?;
                Ok(Value::from_object(fromisoformat(text)?))
            }
            (Module::DateClass, "today") => Ok(Value::from_object(DateTime {
                wall: now(),
                kind: Kind::Date,
            })),
            (Module::Pytz, "timezone") => {
                let (name,): (&str,) = from_args(args)?;
                let tz = name.parse::<chrono_tz::Tz>().map_err(|_| {
                    err(format!(
                        "pytz.timezone('{name}'): unknown time zone (an IANA name such as 'America/Los_Angeles')"
                    ))
                })?;
                Ok(Value::from_object(TzInfo::Named(tz)))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

fn strptime(text: &str, format: &str) -> Result<NaiveDateTime, Error> {
    NaiveDateTime::parse_from_str(text, format)
        .or_else(|_| NaiveDate::parse_from_str(text, format).map(|d| d.and_time(chrono::NaiveTime::MIN)))
        .map_err(|e| err(format!("datetime.strptime('{text}', '{format}'): {e}")))
}

/// Python's `datetime.fromisoformat`: a date, or a date and time (`T` or space between),
/// with an optional UTC offset.
fn fromisoformat(text: &str) -> Result<DateTime, Error> {
    const TIMES: [&str; 4] = ["T%H:%M:%S%.f", " %H:%M:%S%.f", "T%H:%M", " %H:%M"];
    for time in TIMES {
        if let Ok(aware) = chrono::DateTime::parse_from_str(text, &format!("%Y-%m-%d{time}%:z")) {
            return Ok(DateTime {
                wall: aware.naive_local(),
                kind: Kind::Aware(*aware.offset()),
            });
        }
        if let Ok(wall) = NaiveDateTime::parse_from_str(text, &format!("%Y-%m-%d{time}")) {
            return Ok(DateTime::naive(wall));
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|d| DateTime::naive(d.and_time(chrono::NaiveTime::MIN)))
        .map_err(|_| err(format!("datetime.fromisoformat: invalid isoformat string '{text}'")))
}

/// `datetime(year, month, day, hour=0, minute=0, second=0, microsecond=0, tzinfo=None)` or
/// `date(year, month, day)`, the arguments by position or by name.
fn construct(args: &[Value], date_only: bool) -> Result<Value, Error> {
    const NAMES: [&str; 8] = [
        "year",
        "month",
        "day",
        "hour",
        "minute",
        "second",
        "microsecond",
        "tzinfo",
    ];
    let class = if date_only { "date" } else { "datetime" };
    let names = if date_only { &NAMES[..3] } else { &NAMES[..] };
    let (positional, kwargs) = split_kwargs(args)?;
    if positional.len() > names.len() {
        return Err(err(format!(
            "{class}() takes at most {} arguments ({} given)",
            names.len(),
            positional.len()
        )));
    }
    let mut values: Vec<Option<Value>> = names
        .iter()
        .enumerate()
        .map(|(i, _)| positional.get(i).cloned())
        .collect();
    if let Some(kwargs) = &kwargs {
        for (i, name) in names.iter().enumerate() {
            if kwargs.has(name) {
                values[i] = Some(kwargs.get::<Value>(name)?);
            }
        }
        kwargs.assert_all_used()?;
    }
    let number = |i: usize, default: i64| -> Result<i64, Error> {
        match &values[i] {
            None => Ok(default),
            Some(v) => v
                .as_i64()
                .ok_or_else(|| err(format!("{class}(): {} must be an integer, got {v}", names[i]))),
        }
    };
    let part = |i: usize, default: i64| number(i, default).map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    let bad = || {
        err(format!(
            "{class}(): no such {class} ({})",
            args.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
        ))
    };
    let year = i32::try_from(number(0, i64::MIN)?).map_err(|_| bad())?;
    let date = NaiveDate::from_ymd_opt(year, part(1, 0)?, part(2, 0)?).ok_or_else(bad)?;
    if date_only {
        return Ok(Value::from_object(DateTime {
            wall: date.and_time(chrono::NaiveTime::MIN),
            kind: Kind::Date,
        }));
    }
    let wall = date
        .and_hms_micro_opt(part(3, 0)?, part(4, 0)?, part(5, 0)?, part(6, 0)?)
        .ok_or_else(bad)?;
    let kind = match values[7].as_ref().filter(|v| !v.is_none()) {
        Some(tz) => Kind::Aware(tz_arg(tz)?.constructor_offset()),
        None => Kind::Naive,
    };
    Ok(Value::from_object(DateTime { wall, kind }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str) -> String {
        let mut env = minijinja::Environment::new();
        let modules: std::collections::BTreeMap<&str, Value> = [
            ("datetime", Value::from_object(Module::Datetime)),
            ("pytz", Value::from_object(Module::Pytz)),
        ]
        .into_iter()
        .collect();
        env.add_global("modules", Value::from(modules));
        env.render_str(template, ())
            .unwrap_or_else(|e| panic!("{template}: {e}"))
    }

    #[test]
    fn dates_and_datetimes_print_as_python() {
        assert_eq!(render("{{ modules.datetime.date(1997, 9, 29) }}"), "1997-09-29");
        assert_eq!(
            render("{{ modules.datetime.datetime(1997, 9, 29, 6, 14) }}"),
            "1997-09-29 06:14:00"
        );
        assert_eq!(
            render("{{ modules.datetime.datetime(year=2026, month=9, day=1, microsecond=5).isoformat() }}"),
            "2026-09-01T00:00:00.000005"
        );
        // pytz gives a zone passed to the constructor its local mean time offset.
        assert_eq!(
            render(
                "{{ modules.datetime.datetime(1997, 9, 29, 6, 14, 0, tzinfo=modules.pytz.timezone('America/Los_Angeles')) }}"
            ),
            "1997-09-29 06:14:00-07:53"
        );
        assert_eq!(
            render("{{ modules.datetime.date(2026, 9, 1).hour is defined }}"),
            "False"
        );
        assert_eq!(
            render("{{ modules.datetime.datetime(2026, 9, 1).tzinfo is none }}"),
            "True"
        );
    }

    #[test]
    fn localize_and_timestamp_follow_the_zone() {
        let la = "modules.pytz.timezone('America/Los_Angeles')";
        // Summer and winter offsets of the same zone.
        assert_eq!(
            render(&format!(
                "{{{{ {la}.localize(modules.datetime.datetime(2026, 8, 1)) }}}}"
            )),
            "2026-08-01 00:00:00-07:00"
        );
        assert_eq!(
            render(&format!(
                "{{{{ {la}.localize(modules.datetime.datetime(2026, 1, 1)).timestamp() }}}}"
            )),
            "1767254400.0"
        );
        assert_eq!(
            render("{{ modules.datetime.datetime.fromisoformat('2026-09-01T00:00:00+00:00').timestamp() }}"),
            "1788220800.0"
        );
        assert_eq!(
            render(
                "{{ modules.datetime.datetime.fromisoformat('2026-09-01 09:00:00+09:00').astimezone(modules.pytz.utc) }}"
            ),
            "2026-09-01 00:00:00+00:00"
        );
        assert_eq!(
            render("{{ modules.datetime.datetime.fromisoformat('2026-09-01').tzinfo is none }}"),
            "True"
        );
    }

    #[test]
    fn timedelta_shifts_dates_and_prints_as_python() {
        let shifted = super::super::date_math::rewrite(
            "{{ modules.datetime.date(2026, 3, 1) - modules.datetime.timedelta(365) }} \
             {{ modules.datetime.datetime(2026, 3, 1, 5).replace(hour=0) + modules.datetime.timedelta(days=1, hours=2.5) }}",
        )
        .unwrap_or_default();
        assert_eq!(render(&shifted), "2025-03-01 2026-03-02 02:30:00");
        assert_eq!(render("{{ modules.datetime.timedelta(365) }}"), "365 days, 0:00:00");
        assert_eq!(render("{{ modules.datetime.timedelta(hours=-1) }}"), "-1 day, 23:00:00");
        assert_eq!(
            render("{{ modules.datetime.timedelta(weeks=1).total_seconds() }}"),
            "604800.0"
        );
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        let env = minijinja::Environment::new();
        let mut ctx = std::collections::BTreeMap::new();
        ctx.insert("dt", Value::from_object(Module::Datetime));
        ctx.insert("pytz", Value::from_object(Module::Pytz));
        let fails = |t: &str| env.render_str(t, &ctx).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(fails("{{ dt.date(2026, 2, 30) }}").contains("no such date"));
        assert!(fails("{{ pytz.timezone('Mars/Olympus') }}").contains("unknown time zone"));
        assert!(fails("{{ dt.datetime.fromisoformat('tomorrow') }}").contains("invalid isoformat"));
    }
}
