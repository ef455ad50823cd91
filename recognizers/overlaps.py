"""One deterministic rule for overlapping findings, applied before anonymization (issue #4).

Presidio's analyzer keeps overlaps between different entity types, and its anonymizer's
default strategy drops a contained result even when it scores higher, and masks
partial overlaps twice (see ``design/presidio.md`` §4).  Our model recognizer and the
pattern recognizers overlap routinely (a model PERSON over part of an e-mail address, a
URL around a token), so this module replaces all of that with one rule:

1. **Clusters.** Results whose character ranges overlap -- directly or through a chain
   (A overlaps B, B overlaps C) -- form one cluster.  Touching ranges (``A.end ==
   B.start``) share no character and stay separate.
2. **Union (fail safe).** Each cluster becomes ONE result covering every character of
   every member, so no character any recognizer flagged is left unmasked, and the
   output never overlaps, whatever strategy the anonymizer then uses.
3. **Winner.** The merged result takes its entity type, score, explanation and metadata
   from one member, the first under this total order:

   a. checksum-validated pattern results (``recognition_metadata`` ``validated`` and
      ``checksum`` True, as set by :mod:`redactor.recognizers.patterns`; or a Presidio
      ``PatternRecognizer`` explanation with ``validation_result`` True) before all
      others -- a passed Luhn/mod-97 check is stronger evidence than any model score;
   b. higher score;
   c. validated (format-checked) pattern results before unvalidated ones at equal score;
   d. longer span;
   e. earlier start;
   f. entity type name, then recognizer name, then the metadata's text, alphabetically
      -- so the result never depends on the order of the input.

   Only *checksum* evidence outranks the score: a format-only pattern (a bare-digit
   SSN at 0.6) must not relabel a 0.95 model span, because a per-label threshold
   applied after this step would then drop the whole cluster on the weaker score.
4. **Audit.** When a cluster has several members, the winner's metadata gains
   ``overlap_resolution``: the winner's own span, whether the span grew, and every
   member (type, span, score, recognizer); its explanation (copied) gains a line when
   the span grew.  Inputs are never mutated.

The function does no thresholding: a caller with per-label thresholds should filter
*before* resolving, or a weak winner could take a passing member's characters with it.
Results with no characters (``end <= start``) are dropped.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from presidio_analyzer import RecognizerResult

from redactor.recognizers.patterns import CHECKSUM_KEY, VALIDATED_KEY

__all__ = ["OVERLAP_KEY", "evidence", "resolve_overlaps"]

#: Metadata key added to a merged result that absorbed other results.
OVERLAP_KEY = "overlap_resolution"


def evidence(result: RecognizerResult) -> tuple[bool, bool]:
    """``(checksum_validated, validated)`` for ``result`` (rule 3a and 3c)."""
    metadata = result.recognition_metadata or {}
    validated = metadata.get(VALIDATED_KEY) is True
    checksum = validated and metadata.get(CHECKSUM_KEY) is True
    explanation = result.analysis_explanation
    if not validated and explanation is not None and explanation.validation_result is True:
        # A stock Presidio PatternRecognizer (e.g. its CreditCardRecognizer) reports a
        # passed validate_result() checksum only in the explanation.
        checksum = validated = True
    return checksum, validated


def _recognizer(result: RecognizerResult) -> str:
    return str((result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY, ""))


def _rank(result: RecognizerResult) -> tuple[Any, ...]:
    """Sort key whose minimum is the winner (module docstring, rule 3)."""
    checksum, validated = evidence(result)
    metadata = result.recognition_metadata or {}
    return (
        not checksum, -float(result.score), not validated, -(result.end - result.start), result.start,
        str(result.entity_type), _recognizer(result), repr(sorted(metadata.items(), key=lambda kv: str(kv[0]))),
    )


def _clusters(results: Sequence[RecognizerResult]) -> list[list[RecognizerResult]]:
    """Transitively overlapping groups, in order of start (one sweep over sorted spans)."""
    clusters: list[list[RecognizerResult]] = []
    reach = 0
    for result in sorted((r for r in results if r.end > r.start), key=lambda r: (r.start, r.end)):
        if clusters and result.start < reach:
            clusters[-1].append(result)
            reach = max(reach, result.end)
        else:
            clusters.append([result])
            reach = result.end
    return clusters


def _merge(cluster: list[RecognizerResult]) -> RecognizerResult:
    ranked = sorted(cluster, key=_rank)
    winner = ranked[0]
    start, end = min(r.start for r in cluster), max(r.end for r in cluster)
    metadata = dict(winner.recognition_metadata or {})
    explanation = copy.deepcopy(winner.analysis_explanation)
    if len(cluster) > 1:
        grew = (start, end) != (winner.start, winner.end)
        metadata[OVERLAP_KEY] = {
            "winner_span": (winner.start, winner.end),
            "span_grew": grew,
            "members": [{"entity_type": r.entity_type, "start": r.start, "end": r.end,
                         "score": r.score, "recognizer": _recognizer(r)} for r in ranked],
        }
        if grew and explanation is not None:
            explanation.append_textual_explanation_line(
                f"Span widened from [{winner.start}, {winner.end}) to [{start}, {end}) "
                f"to cover {len(cluster) - 1} overlapping finding(s)")
    return RecognizerResult(entity_type=winner.entity_type, start=start, end=end, score=winner.score,
                            analysis_explanation=explanation, recognition_metadata=metadata)


def resolve_overlaps(results: Sequence[RecognizerResult]) -> list[RecognizerResult]:
    """Non-overlapping results covering every flagged character, sorted by start.

    See the module docstring for the rule.  The output depends only on the set of
    inputs, not their order.
    """
    return [_merge(cluster) for cluster in _clusters(results)]
