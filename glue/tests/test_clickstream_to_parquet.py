import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from pyspark.sql import functions as F
from clickstream_to_parquet import (
    CLICKSTREAM_COLUMNS,
    PARTITION_COLUMNS,
    REJECT_PARTITIONS,
    HoursArgumentError,
    parse_hours,
    partition_predicate,
    transform_clickstream,
)

REPO = Path(__file__).resolve().parents[2]
SIGN_UP = "/wp-login.php?action=register"
SIGN_IN = "/wp-login.php"


def record(time, path="/", verb="GET", response=200, username=None, **extra):
    """A raw-zone record as the clickstream transform writes it (docs/architecture.md)."""
    value = {
        "host": "172.31.5.12",
        "ident": None,
        "authuser": None,
        "@timestamp": time.replace("Z", "+00:00"),
        "@timestamp_utc": time,
        "timezone": "+0000",
        "request": f"{verb} {path} HTTP/1.1",
        "verb": verb,
        "path": path,
        "protocol": "HTTP/1.1",
        "response": response,
        "bytes": 3820,
        "referer": "http://loglake.example/",
        "user-agent": "Mozilla/5.0",
        "username": username,
    }
    value.update(extra)
    return value


def raw_frame(spark, tmp_path, records):
    # Read as Glue reads the crawled NDJSON: schema inferred from the JSON, partition columns added.
    path = tmp_path / "raw.json"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    frame = spark.read.json(str(path))
    for name, value in (("year", "2026"), ("month", "11"), ("day", "22"), ("hour", "13")):
        frame = frame.withColumn(name, F.lit(value))
    return frame


SAMPLE = [
    record("2026-11-22T13:05:09Z", "/", username="alice"),
    record("2026-11-22T13:06:00Z", "/blog/hello-world", username="alice"),
    record("2026-11-22T13:06:01Z", "/wp-content/theme.css"),
    record("2026-11-22T13:07:00Z", SIGN_UP, verb="POST", response=302, username="bob"),
    record("2026-11-22T13:08:00Z", SIGN_IN, verb="POST", response=302, username="bob"),
    record("2026-11-22T13:09:00Z", "/checkout", response=500, username="carol"),
    record("2026-11-22T14:01:00Z", "/", username="dave"),
    record("2026-11-22T14:02:00Z", "/missing", response=404),
]


def test_types_records_in_the_table_order_partitioned_by_request_hour(spark, tmp_path):
    records, rejects = transform_clickstream(raw_frame(spark, tmp_path, SAMPLE[:1]))

    assert records.columns == [name for name, _ in CLICKSTREAM_COLUMNS] + PARTITION_COLUMNS
    [row] = records.collect()
    assert row.request_time == dt.datetime(2026, 11, 22, 13, 5, 9)
    assert (row.status, row.bytes, row.user_agent, row.username) == (200, 3820, "Mozilla/5.0", "alice")
    assert (row.dt, row.hour) == ("2026-11-22", "13")
    assert rejects.count() == 0


def test_rejects_records_it_cannot_type_keeping_the_record(spark, tmp_path):
    bad_time = record("yesterday", "/a")
    bad_status = record("2026-11-22T13:05:09Z", "/b", response="oops")

    records, rejects = transform_clickstream(raw_frame(spark, tmp_path, [SAMPLE[0], bad_time, bad_status]))

    assert records.count() == 1
    found = {(json.loads(r.record)["path"], r.reject_reason) for r in rejects.collect()}
    assert found == {("/a", "@timestamp_utc is not an ISO-8601 timestamp"), ("/b", "response is not a status code")}


def test_converting_an_hour_again_replaces_its_rejects_instead_of_adding_them(spark, tmp_path):
    # Every run converts whole hours; an hour converted twice (an object arrived after the first
    # time) must leave its rejects once, and another hour's rejects untouched.
    out = str(tmp_path / "rejects")
    bad = [record("yesterday", "/a")]
    _, hour13 = transform_clickstream(raw_frame(spark, tmp_path, bad))
    hour14 = hour13.withColumn("raw_hour", F.lit("14"))

    hour14.write.mode("overwrite").partitionBy(*REJECT_PARTITIONS).json(out)
    for _ in range(2):
        hour13.write.mode("overwrite").partitionBy(*REJECT_PARTITIONS).json(out)

    written = spark.read.json(out)
    assert sorted((r.raw_hour, r.reject_reason) for r in written.collect()) == [
        (13, "@timestamp_utc is not an ISO-8601 timestamp"),
        (14, "@timestamp_utc is not an ISO-8601 timestamp"),
    ]


def test_a_batch_without_usernames_still_has_the_column(spark, tmp_path):
    without = [{k: v for k, v in record("2026-11-22T13:05:09Z").items() if k != "username"}]

    [row] = transform_clickstream(raw_frame(spark, tmp_path, without))[0].collect()

    assert row.username is None


def test_hours_argument_and_partition_predicate():
    hours = parse_hours("2026-11-22T14, 2026-11-22T13,2026-11-22T14")

    assert hours == [("2026", "11", "22", "13"), ("2026", "11", "22", "14")]
    assert partition_predicate(hours) == (
        "(year='2026' AND month='11' AND day='22' AND hour='13') OR (year='2026' AND month='11' AND day='22' AND hour='14')"
    )
    with pytest.raises(HoursArgumentError, match="'2026-11-22 13' is not YYYY-MM-DDTHH"):
        parse_hours("2026-11-22 13")
    with pytest.raises(HoursArgumentError, match="names no hour"):
        parse_hours(" , ")


@pytest.fixture(scope="module")
def processed(spark, tmp_path_factory):
    """The sample as the job writes it: Parquet under dt=/hour=, read by DuckDB as Athena reads the table."""
    tmp = tmp_path_factory.mktemp("processed")
    records, _ = transform_clickstream(raw_frame(spark, tmp, SAMPLE))
    out = tmp / "clickstream"
    records.write.mode("overwrite").partitionBy(*PARTITION_COLUMNS).parquet(str(out))
    db = duckdb.connect()
    files = str(out / "**" / "*.parquet").replace("'", "''")
    db.execute(
        f"CREATE VIEW clickstream AS SELECT * FROM read_parquet('{files}', hive_partitioning = true, "
        "hive_types = {'dt': VARCHAR, 'hour': VARCHAR})"
    )
    return db


def run_sql(db, name, parameters):
    sql = (REPO / "sql" / "athena" / name).read_text()
    cursor = db.execute(sql, parameters)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def test_hourly_summary_counts_status_classes_page_views_sign_ups_sign_ins_and_users(processed):
    rows = run_sql(
        processed,
        "001_hourly_summary.sql",
        [SIGN_UP, SIGN_IN, SIGN_UP, "2026-11-22", "2026-11-22", "2026-11-2213", "2026-11-2214"],
    )

    assert [r["period"] for r in rows] == ["total", "2026-11-22T13", "2026-11-22T14"]
    total, thirteen, fourteen = rows
    assert total == {
        "period": "total",
        "requests": 8,
        "status_2xx": 4,
        "status_3xx": 2,
        "status_4xx": 1,
        "status_5xx": 1,
        "page_views": 3,
        "sign_ups": 1,
        "sign_ins": 1,
        "distinct_users": 4,
    }
    assert (thirteen["requests"], thirteen["status_5xx"], thirteen["distinct_users"]) == (6, 1, 3)
    assert (fourteen["requests"], fourteen["page_views"], fourteen["status_4xx"]) == (2, 1, 1)


def test_hourly_summary_keeps_to_the_range_and_has_a_total_row_when_it_is_empty(processed):
    only_14 = run_sql(
        processed, "001_hourly_summary.sql", [SIGN_UP, SIGN_IN, SIGN_UP, "2026-11-22", "2026-11-22", "2026-11-2214", "2026-11-2214"]
    )
    nothing = run_sql(
        processed, "001_hourly_summary.sql", [SIGN_UP, SIGN_IN, SIGN_UP, "2026-11-23", "2026-11-23", "2026-11-2300", "2026-11-2323"]
    )

    assert [(r["period"], r["requests"]) for r in only_14] == [("total", 2), ("2026-11-22T14", 2)]
    assert [(r["period"], r["requests"]) for r in nothing] == [("total", 0)]
    # No NULL in the total row: Athena omits VarCharValue for NULL, and the workflow reads every cell.
    assert all(value is not None for value in nothing[0].values()), nothing[0]


def test_top_paths_ranks_the_paths_of_each_hour(processed):
    rows = run_sql(processed, "002_top_paths.sql", ["2026-11-22", "2026-11-22", "2026-11-2213", "2026-11-2214"])

    thirteen = [(r["path_rank"], r["path"], r["requests"]) for r in rows if r["period"] == "2026-11-22T13"]
    assert len(thirteen) == 5
    assert thirteen[0] == (1, "/", 1)
    assert [r["period"] for r in rows].count("2026-11-22T14") == 2
