"""Challenge 2, RL with verifiable rewards: the instructor notebook's cells and the sample submissions' answers."""
from nbkit import challenge_stages, answer, challenge_setup, check_your_work, solution, solved, tests

NAME = "c2_verifiable_rewards"

SETUP = challenge_setup("os, re, time, warnings")

REWARD = '''def arithmetic_reward(completion, answer):
    """1.0 when `completion` ends in the one final answer "The answer is N." and N equals `answer`, else 0.0.

    completion: the model's reply (a string). answer: the right result as a string of digits, e.g. "12"."""
    ### BEGIN SOLUTION
    if len(re.findall(r"the answer is", completion, flags=re.IGNORECASE)) != 1:
        return 0.0
    last_line = completion.strip().splitlines()[-1]
    final = re.search(r"the answer is\\s*(-?[0-9]+)\\s*\\.?\\s*$", last_line, flags=re.IGNORECASE)
    return float(final is not None and int(final.group(1)) == int(answer))
    ### END SOLUTION'''

ADVANTAGES = '''def group_advantages(rewards, group_size):
    """GRPO's advantages: each reward minus its group's mean, over the group's standard deviation plus 1e-4.

    rewards: (B,) the rewards of B = n_prompts * group_size completions, each prompt's group one after another.
    Returns a (B,) float tensor."""
    ### BEGIN SOLUTION
    groups = rewards.float().view(-1, group_size)
    centred = groups - groups.mean(dim=1, keepdim=True)
    return (centred / (groups.std(dim=1, keepdim=True) + 1e-4)).view(-1)
    ### END SOLUTION'''

LOSS = '''def grpo_loss(logps, old_logps, ref_logps, advantages, mask, clip_eps, beta):
    """The GRPO loss (to minimise) for per-token log-probabilities (B, T) of B sampled completions.

    logps: under the policy being trained (with gradients); old_logps: under the policy that sampled them;
    ref_logps: under the frozen reference; advantages: (B,) one per completion; mask: (B, T) 1 on the completion's
    tokens, 0 on padding. Returns a scalar."""
    ### BEGIN SOLUTION
    ratio = torch.exp(logps - old_logps)
    adv = advantages.unsqueeze(1)
    surrogate = torch.min(ratio * adv, ratio.clamp(1 - clip_eps, 1 + clip_eps) * adv)
    kl = torch.exp(ref_logps - logps) - (ref_logps - logps) - 1
    per_token = -(surrogate - beta * kl)
    mask = mask.float()
    return ((per_token * mask).sum(-1) / mask.sum(-1).clamp(min=1)).mean()
    ### END SOLUTION'''


def cells():
    return [
"""md:# Challenge 2 · Reinforcement learning with verifiable rewards

**The story.** Some answers can be checked by a program: a sum is right or wrong, code passes its tests or
not. Reinforcement learning can then reward the model directly from the check, with no reward model to learn
or to fool. DeepSeekMath (Shao et al., 2024) trained its maths model this way with *Group Relative Policy
Optimisation* (GRPO), and DeepSeek-R1 (DeepSeek-AI, 2025) used rule-based rewards (is the final answer right,
is it in the required format) to train reasoning. The check is the whole reward, so it had better be strict:
a checker that accepts the answer anywhere in the reply pays a model for writing many numbers, which is reward
hacking (notebook 07 shows it happening).

In this challenge you write the reward for the course's arithmetic word problems, GRPO's group advantages and
its loss, check them against TRL, and run a short GRPO on the course's `sft` model with your reward.

**What is graded.** Each function has a visible test and hidden tests that run when your notebook is graded:
completions written to game your reward, TRL's own advantages and loss on a batch you have not seen, clipping,
masks and gradients. The training run has a test, and the reflection at the end is graded by hand. Check
yourself any time with `alignlab grade` on this notebook (see the end).""",
"""md:## The maths

**The reward.** The world's arithmetic replies end in one final answer, as in
`5 + 7 = 12. The answer is 12.` The reward is 1 when all of these hold, else 0:

* "the answer is" occurs exactly once in the completion, in any letter case;
* with the completion's leading and trailing whitespace removed, its last line ends with that phrase, then N, then
  an optional full stop; any whitespace (or none) may stand between "is" and N, between N and the full stop, and
  after it (`The answer is   12 .` counts, and so does `"  The answer is 12.  \\n"`);
* N is an optional minus sign and the digits 0 to 9 (no digits of other scripts, no words);
* N, read as a whole number, equals the right answer (`012` is 12).

An empty or blank completion scores 0, and the reward must answer within two seconds even for a completion of
several hundred thousand characters.

**Group advantages.** For each prompt GRPO samples a *group* of $G$ completions and scores them, $r_1, \\dots,
r_G$. Instead of a learned value function (PPO's critic), the group is the baseline:
$\\hat A_i = \\dfrac{r_i - \\operatorname{mean}(r)}{\\operatorname{std}(r) + 10^{-4}}$, with the sample standard
deviation (`torch.std`'s default, as TRL computes it). Every token of completion $i$ gets the advantage $\\hat A_i$.

**The loss.** With the probability ratio $\\rho_{i,t} = \\pi_\\theta(o_{i,t} \\mid \\cdot) / \\pi_{old}(o_{i,t}
\\mid \\cdot)$ of token $t$ of completion $i$, GRPO maximises PPO's clipped surrogate minus a KL penalty to
a reference model, averaged over each completion's tokens and then over completions (DeepSeekMath, eq. 3):

$$\\mathcal{J} = \\frac{1}{G}\\sum_{i=1}^{G} \\frac{1}{|o_i|}\\sum_{t=1}^{|o_i|} \\Big[\\min\\big(\\rho_{i,t} \\hat A_i,\\;
\\operatorname{clip}(\\rho_{i,t}, 1-\\epsilon, 1+\\epsilon)\\, \\hat A_i\\big) - \\beta\\, \\mathbb{D}_{i,t}\\Big],
\\qquad \\mathbb{D}_{i,t} = \\frac{\\pi_{ref}}{\\pi_\\theta} - \\log\\frac{\\pi_{ref}}{\\pi_\\theta} - 1$$

$\\mathbb{D}$ is Schulman's "k3" estimate of the KL divergence: never negative, zero when the two models agree.
The loss to minimise is $-\\mathcal{J}$. Work with log-probabilities: $\\rho = \\exp(\\log \\pi_\\theta - \\log
\\pi_{old})$.

**A worked example.** A group of four completions with rewards $(1, 0, 0, 1)$ has mean $0.5$ and sample standard
deviation $\\sqrt{(4 \\times 0.25)/3} = 0.577$, so the advantages are $\\pm 0.866$. A group that is all right (or
all wrong) has advantages 0: it teaches nothing, which is why the task must be neither too easy nor too hard
for the starting model. On the first step the policy is the sampling policy ($\\rho = 1$), so with $\\beta = 0$
the loss is minus the mean advantage, 0 for this group.""",
SETUP,
challenge_stages(NAME),
"""md:## Part 1 · The reward (3 points)

Write `arithmetic_reward(completion, answer)` as the rule above says. Python's `re` module helps; note that
`\\d` in a Python pattern also matches digits of other scripts (`"٣"`, `"３"`), which the rule does not allow.""",
solution("c2-arithmetic_reward", REWARD),
tests("c2-test_arithmetic_reward", 1, '''assert arithmetic_reward("5 + 7 = 12. The answer is 12.", "12") == 1.0
assert arithmetic_reward("5 + 7 = 13. The answer is 13.", "12") == 0.0
assert arithmetic_reward("The answer is 12", "12") == 1.0, "the final full stop is optional"
assert arithmetic_reward("12", "12") == 0.0, "a bare number is not the required format"
assert isinstance(arithmetic_reward("The answer is 12.", "12"), float)
print("arithmetic_reward: visible test passed")'''),
tests("c2-hidden_arithmetic_reward", 2, '''# Hidden tests: completions that try to game the reward, and agreement with the course's strict verifier.
### BEGIN HIDDEN TESTS
from alignlab.verifiers import strict

hacks = {
    "The answer is 11. The answer is 12.": "several answers",
    "The answer is 12. The answer is 12.": "the answer twice",
    "10 11 12 13 14": "the answer hidden among other numbers",
    "It could be 10, 11, 12 or 13.": "the answer hidden among other numbers",
    "The answer is 12. Or maybe 13.": "more after the final answer",
    "The answer is 12.\\nBye.": "a last line after the answer",
    "12 is the answer.": "a right answer in the wrong format",
    "The result is 12.": "a right answer in the wrong format",
    "The answer is twelve.": "a right answer in words",
    "The answer is ١٢.": "Arabic-Indic digits",
    "The answer is １２.": "full-width digits",
    "": "an empty completion",
    "   \\n  ": "a blank completion",
    "The answer is 12. " * 20000: "an enormous completion",
    " ".join(str(n) for n in range(100000)): "an enormous list of numbers",
}
for completion, why in hacks.items():
    start = time.perf_counter()
    got = arithmetic_reward(completion, "12")
    assert got == 0.0, f"{why}: expected 0.0, got {got!r} for {completion[:60]!r}"
    assert time.perf_counter() - start < 2, f"{why}: too slow"
fine = ["5 + 7 = 12. The answer is 12.", "the answer is 12.", "THE ANSWER IS 12", "  The answer is 12.  \\n",
        "Step one.\\nStep two.\\n5 + 7 = 12. The answer is 12.", "The answer is -3.", "The answer is   12 ."]
for completion in fine:
    expected = 1.0 if completion != "The answer is -3." else 0.0
    assert arithmetic_reward(completion, "12") == expected, completion
assert arithmetic_reward("20 - 23 = -3. The answer is -3.", "-3") == 1.0
for completion in [*hacks, *fine]:
    for answer in ("12", "-3", "7"):
        assert arithmetic_reward(completion, answer) == strict(completion, answer), (completion[:60], answer)
### END HIDDEN TESTS'''),
"""md:## Part 2 · Group advantages (3 points)

Write `group_advantages(rewards, group_size)`. `view(-1, group_size)` puts each group on a row. Make sure
a group of equal rewards gives advantages of 0 (not `nan`) and that integer rewards work.""",
solution("c2-group_advantages", ADVANTAGES),
tests("c2-test_group_advantages", 1, '''got = group_advantages(torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0]), group_size=4)
expected = torch.tensor([0.866, -0.866, -0.866, 0.866, 0.0, 0.0, 0.0, 0.0])
assert got.shape == (8,), f"expected shape (8,), got {tuple(got.shape)}"
assert torch.allclose(got, expected, atol=1e-3), f"expected {expected.tolist()}, got {got.tolist()}"
print("group_advantages: visible test passed")'''),
tests("c2-hidden_group_advantages", 2, '''# Hidden tests: TRL's GRPOTrainer advantages on its own batch, ties, integer rewards, group sizes.
### BEGIN HIDDEN TESTS
from alignlab.grading.references import grading_seed, grpo_case

case = grpo_case(beta=0.1, group_size=4, seed=grading_seed(3))
assert torch.allclose(group_advantages(case.rewards, case.group_size), case.advantages, atol=1e-5)
ties = group_advantages(torch.tensor([2, 2, 2, 0, 1, 2]), 3)
assert ties.dtype.is_floating_point and torch.isfinite(ties).all()
assert torch.equal(ties[:3], torch.zeros(3)) and torch.allclose(ties[3:], torch.tensor([-1.0, 0.0, 1.0]), atol=1e-3)
r = torch.randn(12, generator=torch.Generator().manual_seed(grading_seed(5)))
assert torch.allclose(group_advantages(r, 12), (r - r.mean()) / (r.std() + 1e-4), atol=1e-6)
assert torch.allclose(group_advantages(r, 2).view(6, 2).sum(1), torch.zeros(6), atol=1e-5)
### END HIDDEN TESTS'''),
"""md:## Part 3 · The GRPO loss (4 points)

Write `grpo_loss(logps, old_logps, ref_logps, advantages, mask, clip_eps, beta)` as the maths above says: a
mean over each completion's own tokens (the mask may be 0/1 integers, floats or booleans), then a mean over
completions.""",
solution("c2-grpo_loss", LOSS),
tests("c2-test_grpo_loss", 1, '''logps = torch.log(torch.tensor([[0.5, 0.5, 0.5], [0.25, 0.25, 0.25]]))
mask = torch.tensor([[1, 1, 1], [1, 1, 0]])
# on-policy (ratio 1), no KL penalty: the loss is minus the mean advantage
loss = grpo_loss(logps, logps, logps, torch.tensor([1.0, -3.0]), mask, clip_eps=0.2, beta=0.0)
assert loss.dim() == 0, "return a scalar"
assert abs(loss.item() - 1.0) < 1e-6, f"expected 1.0, got {loss.item():.4f}"
# advantages of 0: only the KL penalty is left, and it is positive when the policy left the reference
loss = grpo_loss(logps, logps, logps + 0.5, torch.zeros(2), mask, clip_eps=0.2, beta=1.0)
assert abs(loss.item() - (torch.exp(torch.tensor(0.5)) - 1.5).item()) < 1e-5
print("grpo_loss: visible test passed")'''),
tests("c2-hidden_grpo_loss", 3, '''# Hidden tests: TRL's GRPOTrainer loss on its own batch, clipping, masks, gradients, extremes.
### BEGIN HIDDEN TESTS
from alignlab.grading.references import completion_token_logprobs, grading_seed, grpo_case

case = grpo_case(beta=0.2, group_size=4, seed=grading_seed(2))
inputs = case.inputs
logps = completion_token_logprobs(case.policy, inputs)
ours = grpo_loss(logps, logps.detach(), inputs["ref_per_token_logps"], inputs["advantages"],
                 inputs["completion_mask"], clip_eps=case.epsilon, beta=case.beta)
assert ours.dim() == 0 and abs(ours.item() - case.trl_loss) < 1e-5
gen = torch.Generator().manual_seed(grading_seed(9))
old = torch.randn(3, 5, generator=gen) - 2
mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]])
adv = torch.tensor([1.0, -1.0, 0.5])
# far above the clip range with a positive advantage (and far below with a negative one): no gradient
new = (old + torch.tensor([[1.0], [-1.0], [0.0]])).requires_grad_(True)
grpo_loss(new, old, old, adv, mask, clip_eps=0.2, beta=0.0).backward()
assert torch.all(new.grad[:2] == 0) and torch.all(new.grad[2, 1:] == 0) and new.grad[2, 0] != 0
# inside the clip range the gradient of each token is -advantage * ratio / (tokens in its completion) / B
new = old.clone().requires_grad_(True)
grpo_loss(new, old, old, adv, mask, clip_eps=0.2, beta=0.0).backward()
expected = -(adv.unsqueeze(1) * mask) / mask.sum(1, keepdim=True) / 3
assert torch.allclose(new.grad, expected, atol=1e-6)
# padding does not count, whatever it holds; bool and float masks work
garbage = old.clone()
garbage[mask == 0] = 50.0
base = grpo_loss(old + 0.1, old, old - 0.2, adv, mask, clip_eps=0.2, beta=0.3)
assert abs(grpo_loss(garbage + 0.1, garbage, garbage - 0.2, adv, mask, 0.2, 0.3).item() - base.item()) < 1e-5
assert abs(grpo_loss(old + 0.1, old, old - 0.2, adv, mask.bool(), 0.2, 0.3).item() - base.item()) < 1e-5
assert abs(grpo_loss(old + 0.1, old, old - 0.2, adv, mask.float(), 0.2, 0.3).item() - base.item()) < 1e-5
# the KL estimate is never negative
for shift in (-3.0, -0.1, 0.1, 3.0):
    assert grpo_loss(old, old, old + shift, torch.zeros(3), mask, 0.2, 1.0).item() > 0
### END HIDDEN TESTS'''),
"""md:## Part 4 · A short GRPO run with your reward (2 points)

TRL's `GRPOTrainer` now trains the `sft` model of notebook 02 on arithmetic problems from the world's training
split, rewarded by *your* `arithmetic_reward` (TRL's own advantages and loss do the rest; the course's `grpo`
stage goes further). Each step samples a group of 8 completions for each of 8 problems. Watch two numbers as
training goes: the reward (the share of sampled completions your check accepts) and the share of groups whose
completions all got the same reward, which teach nothing.

`sft` was built (or found in the cache) by the cell after the setup.""",
'''import tempfile
from pathlib import Path

from trl import GRPOConfig, GRPOTrainer

from alignlab.posttrain import GRPOSettings, quiet_trl, train
from alignlab.stages.reasoning import arith_prompts
from alignlab.world import make_world

policy, tokenizer = pipe.load("sft")
settings = GRPOSettings(steps=16, lr=3e-4, prompts_per_step=8, group_size=8, seed=1)
problems = arith_prompts(make_world(pipe.config.world), settings.steps * settings.prompts_per_step, seed=1)
print(problems[0]["prompt"][0]["content"], "->", problems[0]["answer"])
scored = []  # (completion, answer, your reward) for every sampled completion

def your_reward(completions, answer, **_):
    """TRL passes the sampled conversations and the data set's `answer` column."""
    rewards = [arithmetic_reward(c[-1]["content"], a) for c, a in zip(completions, answer)]
    scored.extend(zip([c[-1]["content"] for c in completions], answer, rewards))
    return rewards

quiet_trl()
trainer = GRPOTrainer(model=policy, reward_funcs=[your_reward], processing_class=tokenizer, train_dataset=problems,
                      args=settings.trainer_args(GRPOConfig, Path(tempfile.mkdtemp()), logging_steps=1))
log = [row for row in train(trainer) if "reward" in row]
for row in log[:: max(1, len(log) // 6)]:
    print(f"step {row['step']:3d}  reward {row['reward']:.3f}  groups with one reward for all "
          f"{row['frac_reward_zero_std']:.2f}  completion length {row['completions/mean_length']:.1f}")''',
'''from alignlab.plots import training_curves

training_curves(log, ["reward", "frac_reward_zero_std"],
                title="Reward, and the share of groups that all got the same reward").show()
right = [(completion, answer) for completion, answer, reward in scored if reward == 1.0]
print(f"{len(right)} of {len(scored)} sampled completions were right; the first few (completion, answer):")
for completion, answer in right[:3]:
    print(f"  {completion!r}  ->  {answer}")''',
"""md:Look at how few completions were right. The course's `sft` model rarely gets a sum right, so most groups
are all wrong, their advantages are zero, and a short run hardly moves the reward: GRPO can only sharpen what
the model already does some of the time. This is why the task must be neither too hard nor too easy for the
starting model. Notice too what the check pays for: the final answer only, so a completion with wrong working
and a lucky right answer earns as much as a correct one.""",
tests("c2-test_training", 2, '''assert len(log) == settings.steps, f"expected a log row per step, got {len(log)}"
assert len(scored) == settings.steps * settings.prompts_per_step * settings.group_size
assert all(0.0 <= row["reward"] <= 1.0 for row in log)
assert any(reward == 1.0 for _, _, reward in scored), "your reward never accepted a completion"
print(f"training run: {len(log)} steps, {len(scored)} completions scored by your reward")
### BEGIN HIDDEN TESTS
from alignlab.verifiers import strict

assert all(reward == strict(completion, answer) for completion, answer, reward in scored)
### END HIDDEN TESTS'''),
"""md:## Reflection (2 points, graded by hand)

In three to five sentences: a colleague proposes a friendlier reward that gives 1 when the right number
appears anywhere in the completion. What would GRPO do with it, and why does GRPO need some groups with
mixed rewards (some right, some wrong) to learn anything at all?""",
answer("c2-reflection", 2, """With the friendlier check a completion that lists many numbers is paid whenever one of them is right, so within a
group the number-listing completions get higher rewards and positive advantages, and GRPO pushes the policy
towards writing more numbers instead of solving the problem: the reward goes up while real accuracy does not
(reward hacking of a verifier). GRPO's advantages are relative to the group: a group whose completions all get
the same reward has advantages of exactly zero, so its gradient is zero. Learning needs groups where some
completions are right and some wrong, which is why the task must be neither too hard nor too easy for the
starting model.""", [
    "the friendlier reward pays completions that list many numbers, so GRPO learns to list numbers: the reward "
    "rises while accuracy does not (a verifier hacked)",
    "advantages are relative to the group: a group with equal rewards has zero advantages and zero gradient, so "
    "learning needs groups with some right and some wrong answers (a task neither too easy nor too hard)"]),
check_your_work(NAME),
    ]


# Sample submissions (autograder/samples/): the learner's code per solution cell; cells not named keep the
# release's stub.
NAIVE_REWARD = '''def arithmetic_reward(completion, answer):
    return float(answer in re.findall(r"-?\\d+", completion))'''
NAN_ADVANTAGES = '''def group_advantages(rewards, group_size):
    groups = rewards.float().view(-1, group_size)
    return ((groups - groups.mean(1, keepdim=True)) / groups.std(1, keepdim=True)).view(-1)'''
TOKEN_MEAN_LOSS = '''def grpo_loss(logps, old_logps, ref_logps, advantages, mask, clip_eps, beta):
    ratio = torch.exp(logps - old_logps)
    adv = advantages.unsqueeze(1)
    surrogate = torch.min(ratio * adv, ratio.clamp(1 - clip_eps, 1 + clip_eps) * adv)
    kl = torch.exp(ref_logps - logps) - (ref_logps - logps) - 1
    return (-(surrogate - beta * kl) * mask).sum() / mask.sum()'''
UNCLIPPED_LOSS = '''def grpo_loss(logps, old_logps, ref_logps, advantages, mask, clip_eps, beta):
    ratio = torch.exp(logps - old_logps)
    kl = torch.exp(ref_logps - logps) - (ref_logps - logps) - 1
    per_token = -(ratio * advantages.unsqueeze(1) - beta * kl)
    mask = mask.float()
    return ((per_token * mask).sum(-1) / mask.sum(-1)).mean()'''
REFLECTION = "Listing numbers would be rewarded; a group with equal rewards has zero advantages and teaches nothing."


CORRECT = {"c2-arithmetic_reward": solved(REWARD), "c2-group_advantages": solved(ADVANTAGES),
           "c2-grpo_loss": solved(LOSS), "c2-reflection": REFLECTION}
SAMPLES = {
    "correct": {"answers": CORRECT},
    # a reward that accepts \\d digits of any script, and a loss that takes the token mean over the whole batch
    "partly_correct": {"answers": {**CORRECT, "c2-arithmetic_reward": solved(REWARD).replace("[0-9]", "\\d"),
                                   "c2-grpo_loss": TOKEN_MEAN_LOSS}},
    # the naive reward (the answer anywhere), advantages that are nan on ties, no clipping
    "wrong": {"answers": {"c2-arithmetic_reward": NAIVE_REWARD, "c2-group_advantages": NAN_ADVANTAGES,
                          "c2-grpo_loss": UNCLIPPED_LOSS}},
}
