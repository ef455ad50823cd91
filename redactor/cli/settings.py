"""The settings of one run: plain, picklable data that every worker process rebuilds its
engine from, plus the policy they describe and a digest for ``--resume``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from redactor.cli.errors import UsageError
from redactor.cli.formats.base import FormatOptions

if TYPE_CHECKING:
    from redactor.policy import Policy

Mode = Literal["redact", "scan", "decrypt"]


@dataclass(frozen=True)
class Settings:
    mode: Mode
    policy: str | Policy = "auto"  # "auto", a shipped name, a policy file path or a loaded policy
    operators: tuple[tuple[str, str], ...] = ()  # --operator LABEL=OP overrides ("*" = every label)
    model: str | None = None  # checkpoint directory; None: $REDACTOR_MODEL or the shipped model
    batch_size: int = 8  # model windows per encoder pass
    route_confidence: float = 0.9
    report_hash: bool = False  # add a keyed hash of each finding's value to the report
    vault_file: str | None = None  # redact: record pseudonyms for decrypt; decrypt: reverse them
    threads: int | None = None  # torch threads per worker (None: leave torch's default)
    format: str | None = None  # force a format handler (stdin, unknown suffixes)
    max_file_size: int = 1 << 30  # for formats read whole
    formats: FormatOptions = field(default_factory=FormatOptions)

    def digest(self, extra: dict[str, Any]) -> str:
        """What decides the output bytes: the same digest means a resumed run would write
        what the interrupted one did (settings, resolved policy, model files, key id)."""
        data = asdict(self)
        data.pop("threads")
        data.pop("vault_file")  # where surrogates are recorded does not change the output
        if self.mode != "decrypt":
            data["policy_resolved"] = build_policy(self.policy, self.operators).model_dump(mode="json") \
                if self.policy != "auto" else "auto"
            data["model_files"] = _model_fingerprint(self.model)
        data |= extra
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def build_policy(spec: str | Policy, operators: tuple[tuple[str, str], ...] = ()) -> Any:
    """The policy a run applies: ``spec`` (``"auto"`` is returned as is; a loaded policy is
    taken as it is, so that a driver can ship one to Spark executors that have no policy
    file) with ``--operator`` overrides.  Raises :class:`UsageError` with the policy
    loader's message."""
    from redactor.policy import Policy, PolicyError, load_policy

    if spec == "auto":
        if operators:
            raise UsageError("--operator needs a fixed policy (--policy gdpr|hipaa|pci-dss|strict|FILE): "
                             "with --policy auto each document's policy is chosen at run time")
        return "auto"
    try:
        policy = spec if isinstance(spec, Policy) else load_policy(spec)
    except PolicyError as error:
        raise UsageError(str(error)) from None
    if not operators:
        return policy
    data = policy.model_dump()
    for label, operator in operators:
        keys = list(data["labels"]) if label == "*" else [label]
        for key in keys:
            if key not in data["labels"]:
                raise UsageError(f"--operator {label}={operator}: policy {policy.name!r} has no label {key!r} "
                                 f"(labels: {', '.join(data['labels'])})")
            data["labels"][key] = {**data["labels"][key], "operator": operator, "params": {}}
    try:
        return Policy.model_validate(data)
    except ValueError as error:
        raise UsageError(f"--operator: {error}") from None


def policy_needs_key(spec: str, operators: tuple[tuple[str, str], ...] = ()) -> bool:
    """Whether any label that may apply uses a keyed operator (hmac, encryption, pseudonym)."""
    from redactor.operators import KEYED_OPERATORS
    from redactor.policy import load_policy, routing_table

    if spec == "auto":
        policies = [load_policy(name) for name in dict.fromkeys(routing_table().values())]
    else:
        policies = [build_policy(spec, operators)]
    return any(rule.operator in KEYED_OPERATORS for policy in policies for rule in policy.labels.values())


def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("redactor")
    except PackageNotFoundError:
        return "unknown"


def _model_fingerprint(model: str | None) -> list[Any]:
    import os

    path = model or os.environ.get("REDACTOR_MODEL")
    if path is None:
        from redactor.assets import DEFAULT_MODEL_DIR

        path = str(DEFAULT_MODEL_DIR)
    weights = Path(path) / "model.safetensors"
    try:
        stat = weights.stat()
    except OSError:
        return [str(path)]
    return [str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns]
