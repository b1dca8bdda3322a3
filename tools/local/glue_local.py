"""The demo's local stand-ins for Glue and Athena, around the project's real code.

  glue-clickstream  runs glue/jobs/clickstream_to_parquet.py's transform on local raw hours
  glue-audit        runs glue/jobs/audit_csv_to_parquet.py's transform on a batch's manifest
  athena            runs an sql/athena file with DuckDB on the local Parquet, as Athena would
  parquet-rows      prints the rows of Parquet files (the local Redshift's COPY reads them)

Paths are local directories laid out like the S3 lake. Output: one JSON line on stdout.
"""

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "glue" / "jobs"))
sys.path.insert(0, str(REPO / "glue"))


def spark_session():
    from local_spark import local_spark_session

    return local_spark_session("loglake-demo", cores=2)


def glue_clickstream(args):
    from clickstream_to_parquet import PARTITION_COLUMNS, REJECT_PARTITIONS, parse_hours, transform_clickstream

    spark = spark_session()
    hours = parse_hours(args.hours)
    paths = [f"{args.raw}/year={y}/month={m}/day={d}/hour={h}" for y, m, d, h in hours]
    paths = [p for p in paths if Path(p).exists()]
    raw = spark.read.option("basePath", args.raw).json(paths)
    records, rejects = transform_clickstream(raw)
    records.cache()
    written = records.count()
    records.write.mode(args.mode).partitionBy(*PARTITION_COLUMNS).parquet(args.processed)
    rejected = rejects.count()
    if rejected:
        rejects.write.mode(args.mode).partitionBy(*REJECT_PARTITIONS).json(args.rejects)
    return {"records": written, "rejects": rejected, "hours": len(hours)}


def glue_audit(args):
    from audit_csv_to_parquet import PARTITION_COLUMNS, batch_uri, source_paths, transform_audit_records

    spark = spark_session()
    manifest = json.loads(Path(args.manifest).read_text())
    paths = [
        str(Path(args.store) / uri.removeprefix("s3://")) for uri in source_paths(manifest, args.batch_id)
    ]
    raw = spark.read.csv(paths, header=True, multiLine=True, escape='"')
    records, rejects = transform_audit_records(raw, args.batch_id)
    records.cache()
    written = records.count()
    records.write.mode("overwrite").partitionBy(*PARTITION_COLUMNS).parquet(batch_uri(args.processed, args.batch_id))
    rejected = rejects.count()
    if rejected:
        rejects.write.mode("overwrite").json(batch_uri(args.rejects, args.batch_id))
    # Rows read, for the demo's reconciliation: read = written + rejected + replaced by a later copy.
    return {"records": written, "rejects": rejected, "rowsRead": raw.count(), "files": len(paths)}


def athena(args):
    import csv

    import duckdb

    db = duckdb.connect()
    files = f"{args.parquet}/**/*.parquet".replace("'", "''")
    db.execute(
        f"CREATE VIEW {args.table} AS SELECT * FROM read_parquet('{files}', hive_partitioning = true, "
        "hive_types = {'dt': VARCHAR, 'hour': VARCHAR})"
    )
    # Athena puts ExecutionParameters into the query as literal text, in order (a literal may
    # itself hold a "?": only the query's own placeholders are replaced).
    parts = Path(args.sql).read_text().split("?")
    literals = json.loads(args.parameters)
    if len(parts) - 1 != len(literals):
        raise ValueError(f"{args.sql} has {len(parts) - 1} parameters, {len(literals)} given")
    sql = parts[0] + "".join(literal + part for literal, part in zip(literals, parts[1:]))
    cursor = db.execute(sql)
    columns = [d[0] for d in cursor.description]
    rows = [["" if v is None else str(v) for v in row] for row in cursor.fetchall()]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL)
        writer.writerow(columns)
        writer.writerows(rows)
    return {"columns": columns, "rows": rows}


def parquet_rows(args):
    import duckdb

    files = f"{args.dir}/**/*.parquet".replace("'", "''")
    cursor = duckdb.connect().execute(f"SELECT * FROM read_parquet('{files}', hive_partitioning = false)")
    columns = [d[0] for d in cursor.description]
    return {"columns": columns, "rows": [[None if v is None else str(v) for v in row] for row in cursor.fetchall()]}


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    click = commands.add_parser("glue-clickstream")
    for name in ("--raw", "--hours", "--processed", "--rejects", "--mode"):
        click.add_argument(name, required=True)
    audit = commands.add_parser("glue-audit")
    for name in ("--manifest", "--store", "--batch-id", "--processed", "--rejects"):
        audit.add_argument(name, required=True)
    query = commands.add_parser("athena")
    for name in ("--sql", "--parameters", "--parquet", "--table", "--out"):
        query.add_argument(name, required=True)
    rows = commands.add_parser("parquet-rows")
    rows.add_argument("--dir", required=True)
    args = parser.parse_args()
    started = time.time()
    run = {"glue-clickstream": glue_clickstream, "glue-audit": glue_audit, "athena": athena, "parquet-rows": parquet_rows}[args.command]
    result = run(args)
    result["seconds"] = round(time.time() - started, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
