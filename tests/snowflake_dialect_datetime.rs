//! Date and time functions on a DuckDB target with `dialect: snowflake`: DATEADD /
//! TIMESTAMPADD and DATEDIFF / TIMESTAMPDIFF for every date part, ADD_MONTHS, DATE_TRUNC,
//! LAST_DAY, CONVERT_TIMEZONE, TO_DATE / TO_TIMESTAMP* with formats, TO_CHAR / TO_VARCHAR,
//! with the inputs and outputs of Snowflake's documentation.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::assert_snowflake_values;

#[test]
fn dateadd_and_timestampadd_for_every_date_part() {
    let ts = "'2024-01-31 12:00:00'::timestamp_ntz";
    let cases: Vec<(String, &str)> = vec![
        (format!("dateadd(year, 1, {ts})"), "2025-01-31 12:00:00"),
        (format!("dateadd(quarter, 1, {ts})"), "2024-04-30 12:00:00"),
        // A shorter month: the last day of it.
        (format!("dateadd(month, 1, {ts})"), "2024-02-29 12:00:00"),
        (format!("dateadd(week, 2, {ts})"), "2024-02-14 12:00:00"),
        (format!("dateadd(day, -31, {ts})"), "2023-12-31 12:00:00"),
        (format!("dateadd(hour, 13, {ts})"), "2024-02-01 01:00:00"),
        (format!("dateadd(minute, 90, {ts})"), "2024-01-31 13:30:00"),
        (format!("dateadd(second, -1, {ts})"), "2024-01-31 11:59:59"),
        (format!("dateadd(millisecond, 1500, {ts})"), "2024-01-31 12:00:01.5"),
        (format!("dateadd(microsecond, 1, {ts})"), "2024-01-31 12:00:00.000001"),
        (format!("timestampadd('day', 1, {ts})"), "2024-02-01 12:00:00"),
        (format!("dateadd('yyyy', 1, {ts})"), "2025-01-31 12:00:00"),
        // A DATE plus days, weeks, months... stays a DATE.
        ("dateadd(day, -7, '2024-03-05'::date)".into(), "2024-02-27"),
        ("dateadd(month, 1, '2016-01-31'::date)".into(), "2016-02-29"),
        // ADD_MONTHS keeps the end of the month; DATEADD keeps the day.
        (
            "add_months('2016-05-15'::timestamp_ntz, 2)".into(),
            "2016-07-15 00:00:00",
        ),
        ("add_months('2016-02-29'::date, 1)".into(), "2016-03-31"),
        ("add_months('2016-05-31'::date, -1)".into(), "2016-04-30"),
        ("dateadd(month, 1, '2016-02-29'::date)".into(), "2016-03-29"),
    ];
    let cases: Vec<(&str, &str)> = cases.iter().map(|(e, v)| (e.as_str(), *v)).collect();
    assert_snowflake_values(&cases, "");
}

#[test]
fn datediff_counts_the_boundaries_crossed_for_every_date_part() {
    assert_snowflake_values(
        &[
            // November 28 to December 5 is one month apart: the month part changed once.
            ("datediff(month, '2024-11-28'::date, '2024-12-05'::date)", "1"),
            ("datediff(year, '2023-12-31'::date, '2024-01-01'::date)", "1"),
            (
                "datediff(year, '2010-04-09 14:39:20'::timestamp_ntz, '2013-05-08 23:39:20'::timestamp_ntz)",
                "3",
            ),
            ("datediff(quarter, '2024-03-31'::date, '2024-04-01'::date)", "1"),
            // Weeks start on Monday: Sunday to Monday crosses one, Monday to Sunday none.
            ("datediff(week, '2024-03-03'::date, '2024-03-04'::date)", "1"),
            ("datediff(week, '2024-03-04'::date, '2024-03-10'::date)", "0"),
            (
                "datediff(day, '2024-03-01 23:59:00'::timestamp_ntz, '2024-03-02 00:01:00'::timestamp_ntz)",
                "1",
            ),
            (
                "datediff(hour, '2024-03-01 10:59:00'::timestamp_ntz, '2024-03-01 11:00:00'::timestamp_ntz)",
                "1",
            ),
            (
                "datediff(minute, '2024-03-01 10:00:59'::timestamp_ntz, '2024-03-01 10:01:00'::timestamp_ntz)",
                "1",
            ),
            (
                "datediff(second, '2024-03-01 10:00:00'::timestamp_ntz, '2024-03-01 10:01:00'::timestamp_ntz)",
                "60",
            ),
            (
                "datediff(millisecond, '2024-03-01 10:00:00'::timestamp_ntz, '2024-03-01 10:00:01.5'::timestamp_ntz)",
                "1500",
            ),
            (
                "datediff(microsecond, '2024-03-01 10:00:00'::timestamp_ntz, '2024-03-01 10:00:00.000002'::timestamp_ntz)",
                "2",
            ),
            ("timestampdiff(day, '2024-03-10'::date, '2024-03-01'::date)", "-9"),
        ],
        "",
    );
}

#[test]
fn date_trunc_last_day_and_convert_timezone() {
    assert_snowflake_values(
        &[
            (
                "date_trunc('month', '2024-05-08 23:39:20'::timestamp_ntz)",
                "2024-05-01 00:00:00",
            ),
            ("date_trunc(year, '2024-05-08'::date)", "2024-01-01"),
            (
                "date_trunc('hour', '2024-05-08 23:39:20'::timestamp_ntz)",
                "2024-05-08 23:00:00",
            ),
            ("last_day('2020-05-01 13:11:20'::timestamp_ntz)", "2020-05-31"),
            ("last_day('2020-08-21 01:30:05'::timestamp_ntz)", "2020-08-31"),
            ("last_day('2020-08-21 01:30:05'::timestamp_ntz, 'year')", "2020-12-31"),
            ("last_day(to_date('2025-05-08'))", "2025-05-31"),
            ("last_day('2024-02-10'::date, quarter)", "2024-03-31"),
            ("last_day('2024-02-29'::date)", "2024-02-29"),
            // Wall-clock time in Los Angeles to wall-clock time in New York.
            (
                "convert_timezone('America/Los_Angeles', 'America/New_York', '2019-01-01 14:00:00'::timestamp_ntz)",
                "2019-01-01 17:00:00",
            ),
        ],
        "",
    );
}

#[test]
fn to_date_to_timestamp_and_to_char_with_formats() {
    assert_snowflake_values(
        &[
            ("to_date('2024-02-29')", "2024-02-29"),
            ("to_date('31/12/2023', 'DD/MM/YYYY')", "2023-12-31"),
            ("to_date('2024.03.05', 'YYYY.MM.DD')", "2024-03-05"),
            ("try_to_date('not a date')", "NULL"),
            ("to_timestamp_ntz('2024-01-02 03:04:05')", "2024-01-02 03:04:05"),
            (
                "to_timestamp('04/05/2024 13:14', 'MM/DD/YYYY HH24:MI')",
                "2024-04-05 13:14:00",
            ),
            (
                "to_timestamp_ntz('2024-01-02T03:04:05', 'YYYY-MM-DD\"T\"HH24:MI:SS')",
                "2024-01-02 03:04:05",
            ),
            ("try_to_timestamp('2024-13-45 00:00:00')", "NULL"),
            ("to_char('2024-03-05'::date, 'YYYY/MM/DD')", "2024/03/05"),
            ("to_char('2024-03-05'::date, 'DD-MON-YYYY')", "05-Mar-2024"),
            (
                "to_varchar('2024-03-05 14:07:09'::timestamp_ntz, 'HH12:MI:SS AM')",
                "02:07:09 PM",
            ),
            ("to_char('2024-03-05'::date, 'MMMM DY')", "March Tue"),
        ],
        "",
    );
}
