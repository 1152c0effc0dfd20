//! Snowflake results into the engine's rows of JSON values. A result comes as a JSON `rowset`
//! (every cell a string in Snowflake's wire form) or as Arrow IPC (`rowsetBase64`, and Arrow
//! chunks), described by `rowtype` (Snowflake's logical type, precision and scale per column).
//!
//! Cells come out as the DuckDB adapter gives them, so that `mozt show` and tests read the same
//! on both engines: integers as JSON integers, decimals and floats as JSON numbers, booleans,
//! dates as `YYYY-MM-DD`, times as `HH:MM:SS[.ffffff]`, TIMESTAMP_NTZ as
//! `YYYY-MM-DD HH:MM:SS[.ffffff]`, TIMESTAMP_LTZ in UTC and TIMESTAMP_TZ in its own offset with
//! `+HH:MM` appended, VARIANT/OBJECT/ARRAY as parsed JSON, BINARY as hex, NULL as null.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch, StructArray};
use arrow_schema::{DataType, TimeUnit};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use serde_json::Value;

use crate::error::{Error, Result};

/// One column of a result, from `rowtype`.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// Snowflake's logical type, lower case: fixed, real, text, boolean, date, time,
    /// timestamp_ntz, timestamp_ltz, timestamp_tz, variant, object, array, binary.
    pub kind: String,
    pub scale: u32,
}

pub fn columns(rowtype: &Value) -> Vec<Column> {
    rowtype
        .as_array()
        .map(|cols| {
            cols.iter()
                .map(|c| Column {
                    name: c.get("name").and_then(Value::as_str).unwrap_or("").to_string(),
                    kind: c
                        .get("type")
                        .and_then(Value::as_str)
                        .unwrap_or("text")
                        .to_ascii_lowercase(),
                    scale: c.get("scale").and_then(Value::as_u64).unwrap_or(0).min(38) as u32,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A column's type as Snowflake names it in `describe`: NUMBER(38,2), TEXT, TIMESTAMP_NTZ.
pub fn type_name(c: &Column) -> String {
    match c.kind.as_str() {
        "fixed" => format!("NUMBER(38,{})", c.scale),
        "real" => "FLOAT".to_string(),
        other => other.to_ascii_uppercase(),
    }
}

fn bad(what: impl std::fmt::Display) -> Error {
    Error::runtime(format!("cannot read a Snowflake result: {what}"))
}

// ---------------------------------------------------------------- JSON rowset

/// Decode a JSON rowset: an array of rows, each an array of strings or nulls.
pub fn json_rows(cols: &[Column], rowset: &Value) -> Result<Vec<Vec<Value>>> {
    let rows = rowset.as_array().ok_or_else(|| bad("rowset is not an array"))?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let cells = row.as_array().ok_or_else(|| bad("a row is not an array"))?;
        let mut decoded = Vec::with_capacity(cells.len());
        for (i, cell) in cells.iter().enumerate() {
            let col = cols.get(i);
            decoded.push(match (cell, col) {
                (Value::Null, _) => Value::Null,
                (Value::String(s), Some(c)) => json_cell(c, s),
                (Value::String(s), None) => Value::String(s.clone()),
                (other, _) => other.clone(),
            });
        }
        out.push(decoded);
    }
    Ok(out)
}

/// A JSON result chunk: rows separated by commas, without the enclosing brackets.
pub fn json_chunk(cols: &[Column], body: &[u8]) -> Result<Vec<Vec<Value>>> {
    let text = std::str::from_utf8(body).map_err(|_| bad("a JSON chunk is not UTF-8"))?;
    let trimmed = text.trim();
    let wrapped = if trimmed.starts_with("[[") || trimmed == "[]" || trimmed.is_empty() {
        if trimmed.is_empty() {
            "[]".to_string()
        } else {
            trimmed.to_string()
        }
    } else {
        format!("[{trimmed}]")
    };
    let value: Value = serde_json::from_str(&wrapped).map_err(|e| bad(format!("a JSON chunk does not parse: {e}")))?;
    json_rows(cols, &value)
}

fn json_cell(col: &Column, s: &str) -> Value {
    match col.kind.as_str() {
        "fixed" => fixed_from_text(s, col.scale),
        "real" | "float" | "double" => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(s.to_string())),
        "boolean" => match s {
            "1" | "true" | "TRUE" | "True" => Value::Bool(true),
            "0" | "false" | "FALSE" | "False" => Value::Bool(false),
            _ => Value::String(s.to_string()),
        },
        "date" => s
            .parse::<i64>()
            .ok()
            .and_then(date_from_days)
            .unwrap_or_else(|| Value::String(s.to_string())),
        "time" => parse_scaled(s)
            .and_then(|nanos| time_from_nanos(nanos as i64))
            .unwrap_or_else(|| Value::String(s.to_string())),
        "timestamp_ntz" => parse_scaled(s)
            .and_then(ntz_from_nanos)
            .unwrap_or_else(|| Value::String(s.to_string())),
        "timestamp_ltz" => parse_scaled(s)
            .and_then(|n| tz_from_nanos(n, 0))
            .unwrap_or_else(|| Value::String(s.to_string())),
        "timestamp_tz" => {
            // "<epoch seconds.fraction> <offset minutes + 1440>"
            let mut parts = s.split_whitespace();
            let epoch = parts.next().and_then(parse_scaled);
            let offset = parts.next().and_then(|o| o.parse::<i32>().ok()).map(|o| o - 1440);
            match (epoch, offset) {
                (Some(n), Some(off)) => tz_from_nanos(n, off),
                (Some(n), None) => tz_from_nanos(n, 0),
                _ => None,
            }
            .unwrap_or_else(|| Value::String(s.to_string()))
        }
        "variant" | "object" | "array" | "map" => {
            serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.to_string()))
        }
        _ => Value::String(s.to_string()),
    }
}

/// A decimal in text (`"-12.50"`): an integer when it has no fraction, else a float.
fn fixed_from_text(s: &str, scale: u32) -> Value {
    if scale == 0 && !s.contains(['.', 'e', 'E']) {
        if let Ok(i) = s.parse::<i64>() {
            return Value::from(i);
        }
        return Value::String(s.to_string());
    }
    s.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .unwrap_or_else(|| Value::String(s.to_string()))
}

/// `"1720000000.123456789"` (seconds with a fraction, possibly negative) as nanoseconds.
fn parse_scaled(s: &str) -> Option<i128> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if frac.len() > 9 || !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let int: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac_nanos: i128 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().ok()?
    };
    let n = int * 1_000_000_000 + frac_nanos;
    Some(if neg { -n } else { n })
}

// ---------------------------------------------------------------- values

fn date_from_days(days: i64) -> Option<Value> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?
        .checked_add_signed(chrono::Duration::days(days))
        .map(|d| Value::String(d.to_string()))
}

fn time_from_nanos(nanos: i64) -> Option<Value> {
    let secs = nanos.div_euclid(1_000_000_000);
    let frac = nanos.rem_euclid(1_000_000_000);
    NaiveTime::from_num_seconds_from_midnight_opt(u32::try_from(secs).ok()?, frac as u32)
        .map(|t| Value::String(t.format("%H:%M:%S%.f").to_string()))
}

fn split_nanos(n: i128) -> Option<(i64, u32)> {
    let secs = i64::try_from(n.div_euclid(1_000_000_000)).ok()?;
    Some((secs, n.rem_euclid(1_000_000_000) as u32))
}

fn ntz_from_nanos(n: i128) -> Option<Value> {
    let (secs, frac) = split_nanos(n)?;
    DateTime::from_timestamp(secs, frac)
        .map(|t| Value::String(t.naive_utc().format("%Y-%m-%d %H:%M:%S%.f").to_string()))
}

/// An instant (UTC nanoseconds) shown at a fixed offset (minutes east of UTC).
fn tz_from_nanos(n: i128, offset_minutes: i32) -> Option<Value> {
    let (secs, frac) = split_nanos(n)?;
    let offset = FixedOffset::east_opt(offset_minutes.checked_mul(60)?)?;
    DateTime::from_timestamp(secs, frac)
        .map(|t| Value::String(t.with_timezone(&offset).format("%Y-%m-%d %H:%M:%S%.f%:z").to_string()))
}

fn pow10(scale: u32) -> i128 {
    10i128.pow(scale.min(38))
}

/// A scaled integer (`12345` at scale 2 = 123.45) as a JSON number.
fn scaled_number(v: i128, scale: u32) -> Value {
    if scale == 0 {
        return i64::try_from(v)
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(v.to_string()));
    }
    let p = pow10(scale);
    let neg = v < 0;
    let abs = v.unsigned_abs();
    let text = format!(
        "{}{}.{:0width$}",
        if neg { "-" } else { "" },
        abs / p as u128,
        abs % p as u128,
        width = scale as usize
    );
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .unwrap_or(Value::String(text))
}

// ---------------------------------------------------------------- Arrow

/// Decode an Arrow IPC stream (the bytes of `rowsetBase64`, or of an Arrow chunk).
pub fn arrow_rows(cols: &[Column], bytes: &[u8]) -> Result<Vec<Vec<Value>>> {
    if bytes.is_empty() {
        return Ok(vec![]);
    }
    let relaxed = relax_nullability(bytes);
    let bytes = relaxed.as_deref().unwrap_or(bytes);
    let reader = arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None)
        .map_err(|e| bad(format!("Arrow stream: {e}")))?;
    let mut out = vec![];
    for batch in reader {
        let batch = batch.map_err(|e| bad(format!("Arrow batch: {e}")))?;
        append_batch(cols, &batch, &mut out)?;
    }
    Ok(out)
}

/// The same stream with every field (and nested field) declared nullable, when any is not.
///
/// Snowflake-style timestamp structs declare `epoch`/`fraction` non-nullable, and a server may
/// mark a null timestamp by nulls in those children rather than in the struct itself (the
/// emulator does); Arrow refuses such a batch. Only the schema message changes: record batches
/// do not carry nullability, so their bytes follow unchanged. None when nothing needs changing
/// or the stream does not start the usual way (then it is read as it is).
fn relax_nullability(bytes: &[u8]) -> Option<Vec<u8>> {
    let word = |at: usize| -> Option<u32> { Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?)) };
    let (meta_start, len) = if word(0)? == 0xFFFF_FFFF {
        (8, word(4)? as usize)
    } else {
        (4, word(0)? as usize)
    };
    let meta = bytes.get(meta_start..meta_start + len)?;
    let message = arrow_ipc::root_as_message(meta).ok()?;
    if message.bodyLength() != 0 {
        return None;
    }
    let schema = arrow_ipc::convert::fb_to_schema(message.header_as_schema()?);
    fn strict(dt: &DataType) -> bool {
        match dt {
            DataType::Struct(fields) => fields.iter().any(|f| !f.is_nullable() || strict(f.data_type())),
            DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
                !f.is_nullable() || strict(f.data_type())
            }
            _ => false,
        }
    }
    fn relax(field: &arrow_schema::Field) -> arrow_schema::Field {
        let dt = match field.data_type() {
            DataType::Struct(fields) => DataType::Struct(fields.iter().map(|f| relax(f)).collect::<Vec<_>>().into()),
            other => other.clone(),
        };
        field.clone().with_data_type(dt).with_nullable(true)
    }
    if !schema
        .fields()
        .iter()
        .any(|f| !f.is_nullable() || strict(f.data_type()))
    {
        return None;
    }
    let relaxed = arrow_schema::Schema::new_with_metadata(
        schema.fields().iter().map(|f| relax(f)).collect::<Vec<_>>(),
        schema.metadata().clone(),
    );
    let options = arrow_ipc::writer::IpcWriteOptions::default();
    let encoded = arrow_ipc::writer::IpcDataGenerator::default().schema_to_bytes_with_dictionary_tracker(
        &relaxed,
        &mut arrow_ipc::writer::DictionaryTracker::new(false),
        &options,
    );
    let mut out = vec![];
    arrow_ipc::writer::write_message(&mut out, encoded, &options).ok()?;
    // Each message is padded to 8 bytes, so the rest starts where the old schema message ended.
    let end = meta_start + len;
    out.extend_from_slice(bytes.get(end..)?);
    Some(out)
}

fn append_batch(cols: &[Column], batch: &RecordBatch, out: &mut Vec<Vec<Value>>) -> Result<()> {
    let start = out.len();
    for _ in 0..batch.num_rows() {
        out.push(Vec::with_capacity(batch.num_columns()));
    }
    for (i, array) in batch.columns().iter().enumerate() {
        let field = batch.schema_ref().field(i).clone();
        // The column's logical type and scale: from rowtype, else from the field's metadata.
        let meta = field.metadata();
        let col = cols.get(i).cloned().unwrap_or_else(|| Column {
            name: field.name().clone(),
            kind: meta
                .get("logicalType")
                .map(|s| s.to_ascii_lowercase())
                .unwrap_or_else(|| "text".into()),
            scale: meta.get("scale").and_then(|s| s.parse().ok()).unwrap_or(0),
        });
        for row in 0..batch.num_rows() {
            let v = arrow_cell(&col, array, row)?;
            out[start + row].push(v);
        }
    }
    Ok(())
}

fn int_at(array: &ArrayRef, row: usize) -> Option<i128> {
    Some(match array.data_type() {
        DataType::Int8 => array.as_primitive::<Int8Type>().value(row) as i128,
        DataType::Int16 => array.as_primitive::<Int16Type>().value(row) as i128,
        DataType::Int32 => array.as_primitive::<Int32Type>().value(row) as i128,
        DataType::Int64 => array.as_primitive::<Int64Type>().value(row) as i128,
        DataType::UInt8 => array.as_primitive::<UInt8Type>().value(row) as i128,
        DataType::UInt16 => array.as_primitive::<UInt16Type>().value(row) as i128,
        DataType::UInt32 => array.as_primitive::<UInt32Type>().value(row) as i128,
        DataType::UInt64 => array.as_primitive::<UInt64Type>().value(row) as i128,
        DataType::Decimal128(_, _) => array.as_primitive::<Decimal128Type>().value(row),
        _ => return None,
    })
}

fn text_at(array: &ArrayRef, row: usize) -> Option<String> {
    Some(match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().value(row).to_string(),
        DataType::LargeUtf8 => array.as_string::<i64>().value(row).to_string(),
        DataType::Utf8View => array.as_string_view().value(row).to_string(),
        _ => return None,
    })
}

fn struct_field<'a>(s: &'a StructArray, name: &str) -> Option<&'a ArrayRef> {
    s.column_by_name(name)
}

/// Nanoseconds since the epoch of a timestamp cell: a scaled integer, or a struct of `epoch`
/// (seconds, or scaled when there is no `fraction`) and `fraction` (nanoseconds).
fn timestamp_nanos(col: &Column, array: &ArrayRef, row: usize) -> Option<(i128, Option<i32>)> {
    match array.data_type() {
        DataType::Struct(_) => {
            let s = array.as_struct();
            let epoch = int_at(struct_field(s, "epoch")?, row)?;
            let tz = struct_field(s, "timezone")
                .and_then(|a| int_at(a, row))
                .map(|t| t as i32 - 1440);
            let nanos = match struct_field(s, "fraction") {
                Some(f) => epoch * 1_000_000_000 + int_at(f, row)?,
                None => epoch * 1_000_000_000 / pow10(col.scale),
            };
            Some((nanos, tz))
        }
        DataType::Timestamp(unit, _) => {
            let nanos = match unit {
                TimeUnit::Second => array.as_primitive::<TimestampSecondType>().value(row) as i128 * 1_000_000_000,
                TimeUnit::Millisecond => {
                    array.as_primitive::<TimestampMillisecondType>().value(row) as i128 * 1_000_000
                }
                TimeUnit::Microsecond => array.as_primitive::<TimestampMicrosecondType>().value(row) as i128 * 1_000,
                TimeUnit::Nanosecond => array.as_primitive::<TimestampNanosecondType>().value(row) as i128,
            };
            Some((nanos, None))
        }
        _ => {
            let v = int_at(array, row)?;
            Some((v * 1_000_000_000 / pow10(col.scale), None))
        }
    }
}

fn arrow_cell(col: &Column, array: &ArrayRef, row: usize) -> Result<Value> {
    if array.is_null(row) {
        return Ok(Value::Null);
    }
    let dt = array.data_type();
    let v = match col.kind.as_str() {
        "fixed" => match dt {
            DataType::Decimal128(_, s) => scaled_number(array.as_primitive::<Decimal128Type>().value(row), *s as u32),
            // A NUMBER(p, 0) sent as a float (the emulator does for some sums) is still a whole number.
            DataType::Float64 | DataType::Float32 => match float_at(array, row) {
                Value::Number(n)
                    if col.scale == 0 && n.as_f64().is_some_and(|f| f.fract() == 0.0 && f.abs() < 9e15) =>
                {
                    Value::from(n.as_f64().unwrap_or(0.0) as i64)
                }
                other => other,
            },
            _ => match int_at(array, row) {
                Some(v) => scaled_number(v, col.scale),
                None => generic(array, row),
            },
        },
        "real" | "float" | "double" => float_at(array, row),
        "boolean" => match dt {
            DataType::Boolean => Value::Bool(array.as_boolean().value(row)),
            _ => generic(array, row),
        },
        "date" => match dt {
            DataType::Date32 => {
                date_from_days(array.as_primitive::<Date32Type>().value(row) as i64).unwrap_or(Value::Null)
            }
            _ => int_at(array, row)
                .and_then(|d| date_from_days(d as i64))
                .unwrap_or_else(|| generic(array, row)),
        },
        "time" => int_at(array, row)
            .and_then(|v| time_from_nanos((v * 1_000_000_000 / pow10(col.scale)) as i64))
            .unwrap_or_else(|| generic(array, row)),
        "timestamp_ntz" => timestamp_nanos(col, array, row)
            .and_then(|(n, _)| ntz_from_nanos(n))
            .unwrap_or_else(|| generic(array, row)),
        "timestamp_ltz" => timestamp_nanos(col, array, row)
            .and_then(|(n, _)| tz_from_nanos(n, 0))
            .unwrap_or_else(|| generic(array, row)),
        "timestamp_tz" => timestamp_nanos(col, array, row)
            .and_then(|(n, tz)| tz_from_nanos(n, tz.unwrap_or(0)))
            .unwrap_or_else(|| generic(array, row)),
        "variant" | "object" | "array" | "map" => match text_at(array, row) {
            Some(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
            None => generic(array, row),
        },
        _ => generic(array, row),
    };
    Ok(v)
}

fn float_at(array: &ArrayRef, row: usize) -> Value {
    let f = match array.data_type() {
        DataType::Float64 => array.as_primitive::<Float64Type>().value(row),
        DataType::Float32 => array.as_primitive::<Float32Type>().value(row) as f64,
        _ => return generic(array, row),
    };
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or_else(|| Value::String(f.to_string()))
}

/// A cell by its Arrow type alone (text, and whatever a server sends that rowtype does not say).
fn generic(array: &ArrayRef, row: usize) -> Value {
    if let Some(s) = text_at(array, row) {
        return Value::String(s);
    }
    if let Some(i) = int_at(array, row) {
        return match array.data_type() {
            DataType::Decimal128(_, s) => scaled_number(i, *s as u32),
            _ => scaled_number(i, 0),
        };
    }
    match array.data_type() {
        DataType::Boolean => Value::Bool(array.as_boolean().value(row)),
        DataType::Float32 | DataType::Float64 => float_at(array, row),
        DataType::Date32 => date_from_days(array.as_primitive::<Date32Type>().value(row) as i64).unwrap_or(Value::Null),
        DataType::Binary => Value::String(hex(array.as_binary::<i32>().value(row))),
        DataType::LargeBinary => Value::String(hex(array.as_binary::<i64>().value(row))),
        DataType::Null => Value::Null,
        other => Value::String(format!("<{other}>")),
    }
}

/// Binary values print as upper-case hex, as Snowflake shows them.
fn hex(bytes: &[u8]) -> String {
    crate::hash::hex(bytes).to_ascii_uppercase()
}

#[cfg(test)]
mod tests;
