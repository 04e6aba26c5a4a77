"""The course notebooks' exercises: the learner replaces a blank (`...`) with an answer, and `check` compares it
with the value the library (or the run) gives.

    val_perplexity = ...   # your answer
    val_perplexity = check("01.1", val_perplexity, val_loss=log[-1]["val_loss"])

A blank left as `...` does not stop the notebook: `check` says so and returns the reference value, so the cells
below still run. A wrong answer raises an AssertionError that says what to look at. Stuck? `solution("01.1")`
prints an answer. The answer key lives here, not in the notebooks, so a notebook does not show it under the blank;
the tests fill each blank with `solution` and with `mistake` and check that one passes and the other fails.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Exercise:
    variable: str  # the name the learner assigns in the notebook (`<variable> = ...`)
    solution: str  # an expression, in the notebook's names, that answers it
    mistake: str  # a typical wrong answer (the tests check that `check` rejects it)
    hint: str  # said when the answer is wrong
    tol: float = 1e-5  # numbers within this (absolute or relative) of the reference are right
    computes_reference: bool = False  # True: `check` evaluates `solution` on its keyword inputs for the reference
    accepts: str = ""  # for open answers: an expression in `answer` and the inputs, true for every right answer


EXERCISES: dict[str, Exercise] = {
    "01.1": Exercise("val_perplexity", "math.exp(val_loss)", "2 ** val_loss",
                     "perplexity is e to the power of the mean loss in nats", computes_reference=True),
    "01.2": Exercise("unigram_loss",
                     "-sum(c / sum(counts.values()) * math.log(c / sum(counts.values())) for c in counts.values())",
                     "-sum(c / sum(counts.values()) * math.log2(c / sum(counts.values())) for c in counts.values())",
                     "the entropy of the token frequencies, -sum p log p, in nats (natural log) like the model's loss",
                     computes_reference=True),
    "02.1": Exercise("my_loss", "-(logp * m).sum() / m.sum()", "-logp.mean()",
                     "average -log p over the reply's tokens only (where m is 1), not over every token"),
    "02.2": Exercise("prediction", "bucket(base_format)", "'all' if bucket(base_format) != 'all' else 'none'",
                     "the raw model never saw the end-of-turn token; look at how its replies ended"),
    "02.3": Exercise("replay_prediction", "moved", "'higher' if moved != 'higher' else 'lower'",
                     "compare the two capability numbers and the interval of their difference printed above"),
    "03.1": Exercise("bt_loss", "-F.logsigmoid(chosen - rejected).mean()", "-F.logsigmoid(rejected - chosen).mean()",
                     "the chance that the chosen reply wins is sigmoid(r_chosen - r_rejected); minimise its -log"),
    "03.2": Exercise("heldout_accuracy",
                     "sum(c > r for c, r in zip(chosen_scores, rejected_scores)) / len(chosen_scores)",
                     "sum(c > 0 for c in chosen_scores) / len(chosen_scores)",
                     "a pair counts when the chosen reply scores above the rejected one"),
    "04.1": Exercise("my_estimates",
                     "torch.stack([logp - ref_logp, (logp - ref_logp) ** 2 / 2,"
                     " (ref_logp - logp).exp() - 1 - (ref_logp - logp)])",
                     "torch.stack([ref_logp - logp, (logp - ref_logp) ** 2 / 2,"
                     " (ref_logp - logp).exp() - 1 - (ref_logp - logp)])",
                     "with r = pi_ref / pi: k1 = -log r = log pi - log pi_ref, k2 = (log r)^2 / 2, "
                     "k3 = (r - 1) - log r"),
    "04.2": Exercise("my_delta", "rewards + torch.cat([values[:, 1:], torch.zeros(1, 1)], dim=1) - values",
                     "rewards - values",
                     "delta_t = r_t + V_{t+1} - V_t, with V = 0 after the last token (gamma = 1)"),
    "04.3": Exercise("my_advantages",
                     "torch.stack([sum(lam ** k * my_delta[0, t + k] for k in range(3 - t)) for t in range(3)])"
                     ".unsqueeze(0)",
                     "my_delta",
                     "A_t = delta_t + lam * A_{t+1} (gamma = 1): the sum of lam^k delta_{t+k} over the tokens from "
                     "t on"),
    "04.4": Exercise("my_objective", "torch.minimum(ratio * adv, ratio.clamp(1 - eps, 1 + eps) * adv).mean()",
                     "(ratio.clamp(1 - eps, 1 + eps) * adv).mean()",
                     "per token take the smaller of rho * A and clip(rho, 1 - eps, 1 + eps) * A, then the mean over "
                     "tokens"),
    "05.1": Exercise("my_loss", "-F.logsigmoid(beta * ((pc - rc) - (pr - rr))).mean()",
                     "-F.logsigmoid((pc - rc) - (pr - rr)).mean()",
                     "the log-ratios are scaled by beta before the sigmoid"),
    "05.2": Exercise("implicit_margin", "beta * ((pi_refuse - ref_refuse) - (pi_comply - ref_comply))",
                     "(pi_refuse - pi_comply)",
                     "an implicit reward is beta times the policy's log-probability minus the reference's"),
    "05.3": Exercise("beta_prediction",
                     "('smallest', 'middle', 'largest')[max(range(3), key=lambda k: accuracy[k])]",
                     "'largest' if max(range(3), key=lambda k: accuracy[k]) != 2 else 'smallest'",
                     "read the column of held-out accuracies above, from the smallest beta to the largest",
                     computes_reference=True),
    "06.1": Exercise("my_agreement",
                     "sum((m > 0) == (g > 0) for m, g in zip(margins, gold_margins) if g != 0 and abs(m) > min_margin)"
                     " / sum(1 for m, g in zip(margins, gold_margins) if g != 0 and abs(m) > min_margin)",
                     "sum((m > 0) == (g > 0) for m, g in zip(margins, gold_margins) if g != 0)"
                     " / sum(1 for g in gold_margins if g != 0)",
                     "count only the pairs the AI labels (|margin| above min_margin) on which the gold judge is not "
                     "even"),
    "06.2": Exercise("prediction",
                     "'yes' if abs(agreements['style only'] - agreements['the full constitution']) <= 0.05 else 'no'",
                     "'no' if abs(agreements['style only'] - agreements['the full constitution']) <= 0.05 else 'yes'",
                     "compare the rows 'style only' and 'the full constitution' above", computes_reference=True),
    "07.1": Exercise("my_advantages",
                     "((rewards.view(-1, G) - rewards.view(-1, G).mean(1, keepdim=True))"
                     " / (rewards.view(-1, G).std(1, keepdim=True) + 1e-4)).view(-1)",
                     "(rewards - rewards.mean()) / (rewards.std() + 1e-4)",
                     "standardise each reward within its own group of G (mean and std of that group; TRL adds 1e-4 "
                     "to the std)"),
    "07.2": Exercise("fools_naive", "'7 8 9'", "'4 + 3 = 7. The answer is 7.'",
                     "the naive verifier looks for the number anywhere, the strict one for one final "
                     "'The answer is N.'", accepts="naive(answer, '7') == 1 and strict(answer, '7') == 0"),
    "08.1": Exercise("my_asr",
                     "mean(mean(r['success'] for r in direct if r['behavior_id'] == b)"
                     " for b in {r['behavior_id'] for r in direct})",
                     "mean(r['success'] for r in direct)",
                     "HarmBench averages per behaviour: first each behaviour's success rate, then their mean"),
    "08.2": Exercise("prediction", "'more' if over_refusal['attacks only'] > over_refusal['full recipe (safety)'] "
                     "else 'not more'",
                     "'not more' if over_refusal['attacks only'] > over_refusal['full recipe (safety)'] else 'more'",
                     "read the over_refusal column of the table above", computes_reference=True),
    "09.1": Exercise("my_mc1",
                     "sum(labels[max(range(len(lp)), key=lambda k: lp[k])]"
                     " for lp, labels in zip(mc1_logprobs, mc1_labels)) / len(mc1_logprobs)",
                     "sum(labels[min(range(len(lp)), key=lambda k: lp[k])]"
                     " for lp, labels in zip(mc1_logprobs, mc1_labels)) / len(mc1_logprobs)",
                     "a question counts when the answer with the highest log-probability is the true one"),
    "09.2": Exercise("my_mc2",
                     "mean(sum(math.exp(s) for s, y in zip(lp, labels) if y) / sum(math.exp(s) for s in lp)"
                     " for lp, labels in zip(mc2_logprobs, mc2_labels))",
                     "mean(sum(math.exp(s) for s, y in zip(lp, labels) if y) for lp, labels in zip(mc2_logprobs, "
                     "mc2_labels))",
                     "MC2 normalises: the probability of the true answers divided by that of all the answers"),
    "09.3": Exercise("my_bias", "(1 - n_unknown / n_ambig) * (2 * n_biased / n_named - 1)", "n_biased / n_named",
                     "in ambiguous contexts BBQ scales the bias among named answers, 2 n_biased / n_named - 1, by "
                     "1 - accuracy (accuracy: the share answered 'unknown')"),
}

STATUS: dict[str, str] = {}  # exercise -> "blank" | "right" | "wrong", for this kernel


def bucket(share: float) -> str:
    """'none', 'some' or 'all' for a share (below 0.2, between, above 0.8): the words prediction exercises use."""
    return "none" if share < 0.2 else "all" if share > 0.8 else "some"


def _namespace(inputs: dict) -> dict:
    return {"math": math, "mean": statistics.mean, "torch": torch, "F": F, "bucket": bucket, **inputs}


def _close(answer, reference, tol: float) -> bool:
    if isinstance(reference, str):
        return isinstance(answer, str) and answer.strip().lower() == reference.strip().lower()
    if isinstance(answer, str):
        return False
    a, r = torch.as_tensor(answer, dtype=torch.float64), torch.as_tensor(reference, dtype=torch.float64)
    return a.shape == r.shape and bool(torch.allclose(a, r, atol=tol, rtol=tol))


def check(name: str, answer, expected=None, **inputs):
    """Check the learner's `answer` to exercise `name` against `expected` (the library's value), or, for the
    exercises that compute their reference, against the answer key evaluated on `inputs`. Returns the value the
    notebook continues with: the answer when right, the reference when the blank was left."""
    if name not in EXERCISES:
        raise ValueError(f"unknown exercise {name!r}; the exercises are {', '.join(EXERCISES)}")
    ex = EXERCISES[name]
    if ex.accepts:
        return _check_open(name, ex, answer, inputs)
    if ex.computes_reference:
        expected = eval(ex.solution, _namespace(inputs))  # noqa: S307 - the course's own answer key
    elif expected is None:
        raise ValueError(f"exercise {name} compares with the library's value: pass it as expected=")
    if answer is ...:
        STATUS[name] = "blank"
        print(f"Exercise {name} is still blank (`{ex.variable} = ...`): the notebook goes on with the reference "
              "value. Fill it in and run this cell again.")
        return expected
    if not _close(answer, expected, ex.tol):
        STATUS[name] = "wrong"
        raise AssertionError(f"Exercise {name}: not yet right ({_show(answer)}). Hint: {ex.hint}.")
    STATUS[name] = "right"
    print(f"Exercise {name}: right ({_show(answer)}).")
    return answer


def _check_open(name: str, ex: Exercise, answer, inputs: dict):
    """An exercise with many right answers: `ex.accepts` decides, and a blank continues with `ex.solution`."""
    if answer is ...:
        STATUS[name] = "blank"
        print(f"Exercise {name} is still blank (`{ex.variable} = ...`): the notebook goes on with an example answer. "
              "Fill it in and run this cell again.")
        return eval(ex.solution, _namespace(inputs))  # noqa: S307 - the course's own answer key
    if not eval(ex.accepts, _namespace({**inputs, "answer": answer})):  # noqa: S307
        STATUS[name] = "wrong"
        raise AssertionError(f"Exercise {name}: not yet right ({_show(answer)}). Hint: {ex.hint}.")
    STATUS[name] = "right"
    print(f"Exercise {name}: right ({_show(answer)}).")
    return answer


def _show(value) -> str:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, float):
        return f"{value:.5g}"
    return repr(value) if isinstance(value, str) else str(value).replace("\n", " ")[:80]


def solution(name: str) -> str:
    """An answer to exercise `name`, as code (for when you are stuck)."""
    if name not in EXERCISES:
        raise ValueError(f"unknown exercise {name!r}; the exercises are {', '.join(EXERCISES)}")
    ex = EXERCISES[name]
    print(f"{ex.variable} = {ex.solution}")
    return ex.solution
