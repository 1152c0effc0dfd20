//! Date and time functions: DATEADD / TIMESTAMPADD, DATEDIFF / TIMESTAMPDIFF, DATE_TRUNC,
//! LAST_DAY, CONVERT_TIMEZONE, TO_DATE, TO_TIMESTAMP(_NTZ/_LTZ/_TZ), TO_CHAR / TO_VARCHAR,
//! and Snowflake's format strings (`formats`).

use sqlparser::ast::{Expr, Function};

use super::Refusal;
use super::args::{duck, positional, quote, string_literal};
use super::conversion::cast_text;

/// The date and time parts DuckDB computes as Snowflake does, by DuckDB's name.
const PARTS: &[(&str, &[&str])] = &[
    ("year", &["year", "y", "yy", "yyy", "yyyy", "yr", "years", "yrs"]),
    ("quarter", &["quarter", "q", "qtr", "qtrs", "quarters"]),
    ("month", &["month", "mm", "mon", "mons", "months"]),
    ("week", &["week", "w", "wk", "weekofyear", "woy", "wy"]),
    ("day", &["day", "d", "dd", "days", "dayofmonth"]),
    ("hour", &["hour", "h", "hh", "hr", "hours", "hrs"]),
    ("minute", &["minute", "m", "mi", "min", "minutes", "mins"]),
    ("second", &["second", "s", "sec", "seconds", "secs"]),
    ("millisecond", &["millisecond", "ms", "msec", "milliseconds"]),
    ("microsecond", &["microsecond", "us", "usec", "microseconds"]),
];

/// Whether a DuckDB part is a whole day or longer (adding it to a DATE gives a DATE on Snowflake).
fn day_or_longer(part: &str) -> bool {
    matches!(part, "year" | "quarter" | "month" | "week" | "day")
}

/// The DuckDB name of a Snowflake date part written as a word (`day`) or a string (`'day'`).
fn part(f: &Function, fname: &str, e: &Expr) -> Result<&'static str, Refusal> {
    let written = match e {
        Expr::Identifier(i) => i.value.clone(),
        _ => match string_literal(e) {
            Some(s) => s.to_string(),
            None => {
                return Err(Refusal::at(
                    &f.name,
                    format!("{fname} with a date part `{e}` that is not written out"),
                    "write the date part as a word, e.g. day",
                ));
            }
        },
    };
    let lower = written.to_ascii_lowercase();
    PARTS
        .iter()
        .find(|(_, names)| names.contains(&lower.as_str()))
        .map(|(duck, _)| *duck)
        .ok_or_else(|| {
            let why = if lower.starts_with("n") {
                " (DuckDB keeps microseconds, not nanoseconds)"
            } else {
                ""
            };
            Refusal::at(
                &f.name,
                format!("{fname} with the date part '{written}'{why}"),
                "use year, quarter, month, week, day, hour, minute, second, millisecond or microsecond",
            )
        })
}

/// Whether `e` (DuckDB SQL) surely is a DATE: a cast to DATE, CURRENT_DATE, a DATE literal.
fn is_date(e: &Expr) -> bool {
    match e {
        Expr::Nested(e) => is_date(e),
        Expr::Cast { data_type, .. } => data_type.to_string().eq_ignore_ascii_case("DATE"),
        Expr::TypedString(t) => t.data_type.to_string().eq_ignore_ascii_case("DATE"),
        Expr::Function(f) => super::function_name(f).is_some_and(|n| {
            matches!(
                n.to_ascii_lowercase().as_str(),
                "current_date" | "last_day" | "make_date"
            )
        }),
        _ => false,
    }
}

pub(crate) fn rewrite(name: &str, f: &Function) -> Result<Option<Expr>, Refusal> {
    let text = match name {
        "DATEADD" | "TIMESTAMPADD" | "TIMEADD" => {
            let a = positional(f, name, 3, 3)?;
            let p = part(f, name, &a[0])?;
            let sum = format!("(({}) + INTERVAL ({}) {p})", a[2], a[1]);
            match is_date(&a[2]) && day_or_longer(p) {
                true => format!("CAST({sum} AS DATE)"),
                false => sum,
            }
        }
        "DATEDIFF" | "TIMESTAMPDIFF" | "TIMEDIFF" => {
            let a = positional(f, name, 3, 3)?;
            let p = part(f, name, &a[0])?;
            let (from, to) = (&a[1], &a[2]);
            match p {
                // Snowflake counts the Mondays crossed (weeks start on Monday).
                "week" => format!("date_diff('week', date_trunc('week', {from}), date_trunc('week', {to}))"),
                _ => format!("date_diff('{p}', {from}, {to})"),
            }
        }
        "DATE_TRUNC" | "TRUNC" if name == "DATE_TRUNC" || is_part_arg(f) => {
            let a = positional(f, name, 2, 2)?;
            // DATE_TRUNC(part, value); TRUNC(value, part).
            let (p, value) = match name {
                "TRUNC" => (&a[1], &a[0]),
                _ => (&a[0], &a[1]),
            };
            let p = part(f, name, p)?;
            let truncated = format!("date_trunc('{p}', {value})");
            match is_date(value) {
                true => format!("CAST({truncated} AS DATE)"),
                false => truncated,
            }
        }
        "DATE_PART" => {
            let a = positional(f, name, 2, 2)?;
            let p = part(f, name, &a[0])?;
            format!("date_part('{p}', {})", a[1])
        }
        "LAST_DAY" => last_day(f)?,
        "ADD_MONTHS" => {
            let a = positional(f, name, 2, 2)?;
            let (d, n) = (&a[0], &a[1]);
            // The last day of a month stays the last day of the month (DATEADD keeps the day).
            let sum = format!("(({d}) + INTERVAL (round({n})) month)");
            let kept = format!(
                "CASE WHEN CAST({d} AS DATE) = last_day(CAST({d} AS DATE)) \
                 THEN CAST(last_day({sum}) AS TIMESTAMP) + (CAST({d} AS TIMESTAMP) - CAST(CAST({d} AS DATE) AS TIMESTAMP)) \
                 ELSE {sum} END"
            );
            match is_date(d) {
                true => format!("CAST({kept} AS DATE)"),
                false => kept,
            }
        }
        "CONVERT_TIMEZONE" => {
            let a = positional(f, name, 2, 3)?;
            match a.as_slice() {
                [from, to, ts] => format!("timezone({to}, timezone({from}, CAST({ts} AS TIMESTAMP)))"),
                _ => format!("timezone({}, CAST({} AS TIMESTAMPTZ))", a[0], a[a.len() - 1]),
            }
        }
        "TO_DATE" | "DATE" | "TRY_TO_DATE" => to_datetime(f, name, "DATE")?,
        "TO_TIMESTAMP" | "TO_TIMESTAMP_NTZ" | "TRY_TO_TIMESTAMP" | "TRY_TO_TIMESTAMP_NTZ" => {
            to_datetime(f, name, "TIMESTAMP")?
        }
        "TO_TIMESTAMP_LTZ" | "TO_TIMESTAMP_TZ" | "TRY_TO_TIMESTAMP_LTZ" | "TRY_TO_TIMESTAMP_TZ" => {
            to_datetime(f, name, "TIMESTAMPTZ")?
        }
        "TO_CHAR" | "TO_VARCHAR" => to_char(f, name)?,
        _ => return Ok(None),
    };
    duck(f, &text).map(Some)
}

/// TRUNC(x, 'part') is DATE_TRUNC; TRUNC(x, n) rounds a number down (DuckDB's own TRUNC).
fn is_part_arg(f: &Function) -> bool {
    positional(f, "TRUNC", 2, 2).is_ok_and(|a| string_literal(&a[1]).is_some())
}

/// LAST_DAY(d [, part]): the last day of d's month (or year, quarter, week), a DATE.
fn last_day(f: &Function) -> Result<String, Refusal> {
    let a = positional(f, "LAST_DAY", 1, 2)?;
    let d = &a[0];
    let p = match a.get(1) {
        Some(e) => part(f, "LAST_DAY", e)?,
        None => "month",
    };
    Ok(match p {
        "year" | "quarter" | "month" => {
            format!("CAST(date_trunc('{p}', {d}) + INTERVAL 1 {p} - INTERVAL 1 day AS DATE)")
        }
        "week" => format!("CAST(date_trunc('week', {d}) + INTERVAL 6 day AS DATE)"),
        _ => {
            return Err(Refusal::at(
                &f.name,
                format!("LAST_DAY with the date part '{p}'"),
                "use year, quarter, month or week",
            ));
        }
    })
}

/// TO_DATE / TO_TIMESTAMP* (and TRY_): a string (with a format: read with it), or a value cast.
fn to_datetime(f: &Function, name: &str, target: &str) -> Result<String, Refusal> {
    let try_ = name.starts_with("TRY_");
    let a = positional(f, name, 1, 2)?;
    let x = &a[0];
    let Some(fmt) = a.get(1) else {
        return Ok(cast_text(try_, &x.to_string(), target));
    };
    if super::args::int_literal(fmt).is_some() {
        return Err(Refusal::at(
            &f.name,
            format!("{name} with a scale"),
            "divide the number to seconds and use TO_TIMESTAMP(n)",
        ));
    }
    let strf = strftime_format(f, name, fmt, "")?;
    let reader = if try_ { "try_strptime" } else { "strptime" };
    Ok(format!(
        "CAST({reader}(CAST({x} AS VARCHAR), {}) AS {target})",
        quote(&strf)
    ))
}

/// TO_CHAR / TO_VARCHAR(x [, format]): a date or time with its format; without one, text.
fn to_char(f: &Function, name: &str) -> Result<String, Refusal> {
    let a = positional(f, name, 1, 2)?;
    let x = &a[0];
    let Some(fmt) = a.get(1) else {
        return Ok(cast_text(false, &x.to_string(), "VARCHAR"));
    };
    let strf = strftime_format(f, name, fmt, " (number formats are not translated)")?;
    Ok(format!("strftime({x}, {})", quote(&strf)))
}

/// A call's format argument as strftime's: it must be a string literal of the elements
/// `formats` knows (`why_not` is added to the refusal of an unknown element).
fn strftime_format(f: &Function, name: &str, fmt: &Expr, why_not: &str) -> Result<String, Refusal> {
    let Some(fmt) = string_literal(fmt) else {
        return Err(Refusal::at(
            &f.name,
            format!("{name} with a format that is not a literal string"),
            "write the format as a string literal",
        ));
    };
    formats::to_strftime(fmt).map_err(|bad| {
        Refusal::at(
            &f.name,
            format!("{name} with the format element '{bad}'{why_not}"),
            formats::HELP,
        )
    })
}

/// Snowflake's date and time format elements as strftime's.
pub(crate) mod formats {
    /// What to write when a format is refused.
    pub(crate) const HELP: &str =
        "use YYYY, YY, MM, MON, MMMM, DD, DY, HH24, HH12, AM/PM, MI, SS, FF3, FF6, TZH:TZM and quoted text";

    /// Elements longest first, so that `MMMM` is not read as `MM` twice.
    const ELEMENTS: &[(&str, &str)] = &[
        ("YYYY", "%Y"),
        ("MMMM", "%B"),
        ("HH24", "%H"),
        ("HH12", "%I"),
        ("FF3", "%g"),
        ("FF6", "%f"),
        ("FF9", "%n"),
        ("TZH:TZM", "%z"),
        ("MON", "%b"),
        ("YY", "%y"),
        ("MM", "%m"),
        ("DD", "%d"),
        ("DY", "%a"),
        ("HH", "%H"),
        ("MI", "%M"),
        ("SS", "%S"),
        ("AM", "%p"),
        ("PM", "%p"),
        ("FF", "%f"),
    ];

    /// The strftime format of a Snowflake format, or the element it cannot translate.
    pub(crate) fn to_strftime(fmt: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = fmt;
        while let Some(c) = rest.chars().next() {
            if c == '"' {
                let close = rest[1..].find('"').ok_or_else(|| rest.to_string())?;
                out.push_str(&rest[1..1 + close].replace('%', "%%"));
                rest = &rest[close + 2..];
                continue;
            }
            if let Some((el, strf)) = ELEMENTS
                .iter()
                .find(|(el, _)| rest.len() >= el.len() && rest[..el.len()].eq_ignore_ascii_case(el))
            {
                out.push_str(strf);
                rest = &rest[el.len()..];
                continue;
            }
            if c.is_ascii_alphanumeric() {
                let word: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
                return Err(word);
            }
            if c == '%' {
                out.push_str("%%");
            } else {
                out.push(c);
            }
            rest = &rest[c.len_utf8()..];
        }
        Ok(out)
    }
}
