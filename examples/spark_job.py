"""A ``spark-submit`` job: redact one string column of a table, or a folder of documents.

    # a table (Parquet, CSV with a header, or JSON Lines): adds <column>_redacted and its findings
    spark-submit examples/spark_job.py table  IN OUT --column note --policy auto --format parquet
    # a document dump: redacted files plus the audit report, as the `redact` CLI writes them
    spark-submit examples/spark_job.py files  IN_DIR OUT_DIR --policy hipaa --report OUT_DIR.report.jsonl

The key for keyed operators comes from ``--key-file NAME``: ship it with
``spark-submit --files /secure/redactor.key`` and pass its file name (``redactor.key``);
it is read on the executors and never enters the plan.  Without ``--master`` (or with
``--local N``) this script also runs on one machine.  See the README's Spark section.
"""

from __future__ import annotations

import argparse

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from redactor.spark import RedactorSpec, local_session, redact_column, redact_files


def main() -> None:
    """Parse the arguments, start (or join) the session and run the chosen job."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("job", choices=["table", "files"])
    parser.add_argument("source")
    parser.add_argument("out")
    parser.add_argument("--policy", default="auto", help="auto, gdpr, hipaa, pci_dss or a policy file")
    parser.add_argument("--key-file", help="key path or --files name on the executors")
    parser.add_argument("--column", default="text", help="table job: the string column to redact")
    parser.add_argument("--format", default="parquet", choices=["parquet", "csv", "json"])
    parser.add_argument("--report", help="files job: the driver's JSONL report (default: OUT.report.jsonl)")
    parser.add_argument("--local", type=int, help="run in local mode with N cores (no cluster)")
    args = parser.parse_args()

    spark = local_session(f"local[{args.local}]") if args.local else SparkSession.builder.getOrCreate()
    spec = RedactorSpec(args.policy, key_file=args.key_file)
    if args.job == "files":
        report = args.report or f"{args.out.rstrip('/')}.report.jsonl"
        summary = redact_files(spark, args.source, args.out, spec, report=report)
        print(summary)
        return
    reader = spark.read.option("header", "true") if args.format == "csv" else spark.read
    table = reader.format(args.format).load(args.source)
    result = redact_column(args.column, spec)
    redacted = (table.withColumn("_r", result)
                .withColumn(args.column, F.col("_r.text"))       # null where a row failed closed
                .withColumn(f"{args.column}_findings", F.col("_r.findings"))
                .withColumn(f"{args.column}_error", F.col("_r.error"))
                .drop("_r"))
    redacted.write.mode("errorifexists").format("parquet").save(args.out)


if __name__ == "__main__":
    main()
