"""Writes course/07_grpo_reasoning.ipynb (outputs empty)."""
from pathlib import Path

import nbformat as nbf
from nbkit import SETUP, nb

grpo = [
"""md:# 07 · Reasoning with verifiable rewards: GRPO

Some answers can be checked by a program: a sum, a unit test, a proof. Reinforcement learning against such a
check needs no reward model, so there is no learned reward to over-optimise, only the check itself. DeepSeekMath
(Shao et al., 2024) introduced **Group Relative Policy Optimization (GRPO)**: instead of PPO's value model it
samples a *group* of answers to each question and uses each answer's reward relative to its group as the
advantage. DeepSeek-R1-Zero (DeepSeek-AI, 2025) was trained with GRPO and two rule-based rewards only: an accuracy
reward for a verifiably right final answer and a format reward. DeepSeek-R1 added a cold-start SFT phase, a
language-consistency reward and, for general prompts, reward models.
Here the task is the toy world's arithmetic word problems.

In this notebook you will:

1. write a verifier's rule down and see where a looser rule can be fooled;
2. measure whether the starting model ever gets the answer right when it samples (GRPO's precondition);
3. compute group advantages and the GRPO objective from scratch and check them against TRL's;
4. train `grpo` from `sft` with TRL's `GRPOTrainer` and read its training curves;
5. train a second run against a naive verifier and check whether the policy games it;
6. compare the stages on held-out problems.""",
SETUP,
"""md:## 1. The task and the verifier

Every problem has one right number. The SFT model learned to answer in the form `a + b = c. The answer is c.`
A **verifier** turns a reply into a reward. The strict one accepts exactly one final `The answer is N.` that
ends the reply, with the right N. The naive one accepts the right number anywhere in the reply.""",
"""from alignlab import verifiers
from alignlab.world import make_world

world = make_world(pipe.config.world)
train = [i for i in world.items["arith"] if i.split == "train"]
for item in train[:3]:
    print(item.prompt, "->", item.meta["reference"])

replies = ["4 + 3 = 7. The answer is 7.", "4 + 3 = 8. The answer is 8.", "The answer is 6. The answer is 7.",
           "5 6 7 8 9", "4 + 3 = 7. The answer is 8."]
print(f"{'reply':40s} strict naive")
for r in replies:
    print(f"{r:40s} {verifiers.strict(r, '7'):6.0f} {verifiers.naive(r, '7'):5.0f}")""",
"""md:## 2. Is there anything to learn? Sampled success

GRPO learns only from groups in which some answers are right and some wrong: when all the answers to a question
get the same reward, every advantage in the group is zero. So the starting policy must *sometimes* succeed when
it samples, neither never nor always. We sample 8 answers to each of 48 held-out problems from `sft`, at the
temperature GRPO samples with, and count the groups that hold both right and wrong answers. The last number,
the share of problems with at least one right answer among 8 (pass@8), is roughly what GRPO could hope to turn
into a first-try answer.""",
"""from alignlab.generation import generate

model, tokenizer = pipe.load("sft")
settings = pipe.config.grpo
problems = world.eval_set("arith")[:48]
group = settings.group_size
greedy = generate(model, tokenizer, [p.prompt for p in problems], max_new_tokens=settings.max_completion_length)
sampled = generate(model, tokenizer, [p.prompt for p in problems for _ in range(group)], do_sample=True,
                   temperature=settings.temperature, max_new_tokens=settings.max_completion_length, seed=0)
right = [verifiers.strict(r.text, p.answer) for p, r in zip([p for p in problems for _ in range(group)], sampled)]
groups = [right[k:k + group] for k in range(0, len(right), group)]
print(f"greedy success   {sum(verifiers.strict(r.text, p.answer) for p, r in zip(problems, greedy)) / len(problems):.2f}")
print(f"sampled success  {sum(right) / len(right):.2f}")
print(f"mixed groups     {sum(0 < sum(g) < group for g in groups) / len(groups):.2f}")
print(f"pass@{group}           {sum(any(g) for g in groups) / len(groups):.2f}")""",
"""md:Look at the sums `sft` writes. To get a word problem right it must copy the problem's two numbers into its
sum, then know the result. How often does its greedy answer even use the right numbers, and which sums does it
write most?""",
r"""import re
from collections import Counter

written = [re.match(r"\s*(\d+) [-+*] (\d+) =", r.text) for r in greedy]
copied = sum(bool(m) and (int(m[1]), int(m[2])) == (p.meta["a"], p.meta["b"]) for m, p in zip(written, problems))
print(f"answers whose sum uses the problem's two numbers: {copied / len(problems):.2f}")
print("most written sums:", Counter(r.text.split(" =")[0] for r in greedy).most_common(4))""",
"""md:## 3. Group advantages and the GRPO objective, from scratch

For one question, sample $G$ answers with rewards $r_1, \\dots, r_G$. Each answer's advantage is its reward
standardised within the group: $A_i = (r_i - \\operatorname{mean}(r)) / (\\operatorname{std}(r) + \\epsilon)$.
Every token of answer $i$ gets $A_i$, and the objective is PPO's clipped surrogate with a KL penalty to the
starting policy, averaged over each answer's tokens and then over the group:

$$J(\\theta) = \\frac{1}{G}\\sum_{i=1}^{G}\\frac{1}{|o_i|}\\sum_{t}\\Big[\\min\\big(\\rho_{i,t}A_i,\\
\\operatorname{clip}(\\rho_{i,t}, 1-\\varepsilon, 1+\\varepsilon)A_i\\big) - \\beta\\,\\hat D_{KL}\\Big],\\qquad
\\rho_{i,t} = \\frac{\\pi_\\theta(o_{i,t}\\mid q, o_{i,<t})}{\\pi_{\\theta_{old}}(o_{i,t}\\mid q, o_{i,<t})}$$

with the per-token KL estimate $\\hat D_{KL} = \\frac{\\pi_{ref}}{\\pi_\\theta} - \\log\\frac{\\pi_{ref}}{\\pi_\\theta} - 1$
(never negative). The group mean replaces PPO's learned value baseline. Here is the advantage in four lines:""",
"""import torch

def my_group_advantages(rewards, group_size, eps=1e-4):
    groups = rewards.view(-1, group_size)
    return ((groups - groups.mean(1, keepdim=True)) / (groups.std(1, keepdim=True) + eps)).view(-1)

print(my_group_advantages(torch.tensor([1.0, 0, 0, 0, 1, 1, 1, 1]), 4))""",
"""md:The second group is all right, so its advantages are all zero: it teaches nothing. TRL's `GRPOTrainer`
computes the same. `grpo_case` runs one real TRL step on a tiny model and records the rewards, TRL's advantages
and TRL's loss; `alignlab.losses.grpo_loss` is the objective above, written out.""",
"""from alignlab.grading.references import completion_token_logprobs, grpo_case
from alignlab.losses import grpo_loss

case = grpo_case()
ours = my_group_advantages(case.rewards, case.group_size)
print("advantages, largest difference from TRL's:", (ours - case.advantages).abs().max().item())
logps = completion_token_logprobs(case.policy, case.inputs)
loss = grpo_loss(logps, logps.detach(), case.inputs["ref_per_token_logps"], case.inputs["advantages"],
                 case.inputs["completion_mask"], epsilon=case.epsilon, beta=case.beta)
print(f"loss: from scratch {loss.item():.6f}   TRL {case.trl_loss:.6f}")
assert torch.allclose(ours, case.advantages, atol=1e-5) and abs(loss.item() - case.trl_loss) < 1e-5""",
"""md:## 4. The training run

`grpo` starts from `sft` and trains on training-split problems only (the held-out templates and entities stay
unseen), rewarded by the strict verifier. Its settings are below. `rewards/strict/mean` is the share of the
sampled answers that were right, `kl` how far the policy has moved from `sft`, and `frac_reward_zero_std` the
share of groups that taught nothing.""",
"""from alignlab.plots import training_curves

print(settings)
pipe.build("grpo")
log = [row for row in pipe.training_log("grpo") if "rewards/strict/mean" in row]
print(f"trained in {pipe.build_time('grpo'):.0f} s")
first, last = log[: len(log) // 4], log[-(len(log) // 4):]
def mean(rows, key):
    return sum(r[key] for r in rows) / len(rows)

print(f"sampled accuracy, first quarter of the run {mean(first, 'rewards/strict/mean'):.2f}, "
      f"last quarter {mean(last, 'rewards/strict/mean'):.2f}")
training_curves(log, ["rewards/strict/mean", "frac_reward_zero_std", "kl"], title="GRPO: sampled accuracy and KL to sft")""",
"""md:## 5. Reward hacking a naive verifier

A verifier is a reward function like any other, and a policy optimises what it checks, not what was meant.
`grpo_naive` is the same run rewarded by the naive verifier. Its training log also records the strict verifier
(not trained on). If the policy games the naive check, its naive reward climbs while the strict one stays flat,
and its replies grow longer as it writes more numbers. Whether that happens depends, like all learning in GRPO,
on the policy sampling such replies at least now and then: a behaviour it never samples is never rewarded.""",
"""pipe.build("grpo_naive")
naive_log = [row for row in pipe.training_log("grpo_naive") if "rewards/naive/mean" in row]
quarter = len(naive_log) // 4
for key in ("rewards/naive/mean", "rewards/strict/mean", "completions/mean_length"):
    print(f"{key:26s} first quarter {mean(naive_log[:quarter], key):6.2f}   last quarter {mean(naive_log[-quarter:], key):6.2f}")
training_curves(naive_log, ["rewards/naive/mean", "rewards/strict/mean"], title="GRPO with a naive verifier")""",
"""training_curves([{**a, "naive run": b["completions/mean_length"], "strict run": a["completions/mean_length"]}
                 for a, b in zip(pipe.training_log("grpo"), naive_log) if "completions/mean_length" in a],
                ["strict run", "naive run"], title="Completion length (tokens)")""",
"""problems = world.eval_set("arith")[:6]
for name in ("sft", "grpo", "grpo_naive"):
    m, t = pipe.load(name)
    print(name)
    for p, r in zip(problems, generate(m, t, [p.prompt for p in problems], max_new_tokens=settings.max_completion_length)):
        print(f"   [{p.answer:>3}] {r.text}")""",
"""md:## 6. Compare the stages

Held-out problems, greedy answers. `arith_acc` is judged by the gold judge, which (like the strict verifier)
reads only the single final answer; `capability_acc` checks that training on sums did not cost the model its
other skills. Type your own problem into the comparer, with numbers of your choice.""",
"""from alignlab.widgets import stage_comparer
stage_comparer(pipe, ["sft", "grpo"], prompt=world.eval_set("arith")[0].prompt)""",
"""report = pipe.report(["sft", "grpo"])
print(report_card(report))
before, after = report["stages"]["sft"], report["stages"]["grpo"]
for metric in ("arith_acc", "capability_acc"):
    print(f"{metric}: sft {before[metric]:.3f} -> grpo {after[metric]:.3f} ({after[metric] - before[metric]:+.3f})")""",
"""md:## What limits GRPO here

GRPO can only make more likely what the model already samples, and pass@8 in section 2 is about the ceiling. The
first limit is the starting model: if, as above, `sft` mostly writes a sum it has seen often instead of the
problem's own numbers, most groups are all wrong and teach nothing (its few hundred arithmetic chats taught the
*form* of a worked answer, not the copying). The second is the task: each right answer is one fact of the sum table (there are hundreds in the
world's range of numbers), and a reward for it teaches only the sums in that problem, each seen a handful of times
in a run of a few thousand samples. A higher learning rate moves the policy further, but the updates are noisy
and mostly move it in directions the reward did not ask for. DeepSeek-R1's reinforcement learning started from
DeepSeek-V3-Base, a large model already pretrained on a great deal of mathematics and code.

**Try it.** Train with another learning rate or more steps (about a minute per run) and compare:""",
"""# import dataclasses
# from alignlab.pipeline import Pipeline
# tuned = Pipeline(dataclasses.replace(pipe.config, grpo=dataclasses.replace(pipe.config.grpo, lr=3e-4)), pipe.cache)
# tuned.build("grpo")
# print(report_card(tuned.report(["sft", "grpo"])))""",
"""md:## Check yourself

Find a reply to "What is 4 + 3?" that the naive verifier accepts and the strict one rejects, and one that both
accept.""",
"""fools_naive = "7 8 9"  # edit me
both_accept = "4 + 3 = 7. The answer is 7."  # edit me
assert verifiers.naive(fools_naive, "7") == 1 and verifiers.strict(fools_naive, "7") == 0
assert verifiers.naive(both_accept, "7") == 1 and verifiers.strict(both_accept, "7") == 1
print("right")""",
]

out = Path(__file__).resolve().parent.parent / "course"
nbf.write(nb(grpo), out / "07_grpo_reasoning.ipynb")
