"""The report over every stage: each has every DESIGN.md metric that applies to it, the evaluation keeps what the
plots and the head-to-head comparison need, and report.html carries every plot."""
import pytest

from alignlab.cache import Cache
from alignlab.config import load_config
from alignlab.evals.head_to_head import head_to_head
from alignlab.pipeline import REGISTRY, Pipeline, StageError, available_stages
from alignlab.report import METRICS
from alignlab.report_html import write_html

POLICY_METRICS = set(METRICS) - {"pref_accuracy", "gold_agreement"}


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    pipe = Pipeline(load_config("smoke"), Cache(tmp_path_factory.mktemp("cache")))
    return pipe, pipe.run()


@pytest.mark.slow
def test_every_stage_has_every_metric_that_applies(smoke_run):
    _, report = smoke_run
    assert list(report["stages"]) == available_stages()
    for name, metrics in report["stages"].items():
        stage = REGISTRY[name]
        if stage.evaluate is not None:  # a reward model: it scores preference pairs, it does not answer
            expected = {"pref_accuracy", "gold_agreement"}
        elif stage.style == "plain":  # a pretrained model, asked in its forum layout: no chat reward model applies
            expected = POLICY_METRICS - {"proxy_reward"}
        else:
            expected = POLICY_METRICS
        assert set(metrics) == expected, name
        ci = report["intervals"][name]  # every number carries its 95% interval and the items behind it
        assert set(ci) == expected and all(lo <= metrics[k] <= hi for k, (lo, hi) in ci.items()), name
        assert set(report["n_items"][name]) == expected, name
        assert all(-1 <= v <= 1 for k, v in metrics.items() if k not in ("mean_length", "gold_reward", "proxy_reward"))
    assert all(report["n_behaviours"]["dpo"][k] > 1 for k in ("asr_direct", "asr_jailbreak"))


@pytest.mark.slow
def test_evaluation_keeps_attack_families_and_gold_per_prompt(smoke_run, tmp_path):
    pipe, report = smoke_run
    ev = pipe.evaluation("dpo")
    families = ev["asr_by_family"]
    assert "direct" in families and len(families) > 2 and all(0 <= v <= 1 for v in families.values())
    assert families["direct"] == pytest.approx(report["stages"]["dpo"]["asr_direct"])
    versus = head_to_head(ev["gold_by_prompt"], pipe.evaluation("base_large")["gold_by_prompt"])
    assert versus["prompts"] == len(ev["gold_by_prompt"]) and versus["wins"] + versus["ties"] + versus["losses"] == \
        versus["prompts"]
    page = write_html(pipe, report, tmp_path / "report.html").read_text()
    for title in ("Held-out metrics by stage", "The alignment tax", "Reward over-optimisation",
                  "Attack success by stage and attack family"):
        assert title in page
    assert page.count('class="plotly-graph-div"') == 4 and page.count("<tr>") == 1 + len(report["stages"])
    assert page.count('class="ci"') == sum(len(v) for v in report["intervals"].values())  # under every number
    assert '"arrayminus"' in page and "Items behind each metric" in page  # the plots draw the intervals
    pipe.build("harm_classifier")  # once the learned judge exists, a second heat map shows its verdicts
    page = write_html(pipe, report, tmp_path / "report.html").read_text()
    assert page.count('class="plotly-graph-div"') == 5 and "judged by the learned harm classifier" in page
    assert "safety (agrees " in page


def test_head_to_head_counts():
    a = {"p1": 1.0, "p2": 0.0, "p3": 0.5, "only_a": 1.0}
    b = {"p1": 0.0, "p2": 0.0, "p3": 1.0}
    out = head_to_head(a, b)
    assert (out["prompts"], out["wins"], out["ties"], out["losses"]) == (3, 1, 1, 1)
    assert out["preferred"] == pytest.approx(1 / 3) and out["win_rate"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="no prompt in common"):
        head_to_head({"x": 1.0}, {"y": 1.0})


def test_labeler_ceiling_is_the_bayes_accuracy_of_the_labeler_population():
    import dataclasses

    from alignlab.results import labeler_ceiling, labeler_ceilings
    from alignlab.world import make_world

    world_config = load_config("smoke").world
    world = make_world(world_config)
    assert 0.75 < labeler_ceiling(world) < 1.0
    # the ceiling of all pairs is the pair-weighted mean of each kind's
    kinds = [row["kind"] for row in world.preferences(world.eval_split)]
    by_kind = labeler_ceilings(world)
    assert set(by_kind) == {"all", *kinds} and len(set(kinds)) > 3
    assert sum(by_kind[k] * kinds.count(k) for k in set(kinds)) / len(kinds) == pytest.approx(by_kind["all"])
    coin = dataclasses.replace(world_config, labeler_noise=0.5)  # a labeler who flips half the time tells nothing
    assert labeler_ceiling(make_world(coin)) == pytest.approx(0.5)


def test_a_proxy_that_is_not_a_reward_model_is_refused(smoke_pipeline):
    with pytest.raises(StageError, match="not a reward model the stages optimise"):
        smoke_pipeline.evaluation("ppo", proxy="sft")


@pytest.mark.slow
def test_an_evaluation_without_the_proxy_reward_builds_no_reward_model(smoke_pipeline):
    metrics = smoke_pipeline.evaluation("sft", proxy_reward=False)["metrics"]
    assert "capability_acc" in metrics and "proxy_reward" not in metrics
    assert not smoke_pipeline.is_built("reward_model")
    assert "proxy_reward" in smoke_pipeline.evaluation("sft")["metrics"] and smoke_pipeline.is_built("reward_model")


def test_report_html_with_no_stage_says_so(smoke_pipeline, tmp_path):
    page = write_html(smoke_pipeline, {"stages": {}, "timings_s": {}}, tmp_path / "r.html").read_text()
    assert "No stage built yet" in page and "plotly-graph-div" not in page


@pytest.mark.slow
def test_results_md_carries_every_outcome_line_and_keeps_the_history(smoke_run, tmp_path):
    from alignlab.results import (HISTORY, TABLE, measure, outcome_lines, read_history, read_tables, render,
                                  refusal_side_effects, reward_model_kinds)

    pipe, _ = smoke_run
    stages = ["base", "sft", "reward_model", "ppo", "ppo_hacked", "dpo", "cai", "grpo", "safety"]
    measured = measure(pipe, stages, [0])
    assert measured["dpo"].median["asr_direct"] == pipe.evaluation("dpo")["metrics"]["asr_direct"]
    assert "proxy_reward" not in measured["sft"].median and "proxy_reward" in measured["ppo_hacked"].median
    rows = outcome_lines(pipe, measured, [0])
    assert {r[0] for r in rows} == {*stages, "harm_classifier", "head-to-head", "budget"}
    assert all(ok in (True, False, None) for *_, ok in rows)
    out = tmp_path / "RESULTS.md"
    out.write_text(f"an old intro\n\n{TABLE} `honest`\n\n| base | old row |\n\n{HISTORY}\n\n"
                   "* dpo 3 epochs (seeds 0/1/2): bbq_bias_ambig 0.028/0.077/0.035\n")
    text = render(rows, [0], "smoke", read_history(out), others=read_tables(out))
    assert "an old intro" not in text and "bbq_bias_ambig 0.028/0.077/0.035" in text and text.count(HISTORY) == 1
    # another profile's table is kept as it was
    assert text.index(f"{TABLE} `honest`") < text.index("| base | old row |") < text.index(f"{TABLE} `smoke`")
    out.write_text(text)
    assert list(read_tables(out)) == ["honest", "smoke"] and read_tables(out)["smoke"] in text
    again = render(rows[:1], [0], "smoke", read_history(out), others=read_tables(out))
    assert again.count(f"{TABLE} `smoke`") == 1 and "| base | old row |" in again and rows[1][1] not in again
    assert "| safety | `over_refusal` <= 0.05 | " in text and "Machine: " in text
    proxy = next(r for r in rows if r[1].startswith("proxy reward above ppo's"))  # one proxy model scores both
    ppo = pipe.evaluation("ppo", proxy="reward_model_hacked")["metrics"]["proxy_reward"]
    assert f"vs ppo {ppo:.3f}" in proxy[2] and proxy[3] is not None, proxy
    assert HISTORY in render(rows, [0], "smoke", read_history(tmp_path / "absent.md"))
    # the reward model's accuracy per kind of pair, under the table, counts every test pair once
    note = reward_model_kinds(pipe, [0])
    by_kind = pipe.evaluation("reward_model")["by_kind"]
    assert sum(k["n"] for k in by_kind.values()) == pipe.evaluation("reward_model")["n_items"]["pref_accuracy"]
    assert all(f"{kind} {v['accuracy']:.3f}" in note for kind, v in by_kind.items())
    assert note in render(rows, [0], "smoke", read_history(out), notes=(note,))
    # every chat stage's over-refusal and evasion, whether or not the table asks them of it
    side = refusal_side_effects(measured)
    for stage in ("ppo", "dpo", "safety"):
        for key in ("over_refusal", "evasion_rate"):
            value = pipe.evaluation(stage)["metrics"][key]
            assert f"{stage} {value:.3f} ({value:.3f} to {value:.3f})" in side, (stage, key, side)
    assert side.index("`over_refusal`") < side.index("`evasion_rate`")
    assert refusal_side_effects({"reward_model": measured["reward_model"]}) == ""


def test_report_card_prints_as_text_and_shows_as_a_table_in_a_notebook():
    from alignlab.plots import metric_heatmap
    from alignlab.report import report_card
    report = {"stages": {"sft": {"capability_acc": 0.8, "asr_direct": 0.9}, "dpo": {"capability_acc": 0.7}},
              "intervals": {"sft": {"capability_acc": (0.75, 0.84), "asr_direct": (0.7, 0.97)}},
              "timings_s": {"sft": 40.0}, "n_items": {}}
    card = report_card(report)
    assert str(card).startswith("stage") and "0.800" in card
    page = card._repr_html_()  # what Jupyter draws for a cell whose value is the card
    assert page.count("<tr>") == 3 and page.count('class="ci"') == 2 and "0.75&ndash;0.84" in page
    fig = metric_heatmap(report)
    assert list(fig.data[0].x) == ["capability_acc", "asr_direct"] and list(fig.data[0].y) == ["sft", "dpo"]
    assert fig.data[0].text[0][0] == "0.80<br>±0.05" and fig.data[0].text[1][1] == ""


def test_sweep_plots_draw_every_point_and_keep_ptx_apart():
    from alignlab import plots

    kl = [{"kl_coef": c, "kl": k, "reward": r, "heldout_gold": g, "ptx_coef": x}
          for c, k, r, g, x in [(0.2, 0.5, -0.1, 0.1, 0.0), (0.02, 5.0, 0.5, 0.0, 0.0), (0.05, 1.0, -0.4, 0.1, 2.0)]]
    fig = plots.kl_sweep(kl)
    curves = {t.name: t for t in fig.data}
    assert len(curves) == 4 and list(curves["proxy reward (reward model)"].y) == [-0.1, 0.5]  # sorted by KL
    assert [t.marker.symbol for t in fig.data if "PPO-ptx" in t.name] == ["star", "star"]
    betas = [{"beta": b, "heldout_chosen_moved": 1.0, "heldout_rejected_moved": -b, "heldout_accuracy": 0.5 + b / 4,
              "heldout_gold_agreement": 0.6, "heldout_gold": 0.3} for b in (1.0, 0.01, 0.1)]
    fig = plots.beta_sweep(betas)
    assert len(fig.data) == 5 and all(list(t.x) == [0.01, 0.1, 1.0] for t in fig.data)
    assert fig.layout.xaxis.type == "log"
