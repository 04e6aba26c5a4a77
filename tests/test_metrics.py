"""Official metric definitions on hand-computed cases."""
import math

import pytest

from alignlab.evals.bbq import bias_scores
from alignlab.evals.harmbench import attack_success_rate
from alignlab.evals.truthfulqa import mc_scores


def test_mc1_strictly_greater_and_ties_lose():
    assert mc_scores([-1.0, -2.0, -3.0], [1, 0, 0], [-1.0, -2.0], [1, 0])["mc1"] == 1.0
    assert mc_scores([-2.0, -1.0, -3.0], [1, 0, 0], [-1.0, -2.0], [1, 0])["mc1"] == 0.0
    assert mc_scores([-1.0, -1.0], [1, 0], [-1.0, -1.0], [1, 0])["mc1"] == 0.0  # a tie is not a win


def test_mc2_is_normalised_true_mass():
    out = mc_scores([0.0, 0.0], [1, 0], [math.log(0.2), math.log(0.3), math.log(0.5)], [1, 1, 0])
    assert out["mc2"] == pytest.approx(0.5)


def test_mc2_stable_at_extreme_logprobs():
    out = mc_scores([-1e4, -2e4], [1, 0], [-1e4, -1e4 - math.log(3)], [1, 0])
    assert out["mc2"] == pytest.approx(0.75) and out["mc1"] == 1.0
    assert math.isfinite(mc_scores([-1e9], [1], [-1e9, -1e9], [1, 0])["mc2"])


def test_mc_scores_rejects_bad_labels():
    with pytest.raises(ValueError):
        mc_scores([-1.0, -2.0], [1, 1], [-1.0], [1])
    with pytest.raises(ValueError):
        mc_scores([-1.0], [2], [-1.0], [1])


def bbq_row(condition, polarity, label, target_index=0):
    groups = ["other", "other", "unknown"]
    groups[target_index] = "T"
    return {"context_condition": condition, "question_polarity": polarity, "label": label,
            "answer_info": {f"ans{i}": [f"a{i}", g] for i, g in enumerate(groups)},
            "additional_metadata": {"stereotyped_groups": ["T"]}}


def test_bbq_all_biased_and_all_counter_biased():
    rows = [bbq_row("ambig", "neg", 2), bbq_row("ambig", "nonneg", 2)]
    assert bias_scores(rows, [0, 1])["bias_ambig"] == pytest.approx(1.0)  # stereotype both times, acc 0
    assert bias_scores(rows, [1, 0])["bias_ambig"] == pytest.approx(-1.0)  # against it both times: -1, not 0
    assert bias_scores(rows, [2, 2])["bias_ambig"] == 0.0 and bias_scores(rows, [2, 2])["acc_ambig"] == 1.0


def test_bbq_ambig_score_scaled_by_error_rate():
    rows = [bbq_row("ambig", "neg", 2)] * 4
    out = bias_scores(rows, [0, 0, 2, 2])  # half unknown (right), half stereotyped
    assert out["acc_ambig"] == 0.5 and out["bias_ambig"] == pytest.approx(0.5)


def test_bbq_disambig():
    rows = [bbq_row("disambig", "neg", 0), bbq_row("disambig", "nonneg", 0), bbq_row("disambig", "neg", 1)]
    out = bias_scores(rows, [0, 1, 0])  # biased, biased, biased
    assert out["bias_disambig"] == pytest.approx(1.0) and out["acc_disambig"] == pytest.approx(1 / 3)


def test_bbq_rejects_bad_predictions():
    with pytest.raises(ValueError):
        bias_scores([bbq_row("ambig", "neg", 2)], [3])


def test_harmbench_averages_per_behaviour_first():
    records = [{"behavior_id": "a", "success": True}] * 3 + [{"behavior_id": "b", "success": False}]
    assert attack_success_rate(records) == pytest.approx(0.5)  # not 3/4


def test_wilson_interval_matches_the_formula_and_is_not_empty_at_the_ends():
    from alignlab.evals.intervals import share_interval, wilson

    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)  # Wilson (1927); statsmodels gives the same
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)  # a normal interval would be [0, 0]
    assert wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert share_interval([True, False] * 5) == wilson(5, 10)
    assert share_interval([0.5, 0.25, 0.75, 1.0]) == wilson(2.5, 4)  # per-behaviour rates: the behaviour is the unit
    for bad in ((1, 0), (11, 10), (-1, 10)):
        with pytest.raises(ValueError):
            wilson(*bad)


def test_mean_interval_is_the_standard_error_rule_clipped_to_the_range():
    from alignlab.evals.intervals import mean_interval

    lo, hi = mean_interval([0.0, 1.0, 0.0, 1.0])
    assert (lo, hi) == pytest.approx((0.5 - 1.959964 * 0.57735 / 2, 0.5 + 1.959964 * 0.57735 / 2), abs=1e-4)
    assert mean_interval([0.0, 1.0, 0.0, 1.0], 0.0, 1.0) == (0.0, 1.0)
    with pytest.raises(ValueError, match="at least 2"):
        mean_interval([1.0])


def test_difference_interval_matches_newcombes_worked_example():
    from alignlab.evals.intervals import difference_interval, wilson

    # Newcombe (1998), Table II, 56/70 - 48/80 by method 10 (square-and-add of two Wilson intervals): 0.0524, 0.3339
    lo, hi = difference_interval(56 / 70, wilson(56, 70), 48 / 80, wilson(48, 80))
    assert (lo, hi) == pytest.approx((0.0524, 0.3339), abs=1e-4)
    # the low end adds a's room below and b's room above; the high end the other two
    lo, hi = difference_interval(0.3, (0.2, 0.6), 0.3, (0.0, 0.4))
    assert (lo, hi) == pytest.approx((-0.1 * 2 ** 0.5, 0.3 * 2 ** 0.5))
    with pytest.raises(ValueError, match="in its interval"):
        difference_interval(0.9, (0.1, 0.2), 0.5, (0.4, 0.6))


def test_bootstrap_interval_is_deterministic_and_holds_the_observed_score():
    from alignlab.evals.intervals import apart, bootstrap_interval

    rows = [bbq_row("ambig", "neg", 2)] * 20
    preds = [0] * 12 + [2] * 8
    score = lambda idx: bias_scores([rows[i] for i in idx], [preds[i] for i in idx])["bias_ambig"]
    ci = bootstrap_interval(len(rows), score)
    assert ci == bootstrap_interval(len(rows), score) and ci[0] < score(list(range(20))) < ci[1]
    assert 0.3 < ci[0] and ci[1] < 0.9  # 0.6 measured on 20 items: clearly positive, far from exact
    assert apart((0.0, 0.1), (0.2, 0.3)) and not apart((0.0, 0.25), (0.2, 0.3))
