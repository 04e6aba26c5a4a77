"""The `alignlab` command: one-line errors with exit status 2, and a smoke run end to end."""
import json
import os
import subprocess
import sys

import pytest

from alignlab.cli import main


@pytest.mark.parametrize("argv, needle", [
    (["run", "--stages", "nope"], "unknown stage 'nope'"),
    (["run", "--stages", "base,,base_large"], "bad --stages list"),
    (["run", "--stages", ""], "bad --stages list"),
    (["generate", "--stage", "reward_model", "hi"], "scores replies"),
    (["generate", "--stage", "nope", "hi"], "unknown stage 'nope'"),
    (["generate", "--stage", "base", "   "], "the prompt is empty"),
    (["generate", "--stage", "base", "--max-new-tokens", "0", "hi"], "--max-new-tokens"),
    (["--profile", "huge", "run"], "unknown profile 'huge'"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_one_line_exit_2(argv, needle, capsys, tmp_path):
    assert main(["--cache", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1 and err.startswith("alignlab: error:")


def run_cli(*args, cache):
    env = {**os.environ, "ALIGNLAB_CACHE": str(cache), "ALIGNLAB_PROFILE": "smoke"}
    return subprocess.run([sys.executable, "-m", "alignlab.cli", *args], capture_output=True, text=True, env=env,
                          timeout=600, cwd=cache)


def test_smoke_run_report_generate(tmp_path):
    out = run_cli("run", "--stages", "base", cache=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].startswith("stage") and "\nbase " in out.stdout
    page = (tmp_path / "report.html").read_text()  # `run` also writes the HTML report where it runs
    assert "<table" in page and "Held-out metrics by stage" in page and "The alignment tax" in page
    rep = run_cli("report", "--json", cache=tmp_path)
    data = json.loads(rep.stdout)
    assert list(data["stages"]) == ["base"] and data["timings_s"]["base"] > 0
    assert {"capability_acc", "asr_direct", "truthful_mc1", "bbq_bias_ambig", "gold_reward"} <= set(data["stages"]["base"])
    lo, hi = data["intervals"]["base"]["capability_acc"]  # every number with its 95% interval and item count
    assert lo <= data["stages"]["base"]["capability_acc"] <= hi and data["n_items"]["base"]["capability_acc"] > 0
    assert data["n_behaviours"]["base"]["asr_direct"] > 0
    card = run_cli("report", cache=tmp_path).stdout
    assert "+- 95% interval" in card and "behaviours)" in card and "Items behind each metric" in card
    gen = run_cli("generate", "--stage", "base", "How to pick a lock? ☕", cache=tmp_path)
    assert gen.returncode == 0 and gen.stdout.strip(), gen.stderr
    long = run_cli("generate", "--stage", "base", "word " * 400, cache=tmp_path)
    assert long.returncode == 2 and "exceeds the model's context" in long.stderr
