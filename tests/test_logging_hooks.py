"""Log-sanitization hooks that fail closed (issue #6): ``redactor.logging``.

Leak checks use synthetic values that the validated patterns catch (an e-mail, a
Luhn-valid card, an IP, a JWT, a phone, a ``password=`` value), so they do not depend
on a trained model.  The model path runs in one test, on the untrained
``fresh_model`` (plumbing only: its labels are not asserted).  Failures are real:
a ``Sanitizer`` subclass whose ``sanitize_batch`` raises, and model engines (the
public ``redactor=`` protocol: ``analyze_batch``) that raise or hang.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import logging.config
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest

from redactor.logging import (
    LINE_PLACEHOLDER,
    PLACEHOLDER,
    STATE_ATTR,
    WITHHELD_VALUE,
    AsyncRedactingHandler,
    RedactingFilter,
    RedactingHandler,
    RedactionTimeout,
    Sanitizer,
    StructlogRedactor,
    loguru_patcher,
    stream,
)
from redactor.logging.sanitizer import template_segments
from redactor.logging.stdlib import STANDARD_ATTRS


def _jwt() -> str:
    def b64(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64({'sub': 'u-1842'})}.c2lnbmF0dXJlX2J5dGVz"


EMAIL = "maria.garcia@example.com"
CARD = "4111 1111 1111 1111"
CARD_INT = 4111111111111111
IP = "203.0.113.77"
JWT = _jwt()
PHONE = "(415) 555-0132"
PASSWORD = "hunter2-Secret"
PII = (EMAIL, CARD, str(CARD_INT), IP, JWT, PHONE, PASSWORD, "415) 555", "example.com")


def assert_clean(text: str) -> None:
    leaked = [value for value in PII if value in text]
    assert not leaked, f"leaked {leaked} in:\n{text[:2000]}"


class ExtrasFormatter(logging.Formatter):
    """Prints the message, the traceback and repr() of every extra attribute: the
    widest surface a formatter (or a JSON formatter) could print."""

    def format(self, record: logging.LogRecord) -> str:
        extras = {k: v for k, v in record.__dict__.items() if k not in STANDARD_ATTRS}
        return f"{super().format(record)} | {extras!r}"


class ListHandler(logging.Handler):
    """Collects formatted lines (optionally slowly, to fill a queue)."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.setFormatter(ExtrasFormatter("%(levelname)s %(message)s"))
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []
        self.delay = delay

    def emit(self, record: logging.LogRecord) -> None:
        if self.delay:
            time.sleep(self.delay)
        self.lines.append(self.format(record))
        self.records.append(record)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def make_logger(name: str, handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger


class ExplodingSanitizer(Sanitizer):
    """A sanitizer whose redaction always fails."""

    def sanitize_batch(self, texts: Any) -> list[str]:
        raise RuntimeError(f"redaction backend crashed on {texts!r}")


@dataclass
class Span:
    start: int
    end: int
    entity_type: str
    score: float = 0.9


class RegexEngine:
    """A deterministic stand-in for the model behind the public ``redactor=`` protocol
    (``analyze_batch``), recording every text it is asked about."""

    def __init__(self, rules: dict[str, str]) -> None:
        self.rules = {entity: re.compile(rx) for entity, rx in rules.items()}
        self.seen: list[str] = []

    def analyze_batch(self, texts: list[str]) -> list[list[Span]]:
        self.seen += texts
        return [[Span(m.start(), m.end(), entity) for entity, rx in self.rules.items() for m in rx.finditer(t)]
                for t in texts]


class BrokenEngine:
    def analyze_batch(self, texts: list[str]) -> list[list[Span]]:
        raise RuntimeError("CUDA error: device-side assert triggered")


class HangingEngine:
    def analyze_batch(self, texts: list[str]) -> list[list[Span]]:
        time.sleep(1.0)
        return [[] for _ in texts]


@pytest.fixture(scope="module")
def sanitizer() -> Sanitizer:
    return Sanitizer()


# ------------------------------------------------------------------------------------
# The core
# ------------------------------------------------------------------------------------
def test_patterns_and_phones_redact_inline(sanitizer: Sanitizer) -> None:
    text = (f"user {EMAIL} paid with {CARD} from {IP}, call {PHONE} or +44 20 7946 0958, "
            f"token {JWT}, password={PASSWORD}")
    assert sanitizer.sanitize(text) == ("user <EMAIL_ADDRESS> paid with <CREDIT_CARD> from <IP_ADDRESS>, "
                                        "call <PHONE_NUMBER> or <PHONE_NUMBER>, token <API_KEY>, "
                                        "password=<PASSWORD>")
    # look-alikes in ordinary log lines stay
    line = "GET /api/v1/orders/48213 200 in 35ms at 2026-11-21 12:59:03 build 102-203-4000 listening 127.0.0.1:8080"
    assert sanitizer.sanitize(line) == line


def test_every_gate_is_active_and_a_necessary_condition(sanitizer: Sanitizer) -> None:
    # A recognizer that gained a rule runs ungated (safe); this pins that the gates
    # were written for the current rules, and that each lets its positives through.
    assert all(gate is not None for _, gate in sanitizer._recognizers)
    positives = [EMAIL, f"see https://x.org/{EMAIL}", "www.example.org/a", CARD, "4111111111111111",
                 "ssn 123-45-6789", "ssn 123456789", "DE89 3704 0044 0532 0130 00", IP, "fe80::1ff:fe23:4567:890a",
                 JWT, "AKIAIOSFODNN7EXAMPLE", "ghp_" + "a" * 36, "xoxb-1234567890-abcdefghij", "sk_live_" + "a" * 24,
                 "pk_test_" + "b" * 24, "AIza" + "c" * 35, "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "PASSWORD: x", "db_pwd=abc", "client_secret='abcdefghij'", "Token: abcdefghijk",
                 "Authorization: Bearer abcdefghijklmnopqrstuvwxyz", PHONE, "+44 20 7946 0958", "tel 4155550132"]
    for text in positives:
        for recognizer, gate in sanitizer._recognizers:
            if recognizer.analyze(text, None):
                assert gate(text), (type(recognizer).__name__, text)


def test_exact_and_shape_caches_never_skip_values() -> None:
    engine = RegexEngine({"PERSON": r"Zorblax", "MEDICAL_RECORD_NUMBER": r"(?<=MRN )\d+"})
    s = Sanitizer(redactor=engine, warmup=False, model_pack=1)
    lines = ["order 1 for Zorblax, MRN 48213", "order 2 for Zorblax, MRN 99999999",
             f"order {CARD_INT} for Zorblax, MRN 7", "order 3 for Quux, MRN 5", "order 1 for Zorblax, MRN 48213"]
    assert s.sanitize_batch(lines) == [
        "order 1 for <PERSON>, MRN <MEDICAL_RECORD_NUMBER>",
        "order 2 for <PERSON>, MRN <MEDICAL_RECORD_NUMBER>",          # replayed: the whole slot
        "order <CREDIT_CARD> for <PERSON>, MRN <MEDICAL_RECORD_NUMBER>",  # a card in a slot: patterns
        "order 3 for Quux, MRN <MEDICAL_RECORD_NUMBER>",
        "order 1 for <PERSON>, MRN <MEDICAL_RECORD_NUMBER>",
    ]
    assert engine.seen == ["order 1 for Zorblax, MRN 48213", "order 3 for Quux, MRN 5"]  # one call per shape
    assert s.sanitize(lines[0]) == "order 1 for <PERSON>, MRN <MEDICAL_RECORD_NUMBER>"
    assert s.stats.exact_hits == 1 and s.stats.shape_hits == 3 and s.stats.model_texts == 2


def test_template_segments() -> None:
    assert template_segments("a %s b %d c %%", ("x", 5)) == [
        (False, None, "a "), (True, 0, "x"), (False, None, " b "), (True, 1, "5"), (False, None, " c %")]
    assert template_segments("%(u)s=%(n)05.1f", {"u": "x", "n": 2.5}) == [
        (False, None, ""), (True, "u", "x"), (False, None, "="), (True, "n", "002.5"), (False, None, "")]
    for template, args in (("%*d", (5, 3)), ("%s %s", ("x",)), ("%s", ("x", "y")), ("%s", {"a": 1}), (42, ())):
        assert template_segments(template, args) is None


def test_stdlib_records_are_cached_per_template_part() -> None:
    engine = RegexEngine({"PERSON": r"Zorblax"})
    s = Sanitizer(redactor=engine, warmup=False, model_pack=1)
    sink = ListHandler()
    log = make_logger("t.template", RedactingHandler(sink, s))
    for flag, segment in [("new-cart", "beta"), ("old-feed", "gamma"), ("old-feed", "beta"),
                          ("new-cart", "Zorblax"), ("old-feed", "Zorblax"), ("Zorblax", "beta"),
                          ("new-cart", EMAIL), ("old-feed", "maria@example.org")]:
        log.info("flag %s on for %s", flag, segment)
    for n in (5, 70000):
        log.info("took %d ms for %s", n, "beta")
    assert [line.split(" | ")[0] for line in sink.lines] == [
        "INFO flag new-cart on for beta", "INFO flag old-feed on for gamma", "INFO flag old-feed on for beta",
        "INFO flag new-cart on for <PERSON>", "INFO flag old-feed on for <PERSON>", "INFO flag <PERSON> on for beta",
        "INFO flag new-cart on for <EMAIL_ADDRESS>", "INFO flag old-feed on for <EMAIL_ADDRESS>",
        "INFO took 5 ms for beta", "INFO took 70000 ms for beta"]
    # the model saw only records that brought a new template part or argument value
    assert engine.seen == ["flag new-cart on for beta", "flag old-feed on for gamma",
                           "flag new-cart on for Zorblax", "flag Zorblax on for beta",
                           f"flag new-cart on for {EMAIL}", "took 5 ms for beta"]


def test_model_inputs_are_packed_and_findings_clipped_back() -> None:
    engine = RegexEngine({"PERSON": r"Zorblax\nQuux|Zorblax"})
    s = Sanitizer(redactor=engine, warmup=False, model_pack=2, model_pack_chars=40)
    lines = ["a Zorblax", "Quux b", "c 1", "x" * 45, "d Zorblax"]
    assert s.sanitize_batch(lines) == ["a <PERSON>", "<PERSON> b", "c 1", "x" * 45, "d <PERSON>"]
    # two per pack, 40 characters at most: a longer line goes alone
    assert engine.seen == ["a Zorblax\nQuux b", "c 1", "x" * 45, "d Zorblax"]


def test_importing_the_hooks_does_not_import_torch_or_presidio() -> None:
    code = "import sys, redactor.logging; print('torch' in sys.modules, 'presidio_analyzer' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# ------------------------------------------------------------------------------------
# stdlib logging
# ------------------------------------------------------------------------------------
@pytest.mark.parametrize("hook", ["handler", "filter"])
def test_args_extra_and_traceback_are_redacted(sanitizer: Sanitizer, hook: str) -> None:
    sink = ListHandler()
    if hook == "handler":
        log = make_logger(f"t.fields.{hook}", RedactingHandler(sink, sanitizer))
    else:
        sink.addFilter(RedactingFilter(sanitizer))
        log = make_logger(f"t.fields.{hook}", sink)
    log.warning("login by %s from %s, password=%s", EMAIL, IP, PASSWORD,
                extra={"user_email": EMAIL, "ctx": {"phone": PHONE, "cards": [CARD_INT], "n": 3}, "raw": b"ip " + IP.encode()})
    try:
        raise ValueError(f"token {JWT} rejected for {EMAIL}")
    except ValueError:
        log.exception("checkout failed for card %s", CARD)
    log.info("stack for %s", EMAIL, stack_info=True)
    text = sink.text
    assert_clean(text)
    assert "login by <EMAIL_ADDRESS> from <IP_ADDRESS>, password=<PASSWORD>" in text
    assert "'user_email': '<EMAIL_ADDRESS>'" in text and "'phone': '<PHONE_NUMBER>'" in text
    assert "'cards': ['<CREDIT_CARD>']" in text and "'n': 3" in text
    assert "Traceback (most recent call last)" in text and "ValueError: token <API_KEY> rejected for <EMAIL_ADDRESS>" in text
    assert "Stack (most recent call last)" in text
    assert all(r.exc_info is None and r.args == () and type(r.msg) is str for r in sink.records)
    assert {getattr(r, STATE_ATTR) for r in sink.records} == {"redacted"}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_many_threads_no_leak_no_loss(sanitizer: Sanitizer, mode: str) -> None:
    sink = ListHandler()
    handler: logging.Handler = (RedactingHandler(sink, sanitizer) if mode == "sync"
                                else AsyncRedactingHandler(sink, sanitizer, queue_size=16))  # blocks often
    log = make_logger(f"t.threads.{mode}", handler)
    threads, per_thread = 8, 200
    start = threading.Barrier(threads)

    def work(t: int) -> None:
        start.wait()
        for i in range(per_thread):
            seq = f"T{t}R{i}"
            if i % 25 == 0:
                try:
                    raise PermissionError(f"login failed for {EMAIL} password={PASSWORD}")
                except PermissionError:
                    log.exception("order %s failed, card %s", seq, CARD, extra={"seq": seq, "phone": PHONE})
            else:
                log.info("order %s paid by %s with card %s from %s", seq, EMAIL, CARD, IP,
                         extra={"seq": seq, "phone": PHONE, "payload": {"token": JWT, "cards": [CARD_INT]}})

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    handler.flush()
    handler.close()
    assert len(sink.lines) == threads * per_thread
    assert_clean(sink.text)
    seqs = [re.search(r"order (T\d+R\d+) ", line).group(1) for line in sink.lines]  # type: ignore[union-attr]
    assert sorted(seqs) == sorted(f"T{t}R{i}" for t in range(threads) for i in range(per_thread))
    assert sum("PermissionError: login failed for <EMAIL_ADDRESS> password=<PASSWORD>" in line
               for line in sink.lines) == threads * per_thread // 25


def test_a_failing_sanitizer_withholds_records(capsys: pytest.CaptureFixture[str]) -> None:
    bad = ExplodingSanitizer()
    sink, async_sink = ListHandler(), ListHandler()
    async_handler = AsyncRedactingHandler(async_sink, bad)
    for log in (make_logger("t.failing.sync", RedactingHandler(sink, bad)),
                make_logger("t.failing.async", async_handler)):
        try:
            raise KeyError(EMAIL)
        except KeyError:
            log.exception("card %s for %s", CARD, EMAIL, extra={"user": EMAIL})  # nothing reaches the caller
    async_handler.close()
    for handler in (sink, async_sink):
        (line,) = handler.lines
        assert line.startswith(f"ERROR {PLACEHOLDER} | ") and f"'user': '{WITHHELD_VALUE}'" in line
        record = handler.records[0]
        assert getattr(record, STATE_ATTR) == "withheld" and record.exc_info is None and record.exc_text is None
    assert bad.stats.errors >= 2 and bad.stats.withheld == 2 and bad.stats.last_error == "RuntimeError"
    assert_clean(capsys.readouterr().err)


def test_a_failing_model_withholds_and_a_hanging_one_times_out(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(RuntimeError):  # a model that fails at configuration time fails there
        Sanitizer(redactor=BrokenEngine())
    broken = Sanitizer(redactor=BrokenEngine(), warmup=False)
    hanging = Sanitizer(redactor=HangingEngine(), warmup=False, model_timeout=0.1)
    with pytest.raises(RedactionTimeout):
        hanging.sanitize(EMAIL)
    for s in (broken, hanging):
        sink = ListHandler()
        log = make_logger(f"t.model.{id(s)}", RedactingHandler(sink, s))
        started = time.monotonic()
        log.warning("user %s from %s", EMAIL, IP)
        assert time.monotonic() - started < 0.9  # the timeout, not the hang
        assert_clean(sink.text)
        assert PLACEHOLDER in sink.text and s.stats.withheld == 1
    assert broken.stats.errors == 1 and broken.stats.timeouts == 0
    assert hanging.stats.timeouts == 1  # counted by the hook (sanitize() raised to its caller)
    assert_clean(capsys.readouterr().err)


def test_fail_open_is_an_explicit_opt_in() -> None:
    s = Sanitizer(redactor=BrokenEngine(), warmup=False, fail_open=True)
    sink = ListHandler()
    make_logger("t.failopen", RedactingHandler(sink, s)).warning("user %s", EMAIL)
    assert f"user {EMAIL}" in sink.text  # the documented leak
    assert s.stats.failed_open == 1 and s.stats.withheld == 0
    assert getattr(sink.records[0], STATE_ATTR) == "failed-open"


def test_a_broken_format_call_is_withheld_without_leaking(sanitizer: Sanitizer,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    sink = ListHandler()
    before = sanitizer.stats.withheld
    make_logger("t.badformat", RedactingHandler(sink, sanitizer)).info("card %d for %s", CARD, EMAIL)
    assert PLACEHOLDER in sink.text and sanitizer.stats.withheld == before + 1
    assert_clean(sink.text + capsys.readouterr().err)  # Handler.handleError would print msg and args


def test_dictconfig() -> None:
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(levelname)s %(message)s"}},
        "filters": {"redact": {"()": "redactor.logging.RedactingFilter"}},
        "handlers": {
            # "class": dictConfig resolves the target name and configures it first
            "a_sync": {"class": "redactor.logging.RedactingHandler", "target": "sink",
                       "sanitizer": {"exclude_entities": ["URL"]}},
            # "()": the target must already be configured (names sort after it)
            "z_async": {"()": "redactor.logging.AsyncRedactingHandler", "target": "sink2",
                        "overflow": "drop", "queue_size": 100, "max_latency": 0.005},
            "sink": {"class": "tests.test_logging_hooks.ListHandler", "formatter": "plain"},
            "sink2": {"class": "tests.test_logging_hooks.ListHandler", "formatter": "plain"},
            "sink3": {"class": "tests.test_logging_hooks.ListHandler", "formatter": "plain", "filters": ["redact"]},
        },
        "loggers": {"t.dictcfg": {"handlers": ["a_sync", "z_async", "sink3"], "level": "INFO", "propagate": False}},
    }
    logging.config.dictConfig(config)
    log = logging.getLogger("t.dictcfg")
    try:
        sync, async_, filtered = log.handlers
        assert isinstance(sync, RedactingHandler) and isinstance(async_, AsyncRedactingHandler)
        log.info("visit https://intranet.example.org/a by %s", EMAIL)
        async_.flush()
        assert sync.targets[0].lines == ["INFO visit https://intranet.example.org/a by <EMAIL_ADDRESS>"]
        assert async_.targets[0].lines == ["INFO visit <URL> by <EMAIL_ADDRESS>"]
        assert filtered.lines == ["INFO visit <URL> by <EMAIL_ADDRESS>"]
    finally:
        for handler in log.handlers:
            handler.close()
        log.handlers[:] = []


def test_async_drop_mode_counts_and_never_leaks(sanitizer: Sanitizer) -> None:
    sink = ListHandler(delay=0.002)  # a slow target: the queue fills
    handler = AsyncRedactingHandler(sink, sanitizer, overflow="drop", queue_size=4, batch_size=2, max_latency=0)
    log = make_logger("t.drop", handler)
    total = 300
    for i in range(total):
        log.warning("event %d card %s mail %s", i, CARD, EMAIL)  # never blocks
    handler.close()
    events = [line for line in sink.lines if line.startswith("WARNING event ")]
    reports = [line for line in sink.lines if "log records dropped" in line]
    assert handler.dropped > 0 and len(events) + handler.dropped == total
    assert sum(int(re.search(r"full: (\d+)", r).group(1)) for r in reports) == handler.dropped  # type: ignore[union-attr]
    assert_clean(sink.text)
    log.warning("after close %s", EMAIL)  # redacted inline, not lost
    assert sink.lines[-1].startswith("WARNING after close <EMAIL_ADDRESS>")


def test_async_records_queued_at_exit_are_written() -> None:
    code = f"""if True:
        import logging, sys
        from redactor.logging import AsyncRedactingHandler
        target = logging.StreamHandler(sys.stdout)
        log = logging.getLogger("exit")
        log.addHandler(AsyncRedactingHandler(target, queue_size=100000, max_latency=0.5))
        log.setLevel(logging.INFO)
        for i in range(3000):
            log.info("record %d for %s", i, {EMAIL!r})
        # no flush, no close: logging.shutdown / atexit must drain the queue
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    lines = out.stdout.splitlines()
    assert lines == [f"record {i} for <EMAIL_ADDRESS>" for i in range(3000)]


# ------------------------------------------------------------------------------------
# structlog and loguru
# ------------------------------------------------------------------------------------
def test_structlog_processor() -> None:
    structlog = pytest.importorskip("structlog")
    buf = io.StringIO()

    def logger(processor: Any) -> Any:
        return structlog.wrap_logger(structlog.PrintLogger(buf), processors=[
            structlog.processors.add_log_level, processor, structlog.processors.JSONRenderer()])

    log = logger(StructlogRedactor(Sanitizer()))
    log.info(f"login {EMAIL}", card=CARD, nested={"ips": [IP], "phone": PHONE, "n": 7}, amount=1.5)
    try:
        raise ValueError(f"token {JWT}")
    except ValueError:
        log.exception("failed", user=EMAIL)
    first, second = (json.loads(line) for line in buf.getvalue().splitlines())
    assert first == {"event": "login <EMAIL_ADDRESS>", "card": "<CREDIT_CARD>", "level": "info", "amount": 1.5,
                     "nested": {"ips": ["<IP_ADDRESS>"], "phone": "<PHONE_NUMBER>", "n": 7}}
    assert "exc_info" not in second and "ValueError: token <API_KEY>" in second["exception"]
    assert_clean(buf.getvalue())

    buf.truncate(0), buf.seek(0)
    bad = ExplodingSanitizer()
    logger(StructlogRedactor(bad)).warning("login", user=EMAIL)
    assert json.loads(buf.getvalue()) == {"level": "warning", "event": PLACEHOLDER, "redaction_failed": True}
    assert bad.stats.withheld == 1


def test_loguru_patcher() -> None:
    loguru = pytest.importorskip("loguru")
    lines: list[str] = []
    sink_id = loguru.logger.add(lambda m: lines.append(str(m)), format="{message} | {extra}",
                                filter=lambda r: r["function"] == "test_loguru_patcher")
    try:
        log = loguru.logger.patch(loguru_patcher(Sanitizer()))
        log.info("login {} from {}", EMAIL, IP, phone=PHONE)  # noqa: PLE1205 -- loguru's {} style
        try:
            raise ValueError(f"card {CARD}")
        except ValueError:
            log.exception("failed for {user}", user=EMAIL)
        bad = ExplodingSanitizer()
        loguru.logger.bind(user=EMAIL).patch(loguru_patcher(bad)).warning("card {}", CARD)
    finally:
        loguru.logger.remove(sink_id)
    text = "\n".join(lines)
    assert_clean(text)
    assert lines[0].startswith("login <EMAIL_ADDRESS> from <IP_ADDRESS> | ") and "'phone': '<PHONE_NUMBER>'" in lines[0]
    assert lines[1].startswith("failed for <EMAIL_ADDRESS>\nTraceback") and "ValueError: card <CREDIT_CARD>" in lines[1]
    assert lines[2].startswith(f"{PLACEHOLDER} | ") and f"'user': '{WITHHELD_VALUE}'" in lines[2]
    assert bad.stats.withheld == 1


# ------------------------------------------------------------------------------------
# stream()
# ------------------------------------------------------------------------------------
class FlushRecorder(io.StringIO):
    """A text stream that exposes only what was flushed."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed = ""
        self.lock = threading.Lock()

    def flush(self) -> None:
        with self.lock:
            self.flushed = self.getvalue()


def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_stream_over_a_pipe_is_line_at_a_time(sanitizer: Sanitizer) -> None:
    read_fd, write_fd = os.pipe()
    reader = os.fdopen(read_fd, "r", encoding="utf-8", newline="")
    writer = os.fdopen(write_fd, "w", encoding="utf-8", newline="")
    out = FlushRecorder()
    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(stream(reader, out, sanitizer)))
    worker.start()
    writer.write(f"login {EMAIL}\n")
    writer.flush()
    wait_for(lambda: out.flushed == "login <EMAIL_ADDRESS>\n")  # before any further input
    writer.write(f"card {CARD}\r\nfrom {IP}\n")
    writer.flush()
    wait_for(lambda: out.flushed.endswith("from <IP_ADDRESS>\n"))
    writer.write(f"no newline {PHONE}")
    writer.close()
    worker.join(10)
    assert out.getvalue() == ("login <EMAIL_ADDRESS>\ncard <CREDIT_CARD>\r\nfrom <IP_ADDRESS>\n"
                              "no newline <PHONE_NUMBER>")
    assert result[0].lines == 4 and result[0].withheld == 0
    reader.close()


def test_stream_fails_closed_per_line() -> None:
    bad = ExplodingSanitizer()
    out = io.StringIO()
    stats = stream(io.StringIO(f"a {EMAIL}\nb {CARD}\n"), out, bad)
    assert out.getvalue() == f"{LINE_PLACEHOLDER}\n{LINE_PLACEHOLDER}\n"
    assert stats.withheld == 2 and bad.stats.withheld == 2
    out = io.StringIO()
    stream(io.StringIO("x\ny\n"), out, lambda texts: [t.upper() for t in texts])
    assert out.getvalue() == "X\nY\n"


@dataclass
class _Redacted:
    text: str


class UpperEngine:
    """Stands in for ``redactor.Redactor`` in ``stream`` (its ``redact_batch`` API)."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.fail_on = fail_on

    def redact_batch(self, texts: list[str]) -> list[_Redacted]:
        if self.fail_on is not None and any(self.fail_on in t for t in texts):
            raise RuntimeError("engine failed")
        return [_Redacted(t.upper()) for t in texts]


def test_stream_uses_an_engine_and_retries_lines_alone() -> None:
    out = io.StringIO()
    stats = stream(io.StringIO("a\nbad line\nc\n"), out, UpperEngine(fail_on="bad"), batch_size=8)
    assert out.getvalue() == f"A\n{LINE_PLACEHOLDER}\nC\n" and stats.withheld == 1


def test_replacement_and_excluded_entities() -> None:
    s = Sanitizer(replacement=lambda entity, value: f"[{entity.lower()}:{len(value)}]", exclude_entities={"URL"})
    assert s.sanitize(f"see https://x.org/a by {EMAIL}") == "see https://x.org/a by [email_address:24]"
    with pytest.raises(KeyError):
        Sanitizer(replacement="<{entity}>")  # a bad template fails at configuration time


# ------------------------------------------------------------------------------------
# The model path (untrained weights: plumbing, not labels)
# ------------------------------------------------------------------------------------
def test_async_pipeline_batches_the_model(fresh_model: Any) -> None:
    s = Sanitizer(use_model=True, model=fresh_model, model_timeout=60)
    sink = ListHandler()
    handler = AsyncRedactingHandler(sink, s, batch_size=32)
    log = make_logger("t.model", handler)
    words = ("checkout", "refund", "invoice")

    def work(t: int) -> None:
        for i in range(30):
            log.info("%s %d for %s took %d ms", words[i % 3], 1000 * t + i, EMAIL, 3 * i + 1)

    workers = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    handler.close()
    assert len(sink.lines) == 120
    assert_clean(sink.text)
    assert s.stats.model_texts == 3 and s.stats.errors == 0  # one model call per shape
    assert s.stats.shape_hits == 117
