"""The evaluator: metric functions on hand-made cases with known answers, the offline
Presidio baseline, and the CLI as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from redactor import GLiNER2
from redactor.training.evaluate import (CharCoverage, Counts, GLiNER2Predictor, char_coverage, evaluate,
                                        format_table, label_counts, micro, regime_labels)
from redactor.training.records import SpanLabel as S
from redactor.training.records import load_records

REPO = Path(__file__).resolve().parents[1]

#            0         1         2         3         4
#            0123456789012345678901234567890123456789012345
TEXT = "John Smith wrote to ann@x.io from Berlin today"
GOLD = [S(0, 10, "person"), S(20, 28, "email"), S(34, 40, "city")]


def test_counts_ratios_and_zero_denominators() -> None:
    c = Counts(tp=2, fp=2, fn=0)
    assert (c.precision, c.recall) == (0.5, 1.0)
    assert c.f1 == pytest.approx(2 / 3)
    assert (Counts().precision, Counts().recall, Counts().f1) == (0.0, 0.0, 0.0)


def test_exact_versus_overlap() -> None:
    pred = [S(0, 4, "person"), S(20, 28, "email"), S(34, 40, "person")]
    exact = label_counts([GOLD], [pred], "exact")
    overlap = label_counts([GOLD], [pred], "overlap")
    # "John" for "John Smith": wrong boundaries (exact) but the same entity (overlap)
    assert (exact["person"].tp, exact["person"].fp, exact["person"].fn) == (0, 2, 1)
    assert (overlap["person"].tp, overlap["person"].fp, overlap["person"].fn) == (1, 1, 0)
    assert (exact["email"].tp, exact["email"].fp, exact["email"].fn) == (1, 0, 0)
    # Berlin predicted as person: the label is wrong in both modes
    assert (exact["city"].tp, exact["city"].fn) == (0, 1)
    assert (overlap["city"].tp, overlap["city"].fn) == (0, 1)
    m = micro(overlap)
    assert (m.tp, m.fp, m.fn) == (2, 1, 1)


def test_overlap_is_one_to_one() -> None:
    gold = [S(0, 4, "person"), S(9, 13, "person")]  # "Anna and Bert": one long prediction
    counts = label_counts([gold], [[S(0, 13, "person")]], "overlap")["person"]
    assert (counts.tp, counts.fp, counts.fn) == (1, 0, 1)


def test_predictions_outside_the_label_set_are_not_scored() -> None:
    counts = label_counts([GOLD], [[S(0, 10, "person"), S(11, 16, "organization")]], "exact")
    assert set(counts) == {"person", "email", "city"}
    assert micro(counts).fp == 0


def test_char_recall_partial_coverage_any_label() -> None:
    # "Smith" (5 chars) and all of Berlin (6) covered, wrongly typed; the e-mail missed.
    pred = [S(5, 10, "city"), S(34, 40, "date")]
    cov = char_coverage([TEXT], [GOLD], [pred])
    # gold chars: "JohnSmith" 9 (the space is not PII) + 8 + 6 = 23
    assert (cov.gold_chars, cov.covered_chars) == (23, 11)
    assert cov.recall == pytest.approx(11 / 23)
    assert (cov.documents, cov.leaking, cov.leak_rate) == (1, 1, 1.0)


def test_whitespace_gaps_do_not_leak() -> None:
    pred = [S(0, 4, "person"), S(5, 10, "person"), S(20, 28, "email"), S(34, 40, "city")]
    cov = char_coverage([TEXT], [GOLD], [pred])
    assert cov.recall == 1.0 and cov.leak_rate == 0.0


def test_leak_rate_counts_only_documents_with_pii() -> None:
    texts = [TEXT, "nothing personal here", TEXT]
    gold = [GOLD, [], GOLD]
    pred = [[S(0, 46, "person")], [], [S(0, 10, "person")]]
    cov = char_coverage(texts, gold, pred)
    assert (cov.documents, cov.leaking) == (2, 1)
    assert cov.leak_rate == 0.5


def test_empty_predictions() -> None:
    report = evaluate([TEXT], [GOLD], [[]])
    assert report.chars.recall == 0.0 and report.chars.leak_rate == 1.0
    assert micro(report.overlap).recall == 0.0 and micro(report.exact).precision == 0.0
    assert report.exact["email"].fn == 1


def test_no_gold_spans() -> None:
    report = evaluate(["no pii"], [[]], [[S(0, 2, "person")]])
    assert report.labels == [] and report.chars.recall is None and report.chars.leak_rate is None
    assert CharCoverage().recall is None
    assert "n/a" in format_table([report])


def test_per_regime_char_recall() -> None:
    text = "Ann has diabetes"
    gold = [S(0, 3, "person"), S(8, 16, "health_condition")]
    report = evaluate([text], [gold], [[S(0, 3, "email")]])
    assert regime_labels("gdpr_art9", report.labels) == ["health_condition"]
    assert report.regime_chars["hipaa"].recall == 1.0
    assert report.regime_chars["gdpr_art9"].recall == 0.0
    assert report.label_chars["person"].recall == 1.0
    payload = report.to_dict()
    assert payload["per_label"]["health_condition"]["char"]["leak_rate"] == 1.0
    json.dumps(payload)


def test_label_map_drops_and_reports(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"text": "Ana vive en Madrid", "spans": [
        {"start": 0, "end": 3, "label": "PER"}, {"start": 12, "end": 18, "label": "LOC"}]}) + "\n")
    records, dropped = load_records(path, {"PER": "person"})
    assert records[0].spans == [S(0, 3, "person")] and dropped == {"LOC": 1}
    records, dropped = load_records(path)
    assert [s.label for s in records[0].spans] == ["PER", "LOC"] and dropped == {}


def test_gliner_prompt_uses_catalogue_names() -> None:
    prompt = GLiNER2Predictor(model=None, thresholds={"email": 0.8}).prompt(["email", "custom_key"])
    assert list(prompt) == ["email address", "custom_key"]
    assert prompt["email address"]["description"] and prompt["custom_key"]["description"] is None
    assert [p["threshold"] for p in prompt.values()] == [0.8, 0.5]  # per-label threshold wins
    bare = GLiNER2Predictor(model=None, describe=False).prompt(["email"])
    assert bare == {"email address": {"description": None, "threshold": 0.5}}


def test_routing_accuracy_counts_documents_with_a_gold_domain() -> None:
    from redactor.training.evaluate import routing_accuracy

    got = routing_accuracy(["health", "health", "finance", None], ["health", "legal", "finance", "x"])
    assert got["documents"] == 3 and got["accuracy"] == pytest.approx(2 / 3)
    assert got["per_domain"]["health"] == {"accuracy": 0.5, "documents": 2}


@pytest.fixture(scope="module")
def presidio():
    pytest.importorskip("presidio_analyzer")
    from redactor.training.presidio_baseline import PresidioPredictor

    return PresidioPredictor()


def test_presidio_finds_email_and_ssn(presidio) -> None:
    text = "Reach Dana at dana.miller@example.com; her SSN is 536-22-8843."
    spans = presidio.predict([text], ["email", "ssn"])[0]
    found = {(text[s.start:s.end], s.label) for s in spans}
    assert ("dana.miller@example.com", "email") in found
    assert ("536-22-8843", "ssn") in found


@pytest.fixture(scope="module")
def model_dir(fresh_model: GLiNER2, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained model saved as a checkpoint (name_model_dir's pattern, without
    the minute-long training: the CLI test checks plumbing, not accuracy)."""
    directory = tmp_path_factory.mktemp("eval_model")
    fresh_model.save_pretrained(directory)
    return directory


def test_cli_side_by_side(model_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("presidio_analyzer")
    data = tmp_path / "tiny.jsonl"
    rows = [("Patient John Smith, email john@example.com.", [(8, 18, "PER"), (26, 42, "email")]),
            ("Nothing to see here.", [])]
    data.write_text("".join(json.dumps({"text": t, "spans": [{"start": a, "end": b, "label": lab}
                                                            for a, b, lab in spans]}) + "\n"
                            for t, spans in rows))
    label_map = tmp_path / "map.json"
    label_map.write_text(json.dumps({"PER": "person"}))
    out = tmp_path / "report.json"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "redactor.training.evaluate", str(data), "--model", str(model_dir),
                           "--presidio", "--label-map", str(label_map), "--json", str(out)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    header = next(line for line in proc.stdout.splitlines() if line.startswith("metric"))
    assert header.split()[1:] == ["ours", "presidio"]
    assert "char recall (any label)" in proc.stdout and "email overlap F1" in proc.stdout
    report = json.loads(out.read_text())
    assert report["documents"] == 2 and report["gold_spans"] == 2
    presidio_report = report["reports"][1]
    assert presidio_report["per_label"]["email"]["overlap"]["tp"] == 1
    assert presidio_report["char"]["documents_with_pii"] == 1


def test_calibration_picks_the_cut_that_keeps_recall_and_drops_noise() -> None:
    from redactor.training.calibrate import pick_thresholds
    from redactor.training.records import Record

    records = [Record("Ann Lee and Bo Chan met Cy.", [S(0, 7, "person"), S(12, 19, "person")]),
               Record("Order 42 shipped.", [])]
    scored = [[(S(0, 7, "person"), 0.9), (S(12, 19, "person"), 0.42), (S(24, 26, "person"), 0.2)],
              [(S(6, 8, "person"), 0.3)]]
    picked = pick_thresholds(records, scored, ["person", "email", "ssn"], beta=2.0)
    # 0.35..0.40 keeps both names (recall 1) and drops both noise spans: the F2 optimum
    assert 0.3 < picked["person"]["threshold"] <= 0.42
    assert picked["person"]["recall"] == 1.0 and picked["person"]["precision"] == 1.0
    assert picked["email"]["threshold"] == 0.5  # no gold on dev: default kept
    records[1].spans.append(S(6, 8, "ssn"))
    missed = pick_thresholds(records, [[], []], ["ssn"], beta=2.0)
    assert missed["ssn"]["threshold"] == 0.5  # never found: no cut helps, the default stays


def test_calibration_with_a_recall_floor_gives_up_precision_for_names() -> None:
    """Under ``min_recall`` the F2 optimum that misses names loses to the best cut that
    finds enough of them; when no cut does, the cut with the most recall wins."""
    from redactor.training.calibrate import pick_thresholds
    from redactor.training.records import Record

    text = "Ann and Bo and Cy and Di met " + " ".join(f"w{k}" for k in range(8))
    names = [S(0, 3, "person"), S(8, 10, "person"), S(15, 17, "person"), S(22, 24, "person")]
    noise = [S(29 + 3 * k, 31 + 3 * k, "person") for k in range(8)]
    records = [Record(text, list(names)) for _ in range(2)]
    # three sure names; the fourth scored 0.12, as low as eight noise words
    scored = [[(n, 0.9) for n in names[:3]] + [(n, 0.12) for n in names[3:] + noise] for _ in records]
    free = pick_thresholds(records, scored, ["person"], beta=2.0)["person"]
    assert free["threshold"] > 0.12 and free["recall"] == 0.75  # F2 drops the weak name with the noise
    floored = pick_thresholds(records, scored, ["person"], beta=2.0, min_recall=0.85)["person"]
    assert floored["threshold"] <= 0.12 and floored["recall"] == 1.0
    assert floored["f_beta"] < free["f_beta"]
    unreachable = [[(S(0, 3, "person"), 0.9), (S(8, 10, "person"), 0.3)] for _ in records]
    most = pick_thresholds(records, unreachable, ["person"], beta=2.0, min_recall=0.85)["person"]
    assert most["threshold"] <= 0.3 and most["recall"] == 0.5


def test_calibration_keeps_the_lowest_cut_any_source_found_the_label_with() -> None:
    from redactor.training.calibrate import lowest_cut

    synthetic = {"person": {"threshold": 0.4, "f_beta": 0.98}, "email": {"threshold": 0.3, "f_beta": 1.0}}
    tweets = {"person": {"threshold": 0.05, "f_beta": 0.78}}
    blind = {"person": {"threshold": 0.5, "f_beta": 0.0}, "email": {"threshold": 0.9, "f_beta": 0.5}}
    assert lowest_cut([synthetic, tweets, blind]) == {"person": 0.05, "email": 0.3}
    assert lowest_cut([synthetic, blind]) == {"person": 0.4, "email": 0.3}  # a source that never finds it has no say


def test_calibration_cli_leaves_out_the_reported_real_documents(model_dir: Path, tmp_path: Path) -> None:
    dev, real, label_map = tmp_path / "dev.jsonl", tmp_path / "real.jsonl", tmp_path / "map.json"
    dev.write_text(json.dumps({"text": "Call Ann Lee today.", "spans": [
        {"start": 5, "end": 12, "label": "person"}]}) + "\n")
    real.write_text("".join(json.dumps({"text": f"doc {i} by Bo Chan", "spans": [
        {"start": len(f"doc {i} by "), "end": len(f"doc {i} by Bo Chan"), "label": "PER"}]}) + "\n"
        for i in range(5)))
    label_map.write_text(json.dumps({"PER": "person"}))
    out = tmp_path / "t.json"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    base = [sys.executable, "-m", "redactor.training.calibrate", str(dev), "--model", str(model_dir),
            "--out", str(out), "--real", str(real), str(label_map)]
    proc = subprocess.run(base + ["--real-skip", "3"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert f"# {real} from #3: 2 documents" in proc.stdout and set(json.loads(out.read_text())) == {"person"}
    empty = subprocess.run(base + ["--real-skip", "5"], cwd=REPO, env=env, capture_output=True, text=True,
                           timeout=300)
    assert empty.returncode == 2 and "no documents left after skipping the first 5" in empty.stderr


def test_cli_zero_shot_asks_only_the_held_out_labels(tmp_path: Path) -> None:
    pytest.importorskip("presidio_analyzer")
    text = "Host 00:1A:2B:3C:4D:5E belongs to ann@example.com."
    data = tmp_path / "zs.jsonl"
    data.write_text(json.dumps({"text": text, "spans": [
        {"start": 5, "end": 22, "label": "mac_address"}, {"start": 34, "end": 49, "label": "email"}]}) + "\n")
    out = tmp_path / "report.json"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "redactor.training.evaluate", str(data), "--presidio",
                           "--zero-shot", "--json", str(out)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    scored = set(json.loads(out.read_text())["reports"][0]["per_label"])
    assert "mac_address" in scored and "email" not in scored  # trained labels are left out
    assert "labels: mac_address, crypto_wallet, nationality" in proc.stdout
    refused = subprocess.run([sys.executable, "-m", "redactor.training.evaluate", str(data), "--presidio",
                              "--zero-shot", "--labels", "email"],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert refused.returncode == 2 and "--zero-shot picks the labels itself" in refused.stderr


def test_trained_label_score_leaves_out_held_out_labels() -> None:
    text = "Ann is Italian"
    gold = [S(0, 3, "person"), S(7, 14, "nationality")]
    report = evaluate([text], [gold], [[S(0, 3, "person")]])
    assert report.held_out() == ["nationality"]
    assert micro(report.overlap).recall == 0.5
    trained = report.trained_overlap()
    assert (trained.tp, trained.fn, trained.recall) == (1, 0, 1.0)
    assert report.to_dict()["micro"]["overlap_trained_labels"]["recall"] == 1.0
    table = format_table([report])
    assert "trained labels overlap F1" in table and "zero-shot (held-out) overlap F1" in table
    alone = format_table([evaluate([text], [gold[1:]], [[]], ["nationality"])])
    assert "zero-shot (held-out) overlap F1" in alone and "trained labels" not in alone
