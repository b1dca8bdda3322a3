"""Glue job: the clickstream raw zone (NDJSON from Firehose) to typed Parquet, by hour.

The catalog-then-ETL workflow starts it after the crawler with --hours (the request hours that
got new raw objects, `YYYY-MM-DDTHH`, comma-separated) and --write_mode:

- `append` (scheduled runs, bookmarks on): only raw files no earlier run converted are read,
  and their rows are added to their hours;
- `overwrite` (a manual run over a range, bookmarks off): every raw file of those hours is
  read and each hour's Parquet is replaced, so re-running a range never duplicates rows.

Rows that cannot be typed go to --rejects_uri with the reason. The transformation is pure so
pytest runs it on a local Spark; awsglue is imported in main(), which only Glue runs.
"""

from __future__ import annotations

import re
import sys

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

# The processed table's columns (template.yaml ClickstreamProcessedTable), in order.
CLICKSTREAM_COLUMNS: list[tuple[str, str]] = [
    ("request_time", "timestamp"),
    ("host", "string"),
    ("authuser", "string"),
    ("verb", "string"),
    ("path", "string"),
    ("protocol", "string"),
    ("status", "int"),
    ("bytes", "bigint"),
    ("referer", "string"),
    ("user_agent", "string"),
    ("username", "string"),
]
PARTITION_COLUMNS = ["dt", "hour"]
REJECT_PARTITIONS = ["raw_year", "raw_month", "raw_day", "raw_hour"]
HOUR = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2})$")


class HoursArgumentError(ValueError):
    """--hours is not a list of YYYY-MM-DDTHH hours."""


def parse_hours(argument: str) -> list[tuple[str, str, str, str]]:
    """`2026-11-22T13,2026-11-22T14` → [(year, month, day, hour), …], sorted, no repeats."""
    hours = sorted({h.strip() for h in argument.split(",") if h.strip()})
    if not hours:
        raise HoursArgumentError("--hours names no hour")
    parsed = []
    for hour in hours:
        match = HOUR.match(hour)
        if not match:
            raise HoursArgumentError(f"--hours: {hour!r} is not YYYY-MM-DDTHH")
        parsed.append(match.groups())
    return parsed


def partition_predicate(hours: list[tuple[str, str, str, str]]) -> str:
    """The raw table's push-down predicate: only the partitions of these hours are listed."""
    return " OR ".join(
        f"(year='{y}' AND month='{m}' AND day='{d}' AND hour='{h}')" for y, m, d, h in hours
    )


def _column(raw: DataFrame, name: str) -> F.Column:
    # Raw JSON fields may be missing from a whole batch (e.g. no clickstream cookie at all).
    return F.col(f"`{name}`") if name in raw.columns else F.lit(None)


def transform_clickstream(raw: DataFrame) -> tuple[DataFrame, DataFrame]:
    """Types raw clickstream records (the transform's JSON, as crawled) for the processed table.

    Returns (records, rejects): records in the table's column order plus `dt` and `hour` from
    the request time (UTC); rejects keep the raw record as JSON with the reason.
    """
    request_time = F.to_timestamp(_column(raw, "@timestamp_utc"))
    status = _column(raw, "response").cast("int")
    reason = F.coalesce(
        F.when(request_time.isNull(), F.lit("@timestamp_utc is not an ISO-8601 timestamp")),
        F.when(status.isNull(), F.lit("response is not a status code")),
    )
    checked = raw.withColumn("_reject_reason", reason)
    data_columns = [c for c in raw.columns if c not in ("year", "month", "day", "hour")]
    # Rejects keep the raw hour they came from, so re-converting an hour replaces its rejects too.
    raw_hour = [
        (F.col(c) if c in raw.columns else F.lit(None).cast("string")).alias(f"raw_{c}")
        for c in ("year", "month", "day", "hour")
    ]
    rejects = checked.where(F.col("_reject_reason").isNotNull()).select(
        F.to_json(F.struct(*[F.col(f"`{c}`") for c in data_columns])).alias("record"),
        F.col("_reject_reason").alias("reject_reason"),
        *raw_hour,
    )
    good = checked.where(F.col("_reject_reason").isNull())
    typed = {
        "request_time": request_time,
        "status": status,
        "bytes": F.coalesce(_column(good, "bytes").cast("bigint"), F.lit(0).cast("bigint")),
        "user_agent": _column(good, "user-agent").cast("string"),
    }
    records = good.select(
        *[(typed.get(name, _column(good, name).cast(kind))).alias(name) for name, kind in CLICKSTREAM_COLUMNS]
    )
    records = records.withColumn("dt", F.date_format("request_time", "yyyy-MM-dd")).withColumn(
        "hour", F.date_format("request_time", "HH")
    )
    return records, rejects


def main() -> None:  # pragma: no cover - runs only inside Glue
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext

    args = getResolvedOptions(
        sys.argv, ["JOB_NAME", "hours", "write_mode", "raw_database", "raw_table", "processed_uri", "rejects_uri"]
    )
    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    # overwrite replaces only the hours written, not the whole table.
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    hours = parse_hours(args["hours"])
    mode = "overwrite" if args["write_mode"] == "overwrite" else "append"

    raw = glue_context.create_dynamic_frame.from_catalog(
        database=args["raw_database"],
        table_name=args["raw_table"],
        push_down_predicate=partition_predicate(hours),
        transformation_ctx="raw_clickstream",
    ).toDF()
    # The emptiness check, the records and the rejects each read it: read the raw hours once.
    raw = raw.cache()
    if raw.rdd.isEmpty():
        glue_context.get_logger().info(f"nothing new in {len(hours)} hours")
    else:
        records, rejects = transform_clickstream(raw)
        records.write.mode(mode).partitionBy(*PARTITION_COLUMNS).parquet(args["processed_uri"])
        if rejects.take(1):
            # Every run converts whole hours (overwrite): their rejects are replaced by hour, not added again.
            rejects.write.mode(mode).partitionBy(*REJECT_PARTITIONS).json(args["rejects_uri"])
    job.commit()


if __name__ == "__main__":
    main()
