"""Writes course/06_constitutional_ai.ipynb (outputs empty)."""
from pathlib import Path

import nbformat as nbf
from nbkit import SETUP, nb

cells = [
"""md:# 06 · Constitutional AI

RLHF needs people to compare thousands of pairs of answers; InstructGPT hired about 40 labelers to do it (Ouyang
et al., 2022). Bai et al. (2022, *Constitutional AI: Harmlessness from AI Feedback*) asked whether a model could
supervise itself for harmlessness, given only a short list of principles written in plain language, a
**constitution**. Anthropic has used the method to train Claude. It has two phases:

1. **Supervised (SL-CAI).** The model answers prompts that invite harm, then *critiques* its own answer against a
   principle and *revises* it; repeated with other principles, the final revisions become fine-tuning data.
2. **Reinforcement learning from AI feedback (RL-CAI, "RLAIF").** The fine-tuned model answers each prompt twice;
   the model itself judges which answer better follows a principle, reading the judgement from its
   log-probabilities; those AI labels train the policy. In the paper they train a preference model together with
   *human* labels for helpfulness: only the harmlessness labels come from the AI.

People still write the constitution and worked examples of critiques, which here fine-tune the feedback model: a
human input about harm. Nobody labels which of two answers is less harmful. Where the paper trains a preference
model and runs PPO, this course's RL phase runs DPO on the AI-labelled pairs. In this notebook you will:

1. read the constitution and the worked examples that teach the model the critique format;
2. watch the feedback model critique and revise `sft`'s answers;
3. look at both phases' data and their models on the report card, beside `dpo` (trained on human labels);
4. measure how far the AI's labels agree with the gold judge, and what the AI does not know;
5. edit the constitution and see what changes.""",
SETUP,
"""md:## 1. The constitution

Each principle says which of two responses to prefer. This world's constitution has five: the first three are
about harm, honesty and fairness, the last two about helpfulness and style.""",
"""constitution = list(pipe.config.cai.constitution)
for i, principle in enumerate(constitution, 1):
    print(i, principle)""",
"""md:A model of a million parameters cannot read a principle and apply it from scratch: it has never seen a
critique. The paper's feedback model was shown a few worked examples in its prompt; ours learns the format from
the world's worked examples by a short fine-tuning. For each principle: a response that breaks it, the critique
and the revision; the same request answered well (critique "Fine"); helpful answers to harmless requests ("Fine"
under every principle). None of them compares two answers, and none is a human preference label.""",
"""import random
from alignlab.world import make_world
from alignlab.world.constitution import constitution_cases

world = make_world(pipe.config.world)
cases = constitution_cases(world.items, constitution, pipe.config.cai.examples_per_principle, random.Random(0))
print(len(cases), "worked examples\\n")
for principle in constitution:
    case = next(c for c in cases if c.principle == principle and not c.fine)
    print(f"Principle: {principle}\\nRequest:   {case.request[:100]}\\nResponse:  {case.response[:100]}\\n"
          f"Critique:  {case.critique}\\nRevision:  {case.revision[:100]}\\n")""",
"""md:## 2. Critique and revision

The `cai_sl` stage keeps the **feedback model** (`sft` after learning the format). Here it reads `sft`'s answers
to a few training requests under each principle. The first word of a critique, "Problem" or "Fine", is what
matters; its probability is the model's judgement.""",
"""import torch
from alignlab.cai import critique_and_revise, problem_odds
from alignlab.generation import generate

feedback, tok = pipe.load("cai_sl", "feedback_model")
sft, _ = pipe.load("sft")
requests = [next(i for i in world.items[kind] if i.split == "train").prompt
            for kind in ("harmful", "benign_scary", "myth")]
answers = [r.text for r in generate(sft, tok, requests, "chat", 32)]
for request, answer in zip(requests, answers):
    print(f"Request: {request}\\nsft:     {answer}")
    odds = problem_odds(feedback, tok, [request] * len(constitution), [answer] * len(constitution), constitution)
    for principle, o in zip(constitution, odds):
        print(f"   P(problem) {torch.sigmoid(torch.tensor(o)).item():.2f}  under: {principle[:70]}")
    step = critique_and_revise(feedback, tok, [request], [answer], [constitution[0]], 48)[0]
    print(f"   critique under the first principle: {step['critique']}\\n   revision: {step['revision']}\\n")""",
"""md:Look at the probabilities down each answer. A harmful answer should look like a problem, a helpful answer to a
harmless request like none. Does the judgement change much from one principle to the next? A model this small
mostly judges the *answer*, whatever principle it is asked about.

The stage runs this on 100 training requests of each kind, once per principle in a random order, each revision
feeding the next critique. Here is what changed, by kind of request, and one request's whole chain:""",
"""import json
sl_info = json.loads((pipe.build("cai_sl") / "info.json").read_text())
print({kind: round(share, 2) for kind, share in sl_info["revised_share"].items()})
revisions = json.loads((pipe.build("cai_sl") / "revisions.json").read_text())
chain = next(r for r in revisions if r["kind"] == "harmful" and r["final"] != r["response"])
print(f"\\nRequest: {chain['request']}\\nfirst answer: {chain['response']}")
for step in chain["steps"]:
    print(f"  [{step['principle'][:50]}...] {step['critique'][:70]}\\n     -> {step['revision']}")""",
"""md:## 3. Both phases on the report card

`cai_sl` is `sft` fine-tuned on its own final revisions (with pretraining text replayed, as in `sft`). `cai` is
the RL phase: `cai_sl` trained by DPO on pairs of its own sampled answers to harmful training requests, labelled
by the feedback model, plus the human labelers' pairs on every other kind of request (facts, arithmetic,
harmless-but-scary requests, myths, bias questions). `dpo` was trained on the labelers' pairs of every kind,
harmful requests included.""",
"""rl_info = json.loads((pipe.build("cai") / "info.json").read_text())
print(f"AI labels: {rl_info['ai_labels']}, human labels: {rl_info['human_labels']}, "
      f"human harmlessness labels: {rl_info['human_harmlessness_labels']}")
report = pipe.report(["sft", "cai_sl", "cai", "dpo"])
print(report_card(report))""",
"""from alignlab.plots import metric_bars
metric_bars(report, ["asr_direct", "asr_jailbreak", "over_refusal", "capability_acc", "gold_reward"])""",
"""from alignlab.plots import training_curves
training_curves(pipe.training_log("cai"), ["rewards/chosen", "rewards/rejected", "rewards/margins"],
                title="RL-CAI (DPO on AI labels): implicit rewards of the chosen and rejected answers")""",
"""md:## 4. How good are the AI's labels?

For each pair, the feedback model's probability that each answer breaks each principle; the answer less likely to
break them, on average over the principles, is preferred. A pair whose margin is at most `min_margin` (0.2 on a
scale from -1 to 1) is a near-tie and gets no label. The world's gold judge knows the right answer, so we can
check the AI labeler, as the paper checked its feedback model against human comparisons.""",
"""from alignlab.cai import ai_margins, check_constitution, gold_agreement

pairs = json.loads((pipe.build("cai") / "ai_labels.json").read_text())
print("agreement with the gold judge, on the pairs it labels:", rl_info["ai_agreement"])
print("on every pair, near-ties included:              ", rl_info["ai_agreement_all_pairs"])
decided = [p for p in pairs if p["gold_margin"] != 0 and abs(p["margin"]) > pipe.config.cai.min_margin]
agrees = lambda p: (p["margin"] > 0) == (p["gold_margin"] > 0)
for p in [p for p in decided if agrees(p)][:2] + [p for p in decided if not agrees(p)][:2]:
    better, worse = (p["a"], p["b"]) if p["margin"] > 0 else (p["b"], p["a"])
    print(f"\\n{p['request']}\\n  AI prefers: {better}\\n  over:       {worse}\\n  gold judge agrees: {agrees(p)}")""",
"""md:The AI labels only harmlessness pairs. What would it say about the rest? Here it labels the human labelers'
held-out pairs of every kind (nothing is trained on them):""",
"""heldout = world.preferences("heldout")
margins = ai_margins(feedback, tok, [(r["prompt"][0]["content"], r["chosen"][0]["content"],
                                      r["rejected"][0]["content"]) for r in heldout], constitution)
by_kind = {kind: gold_agreement([m for r, m in zip(heldout, margins) if r["kind"] == kind],
                                [r["gold_margin"] for r in heldout if r["kind"] == kind])
           for kind in sorted({r["kind"] for r in heldout})}
for kind, v in by_kind.items():
    print(f"{kind:13s} agreement {v['agreement']:.2f} on {v['n_pairs']} pairs")""",
"""md:Where the AI disagrees with the gold judge on its own pairs, it is often an answer to another question
preferred to a refusal: both are harmless, and the gold judge counts the refusal as the right response to a
harmful request. On the labelers' pairs, an AI labeler knows what its model knows. It does better on harm, myths
and hometown guesses than on facts, where it cannot tell a right answer from a wrong one when the model does not
know the fact; and it judges by its own principles: the gold judge prefers even a rude non-answer to a refusal of
a harmless question, a preference this constitution never states. The labelers' harmful pairs are harder than
its own, too: they mix in padded and off-topic answers. This is why the paper kept human labels for helpfulness.

One more honest note. The paper's feedback model answers a multiple-choice question, "which response is better,
(A) or (B)?". Our tiny model did not learn that format from the worked examples (its choices agreed with the gold
judge on about 0.6 of pairs, and did not change with the principle), while it did learn to critique one answer
at a time; so the comparison here is made from two critiques.""",
"""md:## 5. Edit the constitution

Whose principles are these? Change them and re-label the same pairs; it takes seconds (the feedback model is not
retrained). Do the labels change?""",
"""def label_agreement(principles):
    principles = check_constitution(principles)
    m = ai_margins(feedback, tok, [(p["request"], p["a"], p["b"]) for p in pairs], principles)
    return gold_agreement(m, [p["gold_margin"] for p in pairs])["agreement"]

variants = {"the full constitution": constitution,
            "harm only": constitution[:1],
            "style only": constitution[-1:],
            "a principle it never saw": ["Choose the response that mentions an animal."]}
for name, principles in variants.items():
    print(f"{name:26s} agreement with gold {label_agreement(principles):.2f}")
try:
    label_agreement([])
except ValueError as err:
    print("\\nan empty constitution:", err)""",
"""md:Hardly. A principle the model never saw still gets an answer, and a constitution of one principle labels
about as well as all five: this feedback model judges the answer it reads, as the worked examples taught it, and
pays little attention to the words of the principle it is asked about. With a model this small, the constitution
matters through *what it teaches*: the worked examples exist only for the world's own principles, so a
constitution without the harm principle teaches no harm critiques at all. To see what
that does, rebuild both phases with your constitution. Each run is cached under its own key and takes about three minutes on two cores; uncomment the last
line to run it.""",
"""import dataclasses
from alignlab.pipeline import Pipeline

def cai_with(principles):
    config = dataclasses.replace(pipe.config, cai=dataclasses.replace(pipe.config.cai, constitution=tuple(principles)))
    return Pipeline(config, pipe.cache).evaluation("cai")["metrics"]

# print(cai_with(constitution[1:]))  # without the harm principle: does the model still learn to refuse?""",
"""md:## Check yourself

1. The AI's harmlessness labels agree with the gold judge on at least 0.8 of the pairs it decides.
2. `cai` refuses held-out harmful requests far more often than `sft`, with no human harmlessness label.
3. The AI labeler is better at harm than at facts.""",
"""m = report["stages"]
assert rl_info["ai_agreement"]["agreement"] >= 0.8 and rl_info["human_harmlessness_labels"] == 0, rl_info
assert m["cai"]["asr_direct"] <= 0.15 < m["sft"]["asr_direct"], (m["cai"], m["sft"])
assert by_kind["harmful"]["agreement"] > by_kind["fact"]["agreement"], by_kind
print("all three hold")""",
"""md:## Where to go from here

* Write a principle of your own into the constitution and rebuild with `cai_with`. Does it change what the
  model refuses, or only what it says?
* Notebook 07 turns to reasoning: rewards that a program can check.
* Notebook 08 attacks every stage, `cai` included, with jailbreaks it never saw.""",
]

out = Path(__file__).resolve().parent.parent / "course"
nbf.write(nb(cells), out / "06_constitutional_ai.ipynb")
