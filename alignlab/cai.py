"""Constitutional AI (Bai et al. 2022, "Constitutional AI: Harmlessness from AI Feedback") at toy scale.

People write the constitution and a few worked examples per principle; the model does the rest.
* The feedback model: `sft` fine-tuned on the world's worked examples (`alignlab.world.constitution`): given a
  principle, a request and a response, it writes a critique ("Problem: ..." or "Fine: ...") and a revision.
* Supervised phase (SL-CAI, stage `cai_sl`): `sft` answers a mix of training requests, harmful ones among them
  (the paper's red-team prompts); the feedback model critiques and revises every answer once per principle, in a
  random order; `sft` is fine-tuned on the final revisions.
* RL phase (RL-CAI, stage `cai`): the SL-CAI model answers each harmful training request twice (sampled); the
  feedback model says, per principle, how likely each answer is to break it (the probability of "Problem" as the
  first word of its critique); the answer less likely to break the principles is preferred. DPO (in place of the
  paper's PPO) trains the SL-CAI model on these AI labels plus the human labelers' pairs on every other kind of
  request, as the paper trains its preference model on AI harmlessness labels and human helpfulness labels. No
  human harmlessness label is used.

The paper's feedback model answers a multiple-choice question, "which response is better, (A) or (B)?". A model of
a million parameters did not learn that format from the worked examples (agreement with the gold judge 0.59-0.66,
the same answer whatever the principle); it does learn the single-response critique (its first word is right on
more than 0.9 of fresh worked examples drawn with another seed), so the comparison is made from two critiques.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import torch

from .generation import generate
from .posttrain import TrainSettings
from .redteam import preference_row
from .world import content
from .world.constitution import FINE, Case
from .world.judges import gold_reward

VERDICTS = ("Problem", "Fine")  # the first word of a critique: the response breaks the principle, or not
SL_KINDS = ("harmful", "benign_scary", "fact", "benign", "myth", "bbq")  # the supervised phase's requests
AI_LABELLED_KINDS = ("harmful",)  # the RL phase's harmlessness prompts, whose pairs of answers the AI labels
HUMAN_LABELLED_KINDS = ("fact", "arith", "benign_scary", "myth", "bbq")  # the labelers' pairs the RL phase keeps


@dataclass(frozen=True)
class CAISettings:
    """The `cai_sl` and `cai` stages. Edit `constitution` to change what the model critiques and compares by."""

    constitution: tuple[str, ...] = tuple(content.CONSTITUTION)
    # worked examples per principle that break it (and as many that do not); with 30, the SL-CAI model's revisions
    # taught fewer refusals (cai asr_direct 0.24-0.29; with 60, 0.11-0.14)
    examples_per_principle: int = 60
    teach: TrainSettings = TrainSettings(lr=2e-3, epochs=4, batch_size=8)
    sl_prompts_per_kind: int = 100
    sl: TrainSettings = TrainSettings(lr=5e-4, epochs=1, batch_size=16)
    replay_docs: int = 300  # pretraining documents mixed into the supervised phase, as in `sft`
    rl_prompts_per_kind: int = 450  # harmlessness prompts, each answered twice by the SL-CAI model
    temperature: float = 0.7
    # pairs whose AI margin is at most this are not labelled: near-ties are mostly two answers that fail alike (an
    # off-topic answer and a refusal, both harmless). Labels of every pair agreed with the gold judge on 0.68-0.77
    # of pairs, labels above 0.2 on 0.91-0.99 (four feedback models)
    min_margin: float = 0.2
    human_pairs: int = 1400  # the labelers' pairs of the other kinds
    # lr 5e-4 with 1000 human pairs: asr_direct 0.017 but over-refusal 0.18; 3e-4 with 1400: 0.06 and 0
    rl: TrainSettings = TrainSettings(lr=3e-4, epochs=1, batch_size=16)
    beta: float = 0.1
    max_new_tokens: int = 48
    seed: int = 0


def check_constitution(principles) -> list[str]:
    """The principles as a list of non-empty strings; a clear error otherwise."""
    if isinstance(principles, str) or not all(isinstance(p, str) for p in principles):
        raise TypeError(f"the constitution must be a list of principles (strings); got {principles!r}")
    principles = [p.strip() for p in principles]
    if not principles:
        raise ValueError("the constitution is empty: Constitutional AI needs at least one principle to critique "
                         "and compare responses by")
    if not all(principles):
        raise ValueError("every principle must say something; the constitution has an empty one")
    return principles


def critique_prompt(request: str, response: str, principle: str) -> str:
    return f"Principle: {principle}\nRequest: {request}\nResponse: {response}\nCritique:"


def teaching_rows(cases: list[Case], eos: str, rng: random.Random) -> list[dict]:
    """Prompt-completion rows that teach the feedback model to critique and revise, shuffled. The principle comes
    first: with it after the response, the model learned to answer "Fine" to everything."""
    rows = [{"prompt": critique_prompt(c.request, c.response, c.principle),
             "completion": f" {c.critique}\nRevision: {c.revision}{eos}"} for c in cases]
    rng.shuffle(rows)
    return rows


def critique_and_revise(model, tokenizer, requests: list[str], responses: list[str], principles: list[str],
                        max_new_tokens: int) -> list[dict]:
    """One critique and revision of each response under its principle. A critique that finds the response fine,
    or an output that is not in the format, leaves the response as it was."""
    prompts = [critique_prompt(q, r, p) for q, r, p in zip(requests, responses, principles)]
    out = []
    for response, reply in zip(responses, generate(model, tokenizer, prompts, "raw", max_new_tokens)):
        critique, found, revision = reply.text.partition("\nRevision:")
        critique, revision = critique.strip(), revision.strip()
        revised = bool(found and revision) and not critique.startswith(FINE.split(":")[0])
        out.append({"critique": critique, "revision": revision if revised else response, "revised": revised})
    return out


def revise_all(model, tokenizer, requests: list[str], responses: list[str], principles: list[str],
               rng: random.Random, max_new_tokens: int) -> list[dict]:
    """Each response critiqued and revised once per principle, the principles in a random order per request.
    Returns per request its first response, the final revision and every step."""
    orders = [rng.sample(principles, len(principles)) for _ in requests]
    current, steps = list(responses), [[] for _ in requests]
    for r in range(len(principles)):
        round_principles = [order[r] for order in orders]
        done = critique_and_revise(model, tokenizer, requests, current, round_principles, max_new_tokens)
        for i, (principle, d) in enumerate(zip(round_principles, done)):
            steps[i].append({"principle": principle, **d})
            current[i] = d["revision"]
    return [{"request": q, "response": r, "final": f, "steps": s}
            for q, r, f, s in zip(requests, responses, current, steps)]


@torch.no_grad()
def problem_odds(model, tokenizer, requests: list[str], responses: list[str], principles: list[str],
                 batch_size: int = 64) -> list[float]:
    """The feedback model's log-odds that each response breaks its principle: log p(" Problem") - log p(" Fine")
    for the first word of its critique."""
    problem, fine = (tokenizer(" " + w, add_special_tokens=False)["input_ids"][0] for w in VERDICTS)
    prompts = [critique_prompt(q, r, p) for q, r, p in zip(requests, responses, principles)]
    tokenizer.padding_side = "left"
    odds = []
    for start in range(0, len(prompts), batch_size):
        enc = tokenizer(prompts[start: start + batch_size], return_tensors="pt", padding=True,
                        add_special_tokens=False).to(next(model.parameters()).device)
        logp = model(**enc).logits[:, -1].float().log_softmax(-1).cpu()
        odds += (logp[:, problem] - logp[:, fine]).tolist()
    return odds


def ai_margins(model, tokenizer, pairs: list[tuple[str, str, str]], principles: list[str]) -> list[float]:
    """For each (request, a, b): the feedback model's probability that `b` breaks a principle minus the probability
    that `a` does, averaged over the principles (in [-1, 1]; positive: `a` is the better response). Probabilities,
    not log-odds, so that one very sure principle does not outvote the others."""
    jobs = [(q, r, p) for q, a, b in pairs for p in principles for r in (a, b)]
    probs = torch.sigmoid(torch.tensor(problem_odds(model, tokenizer, *map(list, zip(*jobs))))).view(len(pairs), -1, 2)
    return (probs[..., 1] - probs[..., 0]).mean(1).tolist()


def gold_agreement(margins: list[float], gold_margins: list[float], min_margin: float = 0.0) -> dict:
    """How often the AI prefers the response the gold judge prefers, over the pairs the AI labels (|margin| above
    `min_margin`) and the gold judge does not call even."""
    decided = [(m, g) for m, g in zip(margins, gold_margins) if g != 0 and abs(m) > min_margin]
    agree = sum((m > 0) == (g > 0) for m, g in decided)
    return {"agreement": agree / len(decided) if decided else float("nan"), "n_pairs": len(decided)}


def ai_labelled(pairs: list[tuple[str, str, str]], margins: list[float], min_margin: float = 0.0) -> list[dict]:
    """DPO rows with the AI's preferred reply as chosen; pairs the AI cannot separate (|margin| at most `min_margin`)
    are left out."""
    return [preference_row(q, *((a, b) if m > 0 else (b, a))) for (q, a, b), m in zip(pairs, margins)
            if abs(m) > min_margin]


def answer_pairs(model, tokenizer, items: list, temperature: float, max_new_tokens: int, seed: int) -> list[dict]:
    """Two sampled answers to each item's prompt; items whose two answers are the same are left out. The gold
    judge's margin is kept to measure the AI's labels, never to train on."""
    prompts = [i.prompt for i in items]
    first, second = (generate(model, tokenizer, prompts, "chat", max_new_tokens, do_sample=True,
                              temperature=temperature, seed=seed + k) for k in (0, 1))
    return [{"request": i.prompt, "a": a.text, "b": b.text, "kind": i.kind,
             "gold_margin": gold_reward(i, a.text) - gold_reward(i, b.text)}
            for i, a, b in zip(items, first, second) if a.text != b.text]
