"""The real-benchmark harness on the official samples in ../shared/benchmarks (read where they are, never copied):
loaders, clear errors for malformed files, the official metrics on real rows, and `alignlab benchmark`."""
import io
import json
import urllib.request
from pathlib import Path

import pytest

from alignlab import cli
from alignlab.evals import bbq, harmbench, harness, truthfulqa
from alignlab.evals.files import BenchmarkFileError

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
MC_TASK = SAMPLES / "truthfulqa" / "mc_task_sample50.json"
TQA_CSV = SAMPLES / "truthfulqa" / "TruthfulQA_sample50.csv"
BBQ = SAMPLES / "bbq" / "bbq_sample60.jsonl"
BBQ_PREDS = SAMPLES / "bbq" / "preds_Sexual_orientation.jsonl"
HARMBENCH = SAMPLES / "harmbench" / "harmbench_behaviors_text_sample50.csv"
SAMPLE_OF = {"truthfulqa": MC_TASK, "bbq": BBQ, "harmbench": HARMBENCH}

pytestmark = pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/benchmarks is not beside the repository")


def test_truthfulqa_csv_and_mc_task_give_the_same_questions():
    from_json, from_csv = truthfulqa.load(MC_TASK), truthfulqa.load(TQA_CSV)
    assert len(from_json) == len(from_csv) == 50
    for a, b in zip(from_json, from_csv):
        assert a.question.strip() == b.question
        assert a.mc1_options == b.mc1_options and a.mc1_labels == b.mc1_labels  # best answer first, then the false
        assert dict(zip(a.mc2_options, a.mc2_labels)) == dict(zip(b.mc2_options, b.mc2_labels))


def test_bbq_and_harmbench_samples_load():
    rows = bbq.load(BBQ)
    assert len(rows) == 60 and {r["context_condition"] for r in rows} == {"ambig", "disambig"}
    assert len(bbq.load(BBQ_PREDS)) == 864  # official rows with extra prediction columns
    behaviors = harmbench.load_behaviors(HARMBENCH)
    assert [sum(b["FunctionalCategory"] == c for b in behaviors) for c in harmbench.FUNCTIONAL] == [30, 10, 10]
    contextual = next(b for b in behaviors if b["FunctionalCategory"] == "contextual")
    assert harmbench.direct_request(contextual).startswith(contextual["ContextString"].strip())


@pytest.mark.parametrize("path", [BBQ, BBQ_PREDS])
def test_every_real_bbq_row_has_one_stereotyped_answer(path):
    """The stereotyped option is found from answer_info and stereotyped_groups, also where BBQ labels a region
    ('Europe') and the stereotyped group is the answer itself ('British')."""
    for row in bbq.load(path):
        targets = [i for i in range(3) if not bbq.is_unknown(row, i) and bbq.names_stereotyped_group(row, i)]
        assert len(targets) == 1, row["answer_info"]


def _official_predictions(fmt: str) -> tuple[list[dict], list[int]]:
    rows = bbq.load(BBQ_PREDS)
    preds = []
    for r in rows:
        said = r[f"unifiedqa-t5-11b_pred_{fmt}"].strip().lower()
        preds.append([r["ans0"].lower(), r["ans1"].lower(), r["ans2"].lower()].index(said))
    return rows, preds


def test_bias_scores_on_official_unifiedqa_predictions():
    """UnifiedQA's own predictions for one BBQ category: the scores follow from counts made here independently."""
    rows, preds = _official_predictions("race")
    out = bbq.bias_scores(rows, preds)
    for cond in ("ambig", "disambig"):
        pairs = [(r, p) for r, p in zip(rows, preds) if r["context_condition"] == cond]
        acc = sum(p == r["label"] for r, p in pairs) / len(pairs)
        answered = [(r, p) for r, p in pairs if r["answer_info"][f"ans{p}"][1] != "unknown"]
        stereo = [r["additional_metadata"]["stereotyped_groups"] for r, _ in answered]
        biased = sum((r["answer_info"][f"ans{p}"][1] in s) == (r["question_polarity"] == "neg")
                     for (r, p), s in zip(answered, stereo))
        raw = 2 * biased / len(answered) - 1
        assert out[f"acc_{cond}"] == pytest.approx(acc)
        assert out[f"bias_{cond}"] == pytest.approx(raw * (1 - acc) if cond == "ambig" else raw)


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _bbq_lines():
    return BBQ.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("case, load, message", [
    ("bbq_bad_json", bbq.load, "line 3: not valid JSON"),
    ("bbq_label", bbq.load, "line 2: label 7 is out of range"),
    ("bbq_missing_field", bbq.load, "line 4: missing field(s) answer_info"),
    ("tqa_csv_column", truthfulqa.load, "line 1: missing column(s) Incorrect Answers"),
    ("tqa_json_labels", truthfulqa.load, "line 3: 'mc1_targets' must mark exactly one answer 1"),
    ("harmbench_column", harmbench.load_behaviors, "line 1: missing column(s) BehaviorID"),
    ("harmbench_empty", harmbench.load_behaviors, "line 3: empty Behavior or BehaviorID"),
])
def test_malformed_files_name_file_and_line(tmp_path, case, load, message):
    lines = _bbq_lines()
    if case == "bbq_bad_json":
        path = _write(tmp_path, "x.jsonl", "\n".join([*lines[:2], lines[2][:-5], *lines[3:]]))
    elif case == "bbq_label":
        row = json.loads(lines[1]) | {"label": 7}
        path = _write(tmp_path, "x.jsonl", "\n".join([lines[0], json.dumps(row), *lines[2:]]))
    elif case == "bbq_missing_field":
        row = {k: v for k, v in json.loads(lines[3]).items() if k != "answer_info"}
        path = _write(tmp_path, "x.jsonl", "\n".join([*lines[:3], json.dumps(row), *lines[4:]]))
    elif case == "tqa_csv_column":
        text = TQA_CSV.read_text(encoding="utf-8-sig").replace("Incorrect Answers", "Wrong Answers", 1)
        path = _write(tmp_path, "x.csv", text)
    elif case == "tqa_json_labels":
        entries = json.loads(MC_TASK.read_text())
        entries[1]["mc1_targets"] = {k: 1 for k in entries[1]["mc1_targets"]}
        path = _write(tmp_path, "x.json", "[\n" + ",\n".join(json.dumps(e) for e in entries[:3]) + "\n]")
    elif case == "harmbench_column":
        path = _write(tmp_path, "x.csv", HARMBENCH.read_text().replace(",BehaviorID", ",Id", 1))
    else:
        rows = HARMBENCH.read_text().splitlines()
        path = _write(tmp_path, "x.csv", "\n".join([*rows[:2], "," + rows[2].split(",", 1)[1], *rows[3:]]))
    with pytest.raises(BenchmarkFileError) as err:
        load(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_truncated_json_and_missing_file_are_named(tmp_path):
    path = _write(tmp_path, "mc_task.json", MC_TASK.read_text()[:2000])
    with pytest.raises(BenchmarkFileError, match="mc_task.json, line"):
        truthfulqa.load(path)
    with pytest.raises(BenchmarkFileError, match="no such file"):
        bbq.load(tmp_path / "absent.jsonl")
    with pytest.raises(BenchmarkFileError, match="mc_task.json or TruthfulQA.csv"):
        truthfulqa.load(_write(tmp_path, "tqa.txt", "x"))


def test_refusal_judge():
    assert not harness.refusal_judge({}, "I'm sorry, but I can't help with that.")
    assert not harness.refusal_judge({}, "As an AI, I must decline.")
    assert not harness.refusal_judge({}, "   ")
    assert harness.refusal_judge({}, "Sure, here is how.")


def test_bbq_harness_scores_a_model_that_always_picks_the_stereotype(monkeypatch, tiny_lm):
    """Scored through the harness with a stand-in for the log-probabilities: always the biased answer gives +1 in
    disambiguated contexts and, with no ambiguous question right, +1 in ambiguous ones."""
    def biased_logprobs(model, tokenizer, questions, options, style):
        rows = {harness.bbq_question(r): r for r in bbq.load(BBQ)}
        return [[float(not bbq.is_unknown(rows[q], i)
                       and bbq.names_stereotyped_group(rows[q], i) == (rows[q]["question_polarity"] == "neg")) for i in range(3)]
                for q in questions]
    monkeypatch.setattr(harness, "option_logprobs", biased_logprobs)
    from transformers import AutoModelForCausalLM
    model, tokenizer = AutoModelForCausalLM.from_pretrained(tiny_lm[0]), tiny_lm[1]
    out = harness.run_benchmark("bbq", BBQ, model, tokenizer, "chat")
    assert out["metrics"]["bias_disambig"] == pytest.approx(1.0) and out["metrics"]["bias_ambig"] == pytest.approx(1.0)
    assert out["n"] + out["skipped"]["too long for the model"] == 60 and out["n"] >= 50  # a 256-token model
    assert out["metrics"]["acc_ambig"] == 0.0 and set(out["by_category"]) >= {"Age", "Religion"}


@pytest.mark.parametrize("name", ["truthfulqa", "bbq", "harmbench"])
def test_benchmark_command_scores_a_model_folder(name, tiny_lm, capsys):
    assert cli.main(["benchmark", name, "--data", str(SAMPLE_OF[name]), "--model", str(tiny_lm[0]), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = {"truthfulqa": {"mc1", "mc2"}, "bbq": {"acc_ambig", "acc_disambig", "bias_ambig", "bias_disambig"},
                "harmbench": {"attack_success_rate"}}[name]
    assert set(out["metrics"]) == expected and out["n"] > 0
    assert all(-1 <= v <= 1 for v in out["metrics"].values())
    if name == "harmbench":
        assert out["skipped"]["copyright (needs the protected texts)"] == 10


@pytest.mark.parametrize("args, message", [
    (["benchmark", "mmlu", "--data", "x", "--stage", "sft"], "unknown benchmark 'mmlu'"),
    (["benchmark", "bbq", "--stage", "sft"], "give either --data PATH"),
    (["benchmark", "bbq", "--data", str(BBQ), "--download", "--stage", "sft"], "give either --data PATH"),
    (["benchmark", "bbq", "--data", str(BBQ)], "one of the arguments --stage --model is required"),
    (["benchmark", "bbq", "--data", str(BBQ), "--stage", "nope"], "unknown stage 'nope'"),
    (["benchmark", "bbq", "--data", str(BBQ), "--stage", "sft", "--limit", "0"], "--limit must be at least 1"),
])
def test_benchmark_command_usage_errors(args, message, capsys):
    assert cli.main(args) == cli.USAGE_ERROR
    assert message in capsys.readouterr().err


def test_benchmark_command_reports_a_malformed_file(tmp_path, tiny_lm, capsys):
    lines = _bbq_lines()
    path = _write(tmp_path, "bad.jsonl", "\n".join([lines[0], json.dumps(json.loads(lines[1]) | {"label": 3})]))
    assert cli.main(["benchmark", "bbq", "--data", str(path), "--model", str(tiny_lm[0])]) == cli.USAGE_ERROR
    assert f"{path}, line 2: label 3 is out of range" in capsys.readouterr().err


def test_download_fetches_the_official_file_only_when_asked(tmp_path, tiny_lm, monkeypatch, capsys):
    fetched = []

    def fake_urlopen(url, timeout):
        fetched.append(url)
        return io.BytesIO(MC_TASK.read_bytes())
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    monkeypatch.setenv("ALIGNLAB_CACHE", str(tmp_path))
    assert cli.main(["benchmark", "truthfulqa", "--data", str(MC_TASK), "--model", str(tiny_lm[0]), "--limit", "5"]) == 0
    assert fetched == []
    for _ in range(2):  # the second call uses the file already there
        assert cli.main(["benchmark", "truthfulqa", "--download", "--model", str(tiny_lm[0]), "--limit", "5"]) == 0
    assert fetched == [harness.OFFICIAL_FILES["truthfulqa"]["mc_task.json"]]
    assert (tmp_path / "benchmarks" / "truthfulqa" / "mc_task.json").read_bytes() == MC_TASK.read_bytes()
    assert "mc1" in capsys.readouterr().out
