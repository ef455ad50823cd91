"""What executors build their engine from (:class:`RedactorSpec`), and the per-worker engines.

The spec is plain data pickled into each UDF's closure: the policy (validated on the
driver, then shipped as data so that executors need no policy file), the model directory,
batch settings, and *where* the key is.  It never holds key bytes.  Each Python worker
builds the engine a spec describes once (:func:`worker_redactor`, :func:`worker_transform`)
and keeps it in a module-level cache for every later batch and task: the model loads once
per worker process, never on the driver, and is never pickled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from redactor.cli.settings import Settings
    from redactor.cli.transform import EngineTransform
    from redactor.engine import Redactor
    from redactor.operators import KeyRing
    from redactor.policy import Policy

T = TypeVar("T")


@dataclass(frozen=True)
class RedactorSpec:
    """How every Python worker builds its engine (see the module docstring).

    Args:
        policy: ``"auto"`` (route each text to its domain's policy), a shipped policy name,
            a policy file on the driver, or a loaded :class:`~redactor.policy.Policy`.
        operators: ``(label, operator)`` overrides of a fixed policy (``"*"``: every label),
            as the CLI's ``--operator``.
        model: a checkpoint directory on the executors; None: their ``$REDACTOR_MODEL``,
            else the model shipped in the package.
        key_file: the key for keyed operators, as a path on the executors or the name of a
            file shipped with ``--files`` / ``SparkContext.addFile``; None: the executors'
            ``REDACTOR_KEY`` or ``REDACTOR_KEY_FILE``.  Only needed to redact with a policy
            that has keyed operators (hmac, aes_siv, aes_gcm, pseudonym).
        batch_size: model windows per encoder pass.
        route_confidence: with ``"auto"``, below this domain probability the union of the
            likely domains' policies applies.
    """

    policy: str | Policy = "auto"
    operators: tuple[tuple[str, str], ...] = ()
    model: str | None = None
    key_file: str | None = None
    batch_size: int = 8
    route_confidence: float = 0.9

    def resolved(self) -> RedactorSpec:
        """The spec with its policy loaded, validated and overridden (on the driver): a bad
        policy fails here, before any task, and executors need no policy file."""
        from redactor.cli.errors import UsageError
        from redactor.cli.settings import build_policy
        from redactor.policy import PolicyError

        try:
            policy = build_policy(self.policy, self.operators)
        except UsageError as error:
            raise PolicyError(str(error)) from None
        return replace(self, policy=policy, operators=())

    @property
    def policy_name(self) -> str:
        return self.policy if isinstance(self.policy, str) else self.policy.name

    def keyring(self, analysis: bool) -> KeyRing | None:
        """On an executor: the key for keyed operators.  Analysis applies no operator, so it
        runs on a throwaway key (as ``redact scan`` does); redaction reads ``key_file``, or
        with None leaves the engine to read ``REDACTOR_KEY`` / ``REDACTOR_KEY_FILE`` when its
        policy needs a key (a missing key then fails the task, never a row)."""
        from redactor.operators import KeyRing

        if analysis:
            return KeyRing.generate()
        if self.key_file is None:
            return None
        return KeyRing.from_file(_executor_path(self.key_file))


def as_spec(spec: RedactorSpec | str) -> RedactorSpec:
    """A policy name or file stands for a spec with default settings."""
    return spec if isinstance(spec, RedactorSpec) else RedactorSpec(spec)


def _executor_path(name: str) -> Path:
    """``name`` as given when it exists here (absolute, or relative to the working directory,
    where YARN puts ``--files``), else the copy Spark shipped with ``--files`` / ``addFile``."""
    path = Path(name)
    if path.is_absolute() or path.exists():
        return path
    from pyspark import SparkFiles

    return Path(SparkFiles.get(name))


# -- per-worker engines ------------------------------------------------------------------------
_ENGINES: dict[str, Any] = {}


def worker_redactor(spec: RedactorSpec, analysis: bool) -> Redactor:
    """This worker's :class:`~redactor.Redactor` for ``spec`` (built on first use)."""
    from redactor.engine import Redactor

    return _once(f"redactor {analysis} {spec!r}", lambda: Redactor(
        spec.policy, model=spec.model, keyring=spec.keyring(analysis), batch_size=spec.batch_size,
        route_confidence=spec.route_confidence))


def worker_transform(spec: RedactorSpec, settings: Settings) -> EngineTransform:
    """This worker's CLI transform (the format handlers' engine side) for a file run."""
    from redactor.cli.transform import EngineTransform

    return _once(f"transform {settings!r} {spec!r}",
                 lambda: EngineTransform(settings, spec.keyring(settings.mode == "scan")))


def _once(key: str, build: Callable[[], T]) -> T:
    """Tasks arrive with freshly unpickled specs, so engines are cached by value (the repr of
    plain data and a pydantic policy); a Python worker runs one task at a time."""
    if key not in _ENGINES:
        _ENGINES[key] = build()
    return _ENGINES[key]  # type: ignore[no-any-return]
