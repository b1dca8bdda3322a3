import datetime as dt
import json
from pathlib import Path

import pytest
from audit_csv_to_parquet import (
    AUDIT_COLUMNS,
    PARTITION_COLUMNS,
    ManifestError,
    MissingColumnsError,
    batch_uri,
    source_paths,
    transform_audit_records,
)

REPO = Path(__file__).resolve().parents[2]
HEADER = ["customer", "event_id", "event_time", "event_date", "user_name", "action", "resource", "source_ip", "status"]


def raw_frame(spark, rows, header=HEADER):
    return spark.createDataFrame(rows, schema=", ".join(f"{c} string" for c in header))


def row(event_id, event_time="2026-11-22T13:05:09Z", event_date="2026-11-22", customer="acme", action="login", **extra):
    values = {
        "customer": customer,
        "event_id": event_id,
        "event_time": event_time,
        "event_date": event_date,
        "user_name": "alice@acme.example",
        "action": action,
        "resource": "/console",
        "source_ip": "203.0.113.10",
        "status": "SUCCESS",
    }
    values.update(extra)
    return tuple(values[c] for c in HEADER)


def test_types_columns_in_the_redshift_table_order_with_partition_copies(spark):
    records, rejects = transform_audit_records(raw_frame(spark, [row("e-1")]), "2026-11-22T1300")

    assert records.columns == [name for name, _ in AUDIT_COLUMNS] + PARTITION_COLUMNS
    assert dict(records.dtypes)["event_time"] == "timestamp"
    assert dict(records.dtypes)["event_date"] == "date"
    [record] = records.collect()
    assert record.event_time == dt.datetime(2026, 11, 22, 13, 5, 9)
    assert record.event_date == dt.date(2026, 11, 22)
    assert (record.customer, record.partition_customer, record.partition_date) == ("acme", "acme", "2026-11-22")
    assert rejects.count() == 0


def test_reads_the_aggregator_copies_of_exports_as_people_make_them(spark, tmp_path):
    # What the aggregator writes (its jest tests check this fixture is its output): quoted commas,
    # quotes and line breaks; an Excel export's copy with its own customer column renamed; a
    # bare-CR export's copy with LF rows.
    copies = json.loads((REPO / "events/audit-log-aggregator/aggregated-copies.json").read_text())["files"]
    for key, text in copies.items():
        (tmp_path / key.replace("/", "_")).write_bytes(text.encode("utf-8"))
    raw = spark.read.csv(str(tmp_path), header=True, multiLine=True, escape='"')

    records, rejects = transform_audit_records(raw, "b1")

    by_id = {r.event_id: r for r in records.collect()}
    assert sorted(by_id) == [
        "5a7c0001",
        "5a7c0002",
        "7f1c2e90-0001",
        "7f1c2e90-0002",
        "7f1c2e90-0003",
        "7f1c2e90-0004",
        "wa7e0001",
        "wa7e0002",
    ]
    assert by_id["7f1c2e90-0002"].resource == "/reports/q3, final.xlsx"
    assert by_id["7f1c2e90-0003"].resource == '/users/carol?note="night shift"'
    assert by_id["7f1c2e90-0004"].resource == "/tickets/42 said:\nplease reset my token"
    assert {by_id["5a7c0001"].customer, by_id["wa7e0002"].customer} == {"stark", "wayne"}
    assert rejects.count() == 0


def test_rejects_rows_it_cannot_type_with_their_raw_values_and_reason(spark):
    raw = raw_frame(
        spark,
        [
            row("ok"),
            row("bad-time", event_time="yesterday"),
            row("bad-date", event_date="22/11/2026"),
            row("", event_time="2026-11-22T13:00:00Z"),
            row("no-action", action=" "),
        ],
    )

    records, rejects = transform_audit_records(raw, "b7")

    assert [r.event_id for r in records.collect()] == ["ok"]
    found = {(r.event_id, r.reject_reason, r.batch_id) for r in rejects.collect()}
    assert found == {
        ("bad-time", "event_time is not an ISO-8601 timestamp", "b7"),
        ("bad-date", "event_date is not a yyyy-MM-dd date", "b7"),
        ("", "missing event_id", "b7"),
        ("no-action", "missing action", "b7"),
    }
    assert {r.event_time for r in rejects.collect() if r.event_id == "bad-time"} == {"yesterday"}


def test_derives_a_missing_event_date_from_event_time(spark):
    raw = raw_frame(spark, [row("e-1", event_time="2026-11-21T23:59:59Z", event_date="")])

    [record] = transform_audit_records(raw, "b1")[0].collect()

    assert record.event_date == dt.date(2026, 11, 21)
    assert record.partition_date == "2026-11-21"


def test_keeps_one_row_per_event_id_the_latest_event_time(spark):
    raw = raw_frame(
        spark,
        [row("e-1", event_time="2026-11-22T13:00:00Z", status="DENIED"), row("e-1", event_time="2026-11-22T13:10:00Z")],
    )

    [record] = transform_audit_records(raw, "b1")[0].collect()

    assert (record.event_time, record.status) == (dt.datetime(2026, 11, 22, 13, 10), "SUCCESS")


def test_a_batch_without_the_audit_columns_is_a_named_error(spark):
    raw = raw_frame(spark, [("acme", "e-1")], header=["customer", "event_id"])

    with pytest.raises(MissingColumnsError, match="event_time, user_name, action"):
        transform_audit_records(raw, "b1")


def test_writes_parquet_partitioned_by_customer_and_date_that_reads_back_whole(spark, tmp_path):
    raw = raw_frame(spark, [row("e-1"), row("e-2", customer="globex", event_time="2026-11-21T10:00:00Z", event_date="")])
    records, _ = transform_audit_records(raw, "b1")
    out = batch_uri(str(tmp_path), "b1")

    records.write.mode("overwrite").partitionBy(*PARTITION_COLUMNS).parquet(out)

    written = sorted(str(p.relative_to(tmp_path)).rsplit("/", 1)[0] for p in tmp_path.rglob("*.parquet"))
    assert written == [
        "batch=b1/partition_customer=acme/partition_date=2026-11-22",
        "batch=b1/partition_customer=globex/partition_date=2026-11-21",
    ]
    # Each file alone holds every table column, as COPY reads it.
    one = next(tmp_path.rglob("*.parquet"))
    assert spark.read.parquet(str(one)).columns == [name for name, _ in AUDIT_COLUMNS]


def test_source_paths_lists_the_manifest_files_that_have_content():
    manifest = {
        "batchId": "b1",
        "bucket": "loglake-dev-audit",
        "files": [
            {"key": "csv/customer=acme/batch=b1/audit-000.csv", "bytes": 512},
            {"key": "csv/customer=umbrella/batch=b1/empty.csv", "bytes": 0},
        ],
    }

    assert source_paths(manifest, "b1") == ["s3://loglake-dev-audit/csv/customer=acme/batch=b1/audit-000.csv"]
    with pytest.raises(ManifestError, match="not 'b2'"):
        source_paths(manifest, "b2")
