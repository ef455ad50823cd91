"""The engine side of the format handlers: transform text units in batches, record findings.

One :class:`EngineTransform` per process (it holds the loaded model).  For each file the
runner calls :meth:`~EngineTransform.begin`, the handler calls the transform with batches
of units, and :meth:`~EngineTransform.end` returns the file's findings as report records
(and, when recording pseudonyms, the file's vault entries).

Consecutive short units (CSV cells, JSON values, headers, HTML text nodes) are analyzed
together, packed one per line into model texts of about ``--chunk-chars`` characters, so
the model's prompt (every label and description of the policy) is paid once per pack
instead of once per cell; each unit is then anonymized on its own with the findings that
fall inside it.  This uses ``Redactor._analyze`` / ``Redactor._anonymize`` (the engine's
two halves) directly.

Modes:

* ``redact``: every finding is replaced by its label's operator and recorded with its
  location, label, entity type, policy, operator and score -- never the value; at most a
  keyed hash of it (``--report-hash``).  Line-preserving units are anonymized line by line.
* ``scan``: the same analysis; the text is returned unchanged (nothing is written).
* ``decrypt``: no model; ``[ENC:...]`` tokens are decrypted and recorded pseudonyms
  reversed (``--vault``).  A damaged token fails the file (``TamperError``).

Whitespace-only units are returned as they are without calling the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redactor.cli.formats.base import Where, split_lines
from redactor.cli.settings import Settings, build_policy
from redactor.packing import clip


def _vault_redactor_class() -> type:
    """``Redactor`` that also records pseudonyms in ``self.vault`` (the engine's own
    anonymize step with the vault passed to ``operator_config``)."""
    from presidio_analyzer import RecognizerResult
    from presidio_anonymizer.entities import OperatorConfig

    from redactor.engine import Redaction, Redactor
    from redactor.operators import operator_config

    class VaultRedactor(Redactor):
        vault: Any = None

        def _anonymize(self, text, findings, policy, domain):  # type: ignore[no-untyped-def]
            if self.vault is None:
                return super()._anonymize(text, findings, policy, domain)
            results = [RecognizerResult(f.entity_type, f.start, f.end, f.score) for f in findings]
            operators: dict[str, OperatorConfig] = {}
            for f in findings:
                rule = policy.labels[f.label]
                operators[f.entity_type] = operator_config(rule.operator, rule.params, rule.entity_type,
                                                           self.keyring, self.vault)
            anonymized = self.anonymizer.anonymize(text=text, analyzer_results=results,  # type: ignore[arg-type]
                                                   operators=operators)
            return Redaction(anonymized.text, findings, policy.name, domain)

    return VaultRedactor


class EngineTransform:
    """See the module docstring.  ``keyring``: the run's key (a throwaway one is fine for
    ``scan`` without ``--report-hash``)."""

    def __init__(self, settings: Settings, keyring: Any) -> None:
        self.settings = settings
        self.keyring = keyring
        self.redactor: Any = None
        self.decrypt_vault: Any = None
        if settings.mode == "decrypt":
            if settings.vault_file:
                from redactor.operators import PseudonymVault

                self.decrypt_vault = PseudonymVault.load(settings.vault_file)
                if self.decrypt_vault.key_id not in (None, keyring.key_id):
                    from redactor.cli.errors import FatalError

                    raise FatalError(f"vault {settings.vault_file} was written with key "
                                     f"{self.decrypt_vault.key_id}, not with this key ({keyring.key_id})")
        else:
            policy = build_policy(settings.policy, settings.operators)
            self.redactor = _vault_redactor_class()(policy, model=settings.model, keyring=keyring,
                                                    route_confidence=settings.route_confidence,
                                                    batch_size=settings.batch_size)
        self._reverse: Any = None
        self.path = ""
        self.findings: list[dict[str, Any]] = []
        self.vault: Any = None

    # -- per file -----------------------------------------------------------------------
    def begin(self, path: str) -> None:
        self.path, self.findings = path, []
        if self.settings.mode == "redact" and self.settings.vault_file:
            from redactor.operators import PseudonymVault

            self.vault = PseudonymVault(self.keyring.key_id)
            self.redactor.vault = self.vault

    def end(self) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        findings, self.findings = self.findings, []
        vault, self.vault = self.vault, None
        if self.redactor is not None:
            self.redactor.vault = None
        return findings, (vault.to_json() if vault is not None and len(vault) else None)

    # -- the transform ------------------------------------------------------------------
    def __call__(self, texts: Sequence[str], wheres: Sequence[Where], *,
                 keep_newlines: bool = False) -> list[str]:
        out = list(texts)
        todo = [i for i, text in enumerate(texts) if text.strip()]
        if not todo:
            return out
        if self.settings.mode == "decrypt":
            for i in todo:
                out[i] = self._decrypt(texts[i])
            return out
        analyzed = self._analyze([texts[i] for i in todo])
        for i, (findings, policy, domain) in zip(todo, analyzed):
            out[i] = self._anonymize(texts[i], wheres[i], findings, policy, domain, keep_newlines)
        return list(texts) if self.settings.mode == "scan" else out

    def _analyze(self, texts: list[str]) -> list[tuple[list[Any], Any, str | None]]:
        """(findings, policy, domain) per text.  Consecutive short texts (cells, values,
        headers, text nodes) are packed, one per line, into model texts of about
        ``chunk_chars``: the model's prompt is then paid once per pack instead of once per
        cell, and neighbouring values give each other context.  Findings are mapped back
        to their text (cut at its ends)."""
        analyzed = self.redactor._analyze_packed(texts, self.settings.formats.chunk_chars)
        return [(findings, prediction.policy, prediction.domain) for findings, prediction in analyzed]

    def _anonymize(self, text: str, where: Where, findings: list[Any], policy: Any, domain: str | None,
                   keep_newlines: bool) -> str:
        """The unit with each finding replaced by its operator's output, and its findings
        recorded.  Line-preserving units are anonymized line by line, so no replacement can
        join or split lines (a span that runs over a line end is cut there)."""
        parts = split_lines(text) if keep_newlines else [text]
        first = where.get("line")
        pieces: list[str] = []
        offset = 0
        for k, part in enumerate(parts):
            local = clip(findings, part, offset)
            offset += len(part)
            if not local:
                pieces.append(part)
                continue
            part_where = {**where, "line": (first + k) if first is not None else k + 1} if keep_newlines else where
            self._record(part, part_where, local, policy, domain)
            if self.settings.mode == "scan":
                pieces.append(part)
                continue
            new = self.redactor._anonymize(part, local, policy, domain).text
            if keep_newlines and new.count("\n") != part.count("\n"):  # a replacement took the line end
                body = part.rstrip("\r\n")
                new = new.replace("\r", " ").replace("\n", " ").rstrip(" ") + part[len(body):]
            pieces.append(new)
        return "".join(pieces)

    def _decrypt(self, text: str) -> str:
        from redactor.operators import decrypt_text

        if self.decrypt_vault is not None and len(self.decrypt_vault):
            if self._reverse is None:
                self._reverse = _reverser(self.decrypt_vault, self.keyring)
            text = self._reverse(text)
        return decrypt_text(text, self.keyring)

    # -- findings -----------------------------------------------------------------------
    def _record(self, text: str, where: Where, findings: list[Any], policy: Any, domain: str | None) -> None:
        for finding in findings:
            record: dict[str, Any] = {"type": "finding", "path": self.path, **where}
            start, end = finding.start, finding.end
            if "line" in where:
                line_start = text.rfind("\n", 0, start) + 1
                record["line"] = where["line"] + text.count("\n", 0, line_start)
                start, end = start - line_start, end - line_start
            rule = policy.labels.get(finding.label)
            record |= {"start": start, "end": end, "label": finding.label, "entity_type": finding.entity_type,
                       "policy": policy.name, "operator": rule.operator if rule else None,
                       "score": round(finding.score, 4), "recognizer": finding.recognizer}
            if domain is not None:
                record["domain"] = domain
            if self.settings.report_hash:
                from redactor.operators import hmac_token

                record["hash"] = hmac_token(text[finding.start:finding.end], finding.entity_type, self.keyring)
            self.findings.append(record)


def _reverser(vault: Any, keyring: Any) -> Any:
    """``reverse_text(text, vault, keyring)`` with the vault decrypted and the pattern built
    once (that function does both per call, which is quadratic over a dump)."""
    import re

    originals = vault.originals(keyring)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(s) for s in sorted(originals, key=len, reverse=True))
                         + r")(?!\w)")
    return lambda text: pattern.sub(lambda m: originals[m.group(0)], text)
