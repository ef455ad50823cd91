"""``redact``: redacted copies of document dumps, an audit report, and an exit code for CI.

    redact [redact] PATH... -o OUT [--policy auto|gdpr|hipaa|pci-dss|strict|FILE] [--key-file KEY]
    redact [redact] PATH... --in-place [--backup-suffix .bak]
    redact [redact] - < in.txt > out.txt
    redact scan PATH... [--report FILE] [--fail-score S]
    redact decrypt PATH... -o OUT --key-file KEY [--vault VAULT]
    redact policies list | show NAME|FILE | validate FILE...
    redact keygen KEYFILE
    redact train ... | redact eval ...          (the training and evaluation commands)

Exit codes: see :mod:`redactor.cli.errors`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from redactor.cli.errors import EXIT_CODES_HELP, CliError, ExitCode, FatalError, UsageError
from redactor.cli.settings import tool_version

COMMANDS = ("redact", "scan", "decrypt", "policies", "keygen", "train", "eval")
FORWARDED = {"train": "redactor.training.train", "eval": "redactor.training.evaluate"}

DESCRIPTION = """\
Redact personal data in files and folders: redacted copies that mirror the input tree,
a JSONL audit report (locations, labels, operators, scores -- never the values), and an
exit code a CI gate can use.  `redact PATH...` is short for `redact redact PATH...`;
`redact COMMAND --help` lists a command's options.
"""

EXAMPLES = """\
examples:
  redact keygen redactor.key
  redact dump/ -o redacted/ --policy gdpr --key-file redactor.key -j 2
  redact dump/ -o redacted/ --policy gdpr --key-file redactor.key --resume   # after a crash
  redact scan dump/ --policy hipaa --operator '*=replace' --report scan.jsonl
  cat note.txt | redact - --policy hipaa --operator '*=replace'
  redact decrypt redacted/ -o restored/ --key-file redactor.key --vault vault.json
"""


# -- argument parsing ---------------------------------------------------------------------
def _size(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*", text, re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 500M, 1G, 2GiB, 1048576)")
    number, unit, binary = match.groups()
    power = "kmgt".find(unit.lower()) + 1 if unit else 0
    base = 1024 if binary.lower().startswith("i") or not binary else 1000
    return int(float(number) * base ** power)


def _operator(text: str) -> tuple[str, str]:
    label, sep, operator = text.partition("=")
    if not sep or not label or not operator:
        raise argparse.ArgumentTypeError(f"expected LABEL=OPERATOR or *=OPERATOR, got {text!r}")
    return label.strip(), operator.strip()


def _keys(text: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in text.split(",") if k.strip())


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _parser() -> argparse.ArgumentParser:
    from redactor.cli.formats import FORMAT_CHOICES

    formatter = argparse.RawDescriptionHelpFormatter
    root = argparse.ArgumentParser(prog="redact", description=DESCRIPTION, epilog=EXAMPLES + "\n" + EXIT_CODES_HELP,
                                   formatter_class=formatter)
    root.add_argument("--version", action="version", version=f"redact {tool_version()}")
    sub = root.add_subparsers(dest="command", metavar="COMMAND")

    def io_options(p: argparse.ArgumentParser, *, engine: bool, writes: bool) -> None:
        p.add_argument("paths", nargs="+", metavar="PATH", help="files and folders (folders are walked); "
                       "'-' reads standard input" + (" and writes standard output" if writes else ""))
        if writes:
            where = p.add_argument_group("output")
            where.add_argument("-o", "--out", type=Path, help="output folder; mirrors the input tree")
            where.add_argument("--in-place", action="store_true",
                               help="replace each input file (the original is kept as NAME + --backup-suffix)")
            where.add_argument("--backup-suffix", default=".bak", help="in-place backup suffix (default .bak)")
            where.add_argument("--resume", action="store_true",
                               help="skip files an interrupted run with the same settings finished")
            where.add_argument("--state-dir", type=Path,
                               help="where the manifest (and default report) go (default OUT/.redactor, "
                                    "or ./.redactor with --in-place)")
        sel = p.add_argument_group("input selection")
        sel.add_argument("--include", action="append", default=[], metavar="GLOB",
                         help="only files matching GLOB (relative path or file name; repeatable)")
        sel.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                         help="skip files matching GLOB (relative path, file name or a folder name; repeatable)")
        sel.add_argument("--format", choices=FORMAT_CHOICES, metavar="FORMAT",
                         help="read every input as this format (default: by suffix; stdin: text); "
                              f"one of {', '.join(FORMAT_CHOICES)}")
        sel.add_argument("--max-file-size", type=_size, default=1 << 30, metavar="SIZE",
                         help="skip larger files of formats that are read whole: json, eml, html, docx, "
                              "pdf (default 1GiB; text, jsonl and csv stream and have no limit)")
        run = p.add_argument_group("run")
        run.add_argument("--report", type=Path, metavar="FILE",
                         help="JSONL audit report ('-': stdout)" + (" (default STATE_DIR/report.jsonl)"
                                                                    if writes else ""))
        run.add_argument("--key-file", type=Path, metavar="FILE",
                         help="the key (else $REDACTOR_KEY or $REDACTOR_KEY_FILE); create one with `redact keygen`")
        run.add_argument("-j", "--jobs", type=_positive, default=1, metavar="N",
                         help="worker processes, each loading the model once (0: one per CPU core; default 1)")
        run.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary line")
        run.add_argument("--no-progress", dest="progress", action="store_false", default=None,
                         help="no progress bar (it is shown only when stderr is a terminal)")
        run.add_argument("--fail-on-skipped", action="store_true",
                         help="count skipped files (unsupported, binary, too large) as failures (exit 3)")
        run.add_argument("--debug", action="store_true", help="print tracebacks of per-file errors to stderr")
        if engine:
            eng = p.add_argument_group("policy and model")
            eng.add_argument("--policy", default="auto",
                             help="auto (route each text to its domain's policy), gdpr, hipaa, pci-dss, "
                                  "strict, or a policy file (default auto)")
            eng.add_argument("--operator", action="append", type=_operator, default=[], metavar="LABEL=OP",
                             help="override a label's operator (redact, replace, keep_last, hmac, aes_siv, "
                                  "aes_gcm, pseudonym, year_only, age_90_plus, zip3); '*=OP' for every label; "
                                  "needs a fixed --policy; repeatable")
            eng.add_argument("--model", help="GLiNER2 checkpoint folder (default $REDACTOR_MODEL or the shipped model)")
            eng.add_argument("--batch-size", type=int, default=8, help="model windows per pass (default 8)")
            eng.add_argument("--route-confidence", type=float, default=0.9,
                             help="--policy auto: below this routing confidence the union of the likely "
                                  "domains' policies applies (default 0.9)")
            eng.add_argument("--threads", type=int, help="torch threads per process (default: cores / jobs)")
            eng.add_argument("--chunk-chars", type=int, default=1200,
                             help="text formats: lines are grouped into units of about this many characters "
                                  "(default 1200)")
            eng.add_argument("--report-hash", action="store_true",
                             help="add a keyed hash (HMAC-SHA256 under the key) of each value to the report")
        fmt = p.add_argument_group("formats")
        fmt.add_argument("--json-keys", type=_keys, default=(), metavar="K,K",
                         help="json/jsonl: only string values under these keys (any depth)")
        fmt.add_argument("--json-skip-keys", type=_keys, default=(), metavar="K,K",
                         help="json/jsonl: never string values under these keys")
        fmt.add_argument("--max-json-depth", type=int, default=200, help="json/jsonl: deeper documents fail (200)")
        fmt.add_argument("--columns", type=_keys, default=(), metavar="C,C",
                         help="csv/tsv: only these columns (header names or 1-based numbers)")
        fmt.add_argument("--delimiter", help="csv/tsv: field delimiter (default ',' for .csv, tab for .tsv)")
        fmt.add_argument("--no-header", dest="header", action="store_false",
                         help="csv/tsv: the first row is data, not a header")
        fmt.add_argument("--html-attributes", type=_keys, metavar="A,A",
                         default=("alt", "title", "placeholder", "aria-label", "content", "href"),
                         help="html: attributes redacted besides text nodes (default alt,title,placeholder,"
                              "aria-label,content,href; '' for none)")

    p = sub.add_parser("redact", help="write redacted copies (the default command)", formatter_class=formatter,
                       description="Write redacted copies of files and folders.", epilog=EXIT_CODES_HELP)
    io_options(p, engine=True, writes=True)
    p.add_argument("--vault", type=Path, metavar="FILE",
                   help="record pseudonyms (encrypted) in FILE so `redact decrypt --vault` can reverse them")

    p = sub.add_parser("scan", help="report only; exit 1 when personal data is found", formatter_class=formatter,
                       description="Find personal data without writing anything; exit 1 when some finding "
                                   "scores at or above --fail-score.", epilog=EXIT_CODES_HELP)
    io_options(p, engine=True, writes=False)
    p.add_argument("--fail-score", type=float, default=0.0,
                   help="exit 1 only for findings scoring at least this (default 0: any finding that passed "
                        "its policy threshold)")

    p = sub.add_parser("decrypt", help="reverse encryption tokens and recorded pseudonyms",
                       formatter_class=formatter, epilog=EXIT_CODES_HELP,
                       description="Decrypt [ENC:...] tokens (aes_siv, aes_gcm) with the key, and with --vault "
                                   "put recorded pseudonyms back. A damaged token fails its file.")
    io_options(p, engine=False, writes=True)
    p.add_argument("--vault", type=Path, metavar="FILE", help="the vault written by `redact --vault`")

    p = sub.add_parser("policies", help="list, show or validate policies", formatter_class=formatter,
                       epilog=EXIT_CODES_HELP)
    psub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    psub.add_parser("list", help="the shipped policies")
    show = psub.add_parser("show", help="a policy with inheritance resolved, as YAML")
    show.add_argument("policy", help="a shipped name or a policy file")
    validate = psub.add_parser("validate", help="check policy files (exit 2 on the first invalid one)")
    validate.add_argument("files", nargs="+", type=Path)

    p = sub.add_parser("keygen", help="create a key file (mode 0600)", epilog=EXIT_CODES_HELP,
                       formatter_class=formatter)
    p.add_argument("file", type=Path)
    p.add_argument("--force", action="store_true", help="overwrite an existing file")

    for name, module in FORWARDED.items():
        sub.add_parser(name, help=f"python -m {module} (arguments passed through)", add_help=False)
    return root


# -- commands ------------------------------------------------------------------------------
def _settings(args: argparse.Namespace, mode: str) -> Any:
    from redactor.cli.formats.base import FormatOptions
    from redactor.cli.settings import Settings

    formats = FormatOptions(json_keys=args.json_keys, json_skip_keys=args.json_skip_keys,
                            max_json_depth=args.max_json_depth, columns=args.columns, delimiter=args.delimiter,
                            header=args.header, html_attributes=tuple(args.html_attributes),
                            chunk_chars=getattr(args, "chunk_chars", 1200))
    if formats.chunk_chars < 1 or (args.delimiter is not None and len(args.delimiter) != 1):
        raise UsageError("--chunk-chars must be positive and --delimiter one character")
    vault = getattr(args, "vault", None)
    return Settings(mode=mode, policy=getattr(args, "policy", "auto"),  # type: ignore[arg-type]
                    operators=tuple(getattr(args, "operator", ())), model=getattr(args, "model", None),
                    batch_size=getattr(args, "batch_size", 8), route_confidence=getattr(args, "route_confidence", 0.9),
                    report_hash=getattr(args, "report_hash", False), vault_file=str(vault) if vault else None,
                    threads=getattr(args, "threads", None), format=args.format, max_file_size=args.max_file_size,
                    formats=formats)


def _keyring(settings: Any, key_file: Path | None) -> Any:
    """The run's key: required when the policy has keyed operators, for --report-hash,
    --vault and decrypt; ``scan`` otherwise runs on a throwaway key (nothing is kept)."""
    from redactor.cli.settings import policy_needs_key
    from redactor.operators import KeyRing, KeyRingError

    if settings.mode == "decrypt" or settings.report_hash or settings.vault_file:
        needed = True
    elif settings.mode == "scan":
        needed = False
    else:
        needed = policy_needs_key(settings.policy, settings.operators)
    if not needed:
        if settings.mode == "scan" or key_file is not None:
            return KeyRing.load(key_file) if key_file is not None else KeyRing.generate()
        return None
    try:
        return KeyRing.load(key_file)
    except KeyRingError as error:
        why = ("the policy uses keyed operators (hmac, aes_siv, aes_gcm, pseudonym)"
               if settings.mode == "redact" and not settings.report_hash and not settings.vault_file
               else "this command needs the key")
        raise FatalError(f"{error} ({why}; or choose keyless operators, e.g. --operator '*=replace')") from None


def _run(args: argparse.Namespace, mode: str) -> int:
    from redactor.cli.runner import RunOptions, run_stdin, run_tree
    from redactor.cli.settings import build_policy

    writes = mode != "scan"
    stdin = args.paths == ["-"]
    if "-" in args.paths and not stdin:
        raise UsageError("'-' (standard input) cannot be combined with other paths")
    if writes:
        targets = [args.out is not None, args.in_place, stdin]
        if sum(targets) != 1:
            raise UsageError("give exactly one of -o/--out DIR, --in-place, or '-' (stdin to stdout)")
        if stdin and args.resume:
            raise UsageError("--resume needs files, not standard input")
    for path in args.paths:
        if path != "-" and not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or directory")
    if mode == "decrypt" and args.jobs != 1:
        args.jobs = 1  # no model: one process is as fast
    settings = _settings(args, mode)
    if mode != "decrypt":
        build_policy(settings.policy, settings.operators)  # a bad policy is a usage error, before any work
    if settings.report_hash and mode == "decrypt":
        raise UsageError("--report-hash is for redact and scan")
    keyring = _keyring(settings, args.key_file)
    jobs = args.jobs or os.cpu_count() or 1
    opts = RunOptions(inputs=[Path(p) for p in args.paths], out=getattr(args, "out", None),
                      in_place=getattr(args, "in_place", False), backup_suffix=getattr(args, "backup_suffix", ".bak"),
                      include=args.include, exclude=args.exclude, resume=getattr(args, "resume", False), jobs=jobs,
                      report=args.report, state_dir=getattr(args, "state_dir", None), quiet=args.quiet,
                      progress=args.progress, fail_score=getattr(args, "fail_score", 0.0),
                      fail_on_skipped=args.fail_on_skipped, debug=args.debug)
    if stdin:
        if args.report is not None and str(args.report) == "-" and writes:
            raise UsageError("--report - would mix the report into the redacted output on stdout")
        return run_stdin(settings, opts, keyring)
    if opts.out is not None and opts.out.exists() and not opts.out.is_dir():
        raise UsageError(f"--out {opts.out}: exists and is not a folder")
    return run_tree(settings, opts, keyring)


def _policies(args: argparse.Namespace) -> int:
    from redactor.policies import shipped
    from redactor.policy import PolicyError, load_policy

    if args.action == "list":
        for name in shipped():
            policy = load_policy(name)
            routes = f"  routes: {', '.join(policy.routes)}" if policy.routes else ""
            print(f"{name:10} {len(policy.labels):3} labels  {policy.title}{routes}")
        print(f"{'auto':10}            route each text to its domain's policy (union when unsure)")
        return 0
    if args.action == "show":
        import yaml

        try:
            policy = load_policy(args.policy)
        except PolicyError as error:
            raise UsageError(str(error)) from None
        print(yaml.safe_dump(policy.model_dump(mode="json"), sort_keys=False, allow_unicode=True), end="")
        return 0
    for path in args.files:
        try:
            policy = load_policy(path)
        except PolicyError as error:
            raise UsageError(f"invalid policy:\n{error}") from None
        print(f"ok: {path}: policy {policy.name!r}, {len(policy.labels)} labels")
    return 0


def _keygen(args: argparse.Namespace) -> int:
    from redactor.operators import KeyFormatError, KeyRing, generate_key, write_key_file

    key = generate_key()
    try:
        write_key_file(args.file, key, overwrite=args.force)
    except KeyFormatError as error:
        raise UsageError(f"{error} (--force overwrites; every token made with the old key is then lost)") from None
    except OSError as error:
        raise FatalError(f"cannot write {args.file}: {error.strerror}") from None
    print(f"wrote a new key to {args.file} (key id {KeyRing(key).key_id}); keep it secret and backed up: "
          f"without it, encrypted and pseudonymized output cannot be reversed", file=sys.stderr)
    return 0


def _forward(command: str, argv: list[str]) -> int:
    import importlib

    module = importlib.import_module(FORWARDED[command])
    sys.argv = [f"redact {command}", *argv]
    result = module.main(argv)
    return int(result or 0)



def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # its load-time notices are not ours to show
    try:
        if argv and argv[0] in FORWARDED:
            return _forward(argv[0], argv[1:])
        if argv and argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version"):
            argv = ["redact", *argv]
        parser = _parser()
        if not argv:
            parser.print_help(sys.stderr)
            return int(ExitCode.USAGE)
        args = parser.parse_args(argv)
        if args.command == "policies":
            return _policies(args)
        if args.command == "keygen":
            return _keygen(args)
        return _run(args, args.command)
    except CliError as error:
        print(f"redact: error: {error}", file=sys.stderr)
        return int(error.code)
    except KeyboardInterrupt:
        print("redact: interrupted; finished files are kept (run again with --resume)", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `redact - < big.log | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as error:
        from redactor.operators import KeyRingError
        from redactor.policy import PolicyError

        if isinstance(error, PolicyError):
            print(f"redact: error: {error}", file=sys.stderr)
            return int(ExitCode.USAGE)
        if isinstance(error, KeyRingError):
            print(f"redact: error: {error}", file=sys.stderr)
            return int(ExitCode.FATAL)
        if "--debug" in argv:
            raise
        print(f"redact: fatal: {type(error).__name__}: {error}", file=sys.stderr)
        return int(ExitCode.FATAL)


if __name__ == "__main__":
    raise SystemExit(main())
