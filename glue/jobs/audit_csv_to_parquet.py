"""Glue job: one completed audit-log batch from CSV to typed Parquet.

The completion-token workflow starts it with --batch_id and --manifest_uri. It reads exactly the
CSV files the batch's manifest lists (bookmarks skip files an earlier successful run already
processed), types the columns, and overwrites the batch's Parquet under --processed_uri, partitioned
by customer and event date. Rows that cannot be typed go to --rejects_uri with the reason: nothing
is dropped in silence.

The transformation is pure (DataFrame in, DataFrames out) so pytest runs it on a local Spark;
the awsglue and boto3 imports live in main(), which only Glue runs.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

# Column order is the Redshift table's (sql/redshift/003_wau_audit_logs.sql): COPY from
# Parquet maps columns by position.
AUDIT_COLUMNS: list[tuple[str, str]] = [
    ("event_id", "string"),
    ("customer", "string"),
    ("event_time", "timestamp"),
    ("event_date", "date"),
    ("user_name", "string"),
    ("action", "string"),
    ("resource", "string"),
    ("source_ip", "string"),
    ("status", "string"),
]
# Spark moves partition columns out of the files, but COPY needs every column in them:
# the partitions are copies, so the files stay whole.
PARTITION_COLUMNS = ["partition_customer", "partition_date"]
REQUIRED = ["event_id", "customer", "event_time", "action"]


class MissingColumnsError(ValueError):
    """The CSVs lack columns the audit table needs: the batch cannot be typed at all."""


class ManifestError(ValueError):
    """The batch manifest is not the one the aggregator writes."""


def source_paths(manifest: dict[str, Any], batch_id: str) -> list[str]:
    """The batch's CSV objects (s3:// URIs) that hold a header, from the aggregator's manifest."""
    if manifest.get("batchId") != batch_id:
        raise ManifestError(f"manifest is for batch {manifest.get('batchId')!r}, not {batch_id!r}")
    files = manifest.get("files")
    bucket = manifest.get("bucket")
    if not isinstance(files, list) or not isinstance(bucket, str):
        raise ManifestError("manifest needs a bucket and a list of files")
    # An empty source yields an empty object: no header, nothing to read.
    return [f"s3://{bucket}/{f['key']}" for f in files if f.get("bytes", 0) > 0]


def _blank(column: str) -> F.Column:
    return F.col(column).isNull() | (F.trim(F.col(column)) == "")


def transform_audit_records(raw: DataFrame, batch_id: str) -> tuple[DataFrame, DataFrame]:
    """Types raw CSV rows (every column a string) into audit records.

    Returns (records, rejects): records in the table's column order plus the partition copies,
    one row per event_id (the latest event_time wins); rejects keep the raw values with a reason.
    """
    missing = [name for name, _ in AUDIT_COLUMNS if name not in raw.columns and name != "event_date"]
    if missing:
        raise MissingColumnsError(f"batch {batch_id}: CSV columns missing: {', '.join(missing)}")
    text = raw.select(
        *[F.col(c).cast("string").alias(c) for c in raw.columns],
        *([] if "event_date" in raw.columns else [F.lit(None).cast("string").alias("event_date")]),
    )
    typed_time = F.to_timestamp(F.col("event_time"))
    typed_date = F.when(_blank("event_date"), F.to_date(typed_time)).otherwise(F.to_date(F.col("event_date"), "yyyy-MM-dd"))
    reason = F.coalesce(
        *[F.when(_blank(c), F.lit(f"missing {c}")) for c in REQUIRED],
        F.when(typed_time.isNull(), F.lit("event_time is not an ISO-8601 timestamp")),
        F.when(typed_date.isNull(), F.lit("event_date is not a yyyy-MM-dd date")),
    )
    checked = text.withColumn("reject_reason", reason)

    rejects = checked.where(F.col("reject_reason").isNotNull()).withColumn("batch_id", F.lit(batch_id))
    good = checked.where(F.col("reject_reason").isNull())
    typed = good.select(
        *[
            (typed_time if name == "event_time" else typed_date if name == "event_date" else F.col(name)).alias(name)
            for name, _ in AUDIT_COLUMNS
        ]
    )
    # A batch may repeat an event (a customer export re-sent): keep one, deterministically.
    latest = Window.partitionBy("event_id").orderBy(F.col("event_time").desc(), *[F.col(n) for n, _ in AUDIT_COLUMNS[3:]])
    records = (
        typed.withColumn("_rank", F.row_number().over(latest))
        .where(F.col("_rank") == 1)
        .drop("_rank")
        .withColumn("partition_customer", F.col("customer"))
        .withColumn("partition_date", F.date_format("event_date", "yyyy-MM-dd"))
    )
    return records, rejects


def batch_uri(base_uri: str, batch_id: str) -> str:
    return f"{base_uri.rstrip('/')}/batch={batch_id}/"


def main() -> None:  # pragma: no cover - runs only inside Glue
    import boto3
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext

    args = getResolvedOptions(sys.argv, ["JOB_NAME", "batch_id", "manifest_uri", "processed_uri", "rejects_uri"])
    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    logger = glue_context.get_logger()

    batch_id = args["batch_id"]
    bucket, _, key = args["manifest_uri"].removeprefix("s3://").partition("/")
    manifest = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    paths = source_paths(manifest, batch_id)

    if paths:
        frame = glue_context.create_dynamic_frame.from_options(
            connection_type="s3",
            connection_options={"paths": paths},
            format="csv",
            format_options={"withHeader": True, "multiLine": True, "quoteChar": '"'},
            transformation_ctx="audit_csv",
        ).toDF()
        # The emptiness check, the records and the rejects each read it: read the CSVs once.
        frame = frame.cache()
    else:
        frame = None

    if frame is None or frame.rdd.isEmpty():
        # Bookmarks say an earlier run already wrote this batch: its Parquet stays as it is.
        logger.info(f"batch {batch_id}: nothing new to convert ({len(paths)} files listed)")
    else:
        records, rejects = transform_audit_records(frame, batch_id)
        records.write.mode("overwrite").partitionBy(*PARTITION_COLUMNS).parquet(
            batch_uri(args["processed_uri"], batch_id)
        )
        rejected = rejects.count()
        if rejected:
            rejects.write.mode("overwrite").json(batch_uri(args["rejects_uri"], batch_id))
        logger.info(f"batch {batch_id}: {len(paths)} files converted, {rejected} rows rejected")
    job.commit()


if __name__ == "__main__":
    main()
