"""``redactor.spark`` in pyspark local mode (issue #7), with the shipped model.

One ``local[2]`` session for the module (two Python workers, each loading the model once;
the JVM needs Java 17+).  The data are kept small on purpose -- eight short texts and a
seven-file dump -- because every text costs a few model passes (one per label group of the
policy) in a worker and again in this process for the reference results.  What is checked:

* columns: ``redact_column`` gives exactly what the local ``Redactor`` gives on the same
  texts (redacted text, findings, policy, routed domain), with the key reaching the
  executors as a file shipped by ``SparkContext.addFile``; ``analyze_column`` gives the
  same findings without the text;
* bad rows (null, binary, too long, a text the model cannot window) cost only themselves
  and never come out in clear;
* the key is in no plan string and no pickled UDF; a bad policy or a missing key fails
  the job (not rows);
* each Python worker builds one engine and keeps it across jobs; the driver builds none;
* files: ``redact_files`` writes the same outputs and report records as the ``redact`` CLI
  on the same folder (key from the executors' ``REDACTOR_KEY_FILE``), and ``scan`` writes
  nothing but the report.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pyspark import cloudpickle
from pyspark.sql import SparkSession

from redactor import PolicyError, Redactor
from redactor.cli.main import main as redact_cli
from redactor.operators import KeyRing
from redactor.spark import RedactorSpec, analyze_column, local_session, redact_column, redact_files
from redactor.spark import spec as worker_engines
from redactor.spark.columns import _udf

TEXTS = [
    "Patient Maria Garcia, MRN 4482913, was admitted on 02/02/2024 with chest pain.",
    "Please refund card 4111 1111 1111 1111 and write to jane.doe@example.com.",
    "Transfer EUR 500 to IBAN DE89 3704 0044 0532 0130 00 for invoice 8812.",
    "Hi Tom, Priya Raman (priya.raman@example.com) asked for a prayer room.",
    "SSN 219-45-6789 belongs to John Smith of 12 Elm Street, Springfield.",
    "The quarterly report is due on Friday; nothing personal here.",
    "api_key=sk_live_51HqLyjWDarjtT1zdp7dc in config.yaml",
    "",
]
PII = ("4111 1111 1111 1111", "jane.doe@example.com", "DE89 3704 0044 0532 0130 00", "219-45-6789",
       "priya.raman@example.com")
SHIPPED_KEY = "shipped.key"  # the name the column tests give: Spark ships the file to every worker
# _IDLE: Spark ends a Python worker that has been idle for a minute (a fixed constant), and its
# successor loads the model again; so each test does its slow local work (the reference
# results) before its Spark jobs, and the jobs of consecutive tests follow each other.


# -- the session -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two different keys, so a result made with the wrong one cannot pass: ``shipped`` goes to
    the workers with ``addFile``, ``env`` through their ``REDACTOR_KEY_FILE``."""
    folder = tmp_path_factory.mktemp("keys")
    return {name: KeyRing.generate().write_key_file(folder / f"{name}.key") for name in ("shipped", "env")}


@pytest.fixture(scope="module")
def spark(keys: dict[str, Path]) -> Iterator[SparkSession]:
    session = local_session("local[2]", "redactor-tests", {
        "spark.executorEnv.REDACTOR_KEY_FILE": str(keys["env"]),
        "spark.sql.shuffle.partitions": "2", "spark.log.level": "ERROR"})
    session.sparkContext.addFile(str(keys["shipped"]))
    yield session
    session.stop()


def _frame(spark: SparkSession, texts: list[Any], schema: str = "id int, text string") -> Any:
    """Rows spread over both workers (two partitions)."""
    return spark.createDataFrame(list(enumerate(texts)), schema).repartition(2, "id")


def _findings(findings: list[Any]) -> list[tuple[Any, ...]]:
    return [(f.start, f.end, f.label, f.entity_type, f.recognizer, round(f.score, 5)) for f in findings]


def _key_texts(path: Path) -> list[bytes]:
    """The key as any text a leak could take: raw, hex, base64 (standard and URL-safe)."""
    raw = base64.b64decode(path.read_bytes())
    return [raw, raw.hex().encode(), base64.b64encode(raw).rstrip(b"="),
            base64.urlsafe_b64encode(raw).rstrip(b"=")]


# -- columns ---------------------------------------------------------------------------------
def test_redact_column_matches_the_local_redactor(spark: SparkSession, keys: dict[str, Path]) -> None:
    """Policy ``auto`` (routing, and keyed operators: hmac, aes_siv, pseudonyms) with the key
    shipped to the workers: equal tokens prove the workers used that key."""
    local = Redactor("auto", keyring=KeyRing.from_file(keys["shipped"])).redact_batch(TEXTS)  # first: see _IDLE
    spec = RedactorSpec("auto", key_file=SHIPPED_KEY)
    rows = sorted(_frame(spark, TEXTS).select("id", redact_column("text", spec).alias("r")).collect())
    assert [row.id for row in rows] == list(range(len(TEXTS)))
    for row, expected in zip(rows, local):
        got = row.r
        assert (got.text, got.policy, got.domain, got.error) == (expected.text, expected.policy, expected.domain,
                                                                 None)
        assert _findings(got.findings) == _findings(expected.findings)
    assert sum(len(row.r.findings) for row in rows) >= 6
    assert len({row.r.domain for row in rows}) >= 2  # routed, not one policy for all
    redacted = " ".join(row.r.text for row in rows)
    assert not [value for value in PII if value in redacted]
    assert all(set(f.asDict()) == {"start", "end", "label", "entity_type", "score", "recognizer"}
               for row in rows for f in row.r.findings)  # no value field


def test_each_worker_builds_one_engine_and_the_driver_none(spark: SparkSession) -> None:
    def engines(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            engine = worker_engines.worker_redactor(RedactorSpec("hipaa").resolved(), False)
            yield pd.DataFrame({"pid": [os.getpid()] * len(batch), "engine": [id(engine)] * len(batch),
                                "model": [id(engine.recognizer.model)] * len(batch)})

    seen = set()
    for _ in range(2):  # two jobs: the second finds the first one's engines
        seen |= {tuple(row) for row in spark.range(8).repartition(4).mapInPandas(
            engines, "pid long, engine long, model long").collect()}
    assert len(seen) == len({pid for pid, _, _ in seen})  # one engine (and model) per worker process
    assert worker_engines._ENGINES == {}  # nothing was built here, in the driver


def test_bad_rows_cost_only_themselves(spark: SparkSession) -> None:
    url = "see https://example.org/" + "a/" * 600  # one "word" of 1,200 subwords: the model cannot window it
    texts = [None, "x" * 2001, url, "Write to jane.doe@example.com today."]
    frame = spark.createDataFrame([(i, t, t.encode() if t else None) for i, t in enumerate(texts)],
                                  "id int, text string, blob binary").coalesce(1)  # one batch: the bad rows share it
    rows = sorted(frame.select("id", redact_column("text", "hipaa", max_chars=2000).alias("r"),
                               analyze_column("text", "hipaa", max_chars=2000).alias("a"),
                               redact_column("blob", "hipaa").alias("b")).collect())
    null, huge, unwindowed, good = (row.r for row in rows)
    assert (null.text, null.findings, null.error) == (None, [], None)
    assert huge.text is None and huge.error == "the text has 2001 characters, more than max_chars=2000"
    assert unwindowed.text is None and unwindowed.error.startswith("the model cannot read a text unit: word 1")
    assert good.error is None and good.text == "Write to <EMAIL_ADDRESS> today." and good.policy == "hipaa"
    assert [(row.a.findings, row.a.policy, row.a.error) for row in rows] == [
        (row.r.findings, row.r.policy, row.r.error) for row in rows]  # analysis: the same, without text
    assert "text" not in rows[0].a.asDict()
    assert [row.b.error for row in rows] == [None] + ["the value is bytes, not a string"] * 3
    assert all(row.b.text is None for row in rows)
    for row in rows:  # errors never quote the text
        assert "example" not in (row.r.error or "") + (row.b.error or "")


def test_key_is_in_no_plan_or_closure(spark: SparkSession, keys: dict[str, Path],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    spec = RedactorSpec("gdpr", key_file=str(keys["shipped"]))
    query = _frame(spark, TEXTS[:2]).select(redact_column("text", spec).alias("r"))
    query.explain(mode="extended")
    query.explain(mode="formatted")
    plans = (capsys.readouterr().out + str(query._jdf.queryExecution().toString())).encode()
    assert b"redact(text" in plans  # the UDF is there, by name
    pickled = cloudpickle.dumps(_udf(spec.resolved(), analysis=False, max_chars=10).func)
    for leak in _key_texts(keys["shipped"]):
        assert leak not in plans and leak not in pickled and leak not in repr(spec).encode()


# -- files -----------------------------------------------------------------------------------
def _dump(root: Path) -> None:
    files: dict[str, bytes] = {
        "notes/visit.txt": b"Visit note for John Smith.\nContact: john.smith@example.com, SSN 219-45-6789.\n",
        "data/people.csv": b"name,email\nJane Doe,jane.doe@example.com\nTom Lee,tom.lee@example.com\n",
        "data/users.json": json.dumps({"users": [{"email": "jane.doe@example.com", "card": "4111111111111111"}]}
                                      ).encode(),
        "logs/app.log": b"2024-05-01 INFO login user=jane.doe@example.com\r\n2024-05-01 INFO done\r\n",
        "bad/binary.txt": b"abc\x00def",
        "bad/latin1.txt": "Jos\u00e9 P\u00e9rez".encode("latin-1"),
        "bad/image.png": b"\x89PNG\r\n",
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)


def _records(report: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """(file records, finding records, summary), order-free and without timings."""
    records = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    files = sorted(({k: v for k, v in r.items() if k != "seconds"} for r in records if r["type"] == "file"),
                   key=lambda r: r["path"])
    findings = sorted((r for r in records if r["type"] == "finding"), key=lambda r: json.dumps(r, sort_keys=True))
    summary = next(r for r in records if r["type"] == "summary")
    return files, findings, summary


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".redactor" not in p.parts}


def test_files_match_the_cli(spark: SparkSession, keys: dict[str, Path], tmp_path: Path) -> None:
    source = tmp_path / "dump"
    _dump(source)
    assert redact_cli(["redact", str(source), "-o", str(tmp_path / "cli"), "--policy", "gdpr", "-q",  # first: _IDLE
                       "--key-file", str(keys["env"]), "--report", str(tmp_path / "cli.jsonl")]) == 3
    summary = redact_files(spark, str(source), tmp_path / "spark", "gdpr", report=tmp_path / "spark.jsonl",
                           partitions=2)

    outputs = _tree(tmp_path / "spark")
    assert outputs == _tree(tmp_path / "cli")
    assert set(outputs) == {"notes/visit.txt", "data/people.csv", "data/users.json", "logs/app.log"}
    assert not [value for value in PII if any(value.encode() in data for data in outputs.values())]
    spark_files, spark_findings, spark_summary = _records(tmp_path / "spark.jsonl")
    cli_files, cli_findings, cli_summary = _records(tmp_path / "cli.jsonl")
    assert spark_files == cli_files and spark_findings == cli_findings
    assert {r["path"]: r["status"] for r in spark_files if r["status"] != "done"} == {
        "bad/binary.txt": "skipped", "bad/image.png": "skipped", "bad/latin1.txt": "error"}
    counts = ("files", "done", "skipped", "errors", "findings", "findings_by_label", "bytes", "exit_code")
    assert {k: summary[k] for k in counts} == {k: cli_summary[k] for k in counts} == {
        k: spark_summary[k] for k in counts}
    assert summary["exit_code"] == 3 and summary["findings"] >= 6

    scan = redact_files(spark, str(source), None, "gdpr", mode="scan", glob="*.log", report=tmp_path / "scan.jsonl")
    scan_files, scan_findings, _ = _records(tmp_path / "scan.jsonl")
    assert [r["path"] for r in scan_files] == ["logs/app.log"]  # the glob left out the other files
    assert scan_findings == [r for r in cli_findings if r["path"] == "logs/app.log"] != []
    assert scan["exit_code"] == 1  # personal data found
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cli", "cli.jsonl", "dump", "scan.jsonl", "spark",
                                                          "spark.jsonl"]


def test_configuration_errors_fail_the_job_not_rows(spark: SparkSession) -> None:
    """A bad policy fails on the driver, before any task; a missing key fails the job at its
    first task.  Last in the module: a failed task ends its Python worker (see _IDLE)."""
    with pytest.raises(PolicyError, match="no label 'nolabel'"):
        redact_column("text", RedactorSpec("gdpr", operators=(("nolabel", "replace"),)))
    missing = RedactorSpec("gdpr", key_file="/nonexistent/redactor.key")
    with pytest.raises(Exception, match="key file '/nonexistent/redactor.key' does not exist"):
        _frame(spark, TEXTS[:1]).select(redact_column("text", missing)).collect()
