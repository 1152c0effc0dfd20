use super::*;
use arrow_array::builder::{BooleanBuilder, Decimal128Builder, StringBuilder};
use arrow_array::{Date32Array, Float64Array, Int16Array, Int64Array, StringArray};
use arrow_schema::{Field, Fields, Schema};
use serde_json::json;
use std::sync::Arc;

fn col(name: &str, kind: &str, scale: u32) -> Column {
    Column {
        name: name.into(),
        kind: kind.into(),
        scale,
    }
}

fn ipc(batch: &RecordBatch) -> Vec<u8> {
    let mut buf = vec![];
    {
        let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut buf, &batch.schema()).unwrap();
        w.write(batch).unwrap();
        w.finish().unwrap();
    }
    buf
}

#[test]
fn rowtype_columns() {
    let rowtype = json!([
        {"name": "ID", "type": "FIXED", "scale": 0, "precision": 38},
        {"name": "PRICE", "type": "fixed", "scale": 2},
        {"name": "T", "type": "text", "scale": null}
    ]);
    assert_eq!(
        columns(&rowtype),
        vec![col("ID", "fixed", 0), col("PRICE", "fixed", 2), col("T", "text", 0)]
    );
}

#[test]
fn json_rowset_in_snowflake_wire_form() {
    let cols = vec![
        col("I", "fixed", 0),
        col("D", "fixed", 2),
        col("F", "real", 0),
        col("B", "boolean", 0),
        col("DT", "date", 0),
        col("TM", "time", 9),
        col("NTZ", "timestamp_ntz", 9),
        col("LTZ", "timestamp_ltz", 9),
        col("TZ", "timestamp_tz", 9),
        col("V", "variant", 0),
        col("S", "text", 0),
        col("N", "text", 0),
    ];
    let rowset = json!([[
        "42",
        "-12.50",
        "1.5",
        "1",
        "19905",
        "3723.500000000",
        "1719792000.123456000",
        "1719792000.000000000",
        "1719792000.000000000 1560",
        "{\"a\": [1, 2]}",
        "hello",
        null
    ]]);
    let rows = json_rows(&cols, &rowset).unwrap();
    assert_eq!(
        rows[0],
        vec![
            json!(42),
            json!(-12.5),
            json!(1.5),
            json!(true),
            json!("2024-07-01"),
            json!("01:02:03.500"),
            json!("2024-07-01 00:00:00.123456"),
            json!("2024-07-01 00:00:00+00:00"),
            json!("2024-07-01 02:00:00+02:00"),
            json!({"a": [1, 2]}),
            json!("hello"),
            Value::Null,
        ]
    );
    // Booleans also come as words; big integers stay exact as text.
    let rows = json_rows(
        &[col("B", "boolean", 0), col("I", "fixed", 0)],
        &json!([["false", "123456789012345678901234567890"]]),
    )
    .unwrap();
    assert_eq!(rows[0], vec![json!(false), json!("123456789012345678901234567890")]);
    // Negative timestamps (before 1970) keep their fraction.
    let rows = json_rows(&[col("T", "timestamp_ntz", 3)], &json!([["-1.500"]])).unwrap();
    assert_eq!(rows[0][0], json!("1969-12-31 23:59:58.500"));
}

#[test]
fn json_chunks_have_no_outer_brackets() {
    let cols = vec![col("A", "fixed", 0), col("B", "text", 0)];
    let rows = json_chunk(&cols, b"[\"1\", \"x\"],\n[\"2\", null]").unwrap();
    assert_eq!(rows, vec![vec![json!(1), json!("x")], vec![json!(2), Value::Null]]);
    assert!(json_chunk(&cols, b"").unwrap().is_empty());
}

#[test]
fn arrow_scalars_decimals_and_nulls() {
    let mut dec = Decimal128Builder::new().with_precision_and_scale(10, 2).unwrap();
    dec.append_value(-1250);
    dec.append_null();
    let mut b = BooleanBuilder::new();
    b.append_value(true);
    b.append_null();
    let mut s = StringBuilder::new();
    s.append_value("héllo");
    s.append_null();
    let mut v = StringBuilder::new();
    v.append_value("{\n  \"k\": 1\n}");
    v.append_value("[1,2]");
    let schema = Schema::new(vec![
        Field::new("I", DataType::Int64, true),
        Field::new("SCALED", DataType::Int16, true),
        Field::new("DEC", DataType::Decimal128(10, 2), true),
        Field::new("F", DataType::Float64, true),
        Field::new("B", DataType::Boolean, true),
        Field::new("S", DataType::Utf8, true),
        Field::new("DT", DataType::Date32, true),
        Field::new("V", DataType::Utf8, true),
    ]);
    let batch = RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(Int64Array::from(vec![Some(i64::MAX), None])),
            Arc::new(Int16Array::from(vec![Some(12345), Some(-5)])),
            Arc::new(dec.finish()),
            Arc::new(Float64Array::from(vec![Some(0.25), None])),
            Arc::new(b.finish()),
            Arc::new(s.finish()),
            Arc::new(Date32Array::from(vec![Some(19905), None])),
            Arc::new(v.finish()),
        ],
    )
    .unwrap();
    let cols = vec![
        col("I", "fixed", 0),
        col("SCALED", "fixed", 2),
        col("DEC", "fixed", 2),
        col("F", "real", 0),
        col("B", "boolean", 0),
        col("S", "text", 0),
        col("DT", "date", 0),
        col("V", "variant", 0),
    ];
    let rows = arrow_rows(&cols, &ipc(&batch)).unwrap();
    assert_eq!(
        rows,
        vec![
            vec![
                json!(i64::MAX),
                json!(123.45),
                json!(-12.5),
                json!(0.25),
                json!(true),
                json!("héllo"),
                json!("2024-07-01"),
                json!({"k": 1}),
            ],
            vec![
                Value::Null,
                json!(-0.05),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                json!([1, 2]),
            ],
        ]
    );
}

/// A timestamp in Snowflake's struct shape: an Int64 `epoch`, then the named Int32 parts.
fn timestamp_struct(epoch: Vec<i64>, parts: &[(&str, Vec<i32>)], valid: Option<Vec<bool>>) -> StructArray {
    let mut fields = vec![Field::new("epoch", DataType::Int64, false)];
    let mut arrays: Vec<arrow_array::ArrayRef> = vec![Arc::new(Int64Array::from(epoch))];
    for (name, values) in parts {
        fields.push(Field::new(*name, DataType::Int32, false));
        arrays.push(Arc::new(arrow_array::Int32Array::from(values.clone())));
    }
    StructArray::new(Fields::from(fields), arrays, valid.map(Into::into))
}

#[test]
fn arrow_timestamps_in_every_snowflake_shape() {
    // NTZ as a scaled integer (scale 3: milliseconds).
    let ntz_ms = Int64Array::from(vec![Some(1_719_792_000_123), None]);
    // NTZ as a struct of epoch seconds and nanosecond fraction.
    let ntz_struct = timestamp_struct(
        vec![1_719_792_000, 0],
        &[("fraction", vec![500_000_000, 0])],
        Some(vec![true, false]),
    );
    // TZ with epoch, fraction and timezone (offset minutes + 1440): +02:00.
    let tz3 = timestamp_struct(
        vec![1_719_792_000, 0],
        &[("fraction", vec![0, 0]), ("timezone", vec![1440 + 120, 1440])],
        None,
    );
    // TZ with a scaled epoch (scale 3) and timezone only: -05:00.
    let tz2 = timestamp_struct(
        vec![1_719_792_000_250, 0],
        &[("timezone", vec![1440 - 300, 1440])],
        None,
    );
    // LTZ as a scaled integer (scale 0), shown in UTC; TIME in nanoseconds (scale 9).
    let ltz = Int64Array::from(vec![Some(1_719_792_000), Some(-86_400)]);
    let time = Int64Array::from(vec![Some(3_723_000_000_000), Some(0)]);
    let schema = Schema::new(vec![
        Field::new("NTZ_MS", DataType::Int64, true),
        Field::new("NTZ_S", ntz_struct.data_type().clone(), true),
        Field::new("TZ3", tz3.data_type().clone(), true),
        Field::new("TZ2", tz2.data_type().clone(), true),
        Field::new("LTZ", DataType::Int64, true),
        Field::new("TM", DataType::Int64, true),
    ]);
    let batch = RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(ntz_ms),
            Arc::new(ntz_struct),
            Arc::new(tz3),
            Arc::new(tz2),
            Arc::new(ltz),
            Arc::new(time),
        ],
    )
    .unwrap();
    let cols = vec![
        col("NTZ_MS", "timestamp_ntz", 3),
        col("NTZ_S", "timestamp_ntz", 9),
        col("TZ3", "timestamp_tz", 9),
        col("TZ2", "timestamp_tz", 3),
        col("LTZ", "timestamp_ltz", 0),
        col("TM", "time", 9),
    ];
    let rows = arrow_rows(&cols, &ipc(&batch)).unwrap();
    assert_eq!(
        rows[0],
        vec![
            json!("2024-07-01 00:00:00.123"),
            json!("2024-07-01 00:00:00.500"),
            json!("2024-07-01 02:00:00+02:00"),
            json!("2024-06-30 19:00:00.250-05:00"),
            json!("2024-07-01 00:00:00+00:00"),
            json!("01:02:03"),
        ]
    );
    assert_eq!(rows[1][0], Value::Null);
    assert_eq!(rows[1][1], Value::Null);
    assert_eq!(rows[1][4], json!("1969-12-31 00:00:00+00:00"));
}

#[test]
fn arrow_without_rowtype_reads_field_metadata_and_empty_is_empty() {
    let field = Field::new("X", DataType::Int64, true).with_metadata(
        [
            ("logicalType".to_string(), "FIXED".to_string()),
            ("scale".to_string(), "1".to_string()),
        ]
        .into_iter()
        .collect(),
    );
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![field, Field::new("S", DataType::Utf8, true)])),
        vec![
            Arc::new(Int64Array::from(vec![15])),
            Arc::new(StringArray::from(vec!["a"])),
        ],
    )
    .unwrap();
    let rows = arrow_rows(&[], &ipc(&batch)).unwrap();
    assert_eq!(rows, vec![vec![json!(1.5), json!("a")]]);
    assert!(arrow_rows(&[], b"").unwrap().is_empty());
    assert!(arrow_rows(&[], b"not arrow").is_err());
}

#[test]
fn arrow_native_timestamps_are_read_too() {
    use arrow_array::{TimestampMicrosecondArray, TimestampSecondArray};
    let schema = Schema::new(vec![
        Field::new("A", DataType::Timestamp(TimeUnit::Microsecond, None), true),
        Field::new("B", DataType::Timestamp(TimeUnit::Second, None), true),
    ]);
    let batch = RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(TimestampMicrosecondArray::from(vec![Some(1_719_792_000_000_001)])),
            Arc::new(TimestampSecondArray::from(vec![Some(0)])),
        ],
    )
    .unwrap();
    let cols = vec![col("A", "timestamp_ntz", 9), col("B", "timestamp_ltz", 9)];
    let rows = arrow_rows(&cols, &ipc(&batch)).unwrap();
    assert_eq!(
        rows[0],
        vec![json!("2024-07-01 00:00:00.000001"), json!("1970-01-01 00:00:00+00:00")]
    );
}
