"""Challenge 1, preference learning: the instructor notebook's cells and the sample submissions' answers."""
from nbkit import challenge_stages, answer, challenge_setup, check_your_work, solution, solved, tests

NAME = "c1_preference_learning"

SETUP = challenge_setup(torch_imports="import torch\nimport torch.nn.functional as F")

SEQUENCE_LOGPROBS = '''def sequence_logprobs(logits, labels, mask):
    """(B,) sums of log p(labels[b, t]) over the positions t where mask[b, t] is 1.

    logits: (B, T, V), already aligned with labels: logits[b, t] is the distribution over labels[b, t].
    labels: (B, T) token ids; where mask is 0 they may hold anything, even TRL's ignore index -100.
    mask:   (B, T) of 0/1 (ints, floats or bools)."""
    ### BEGIN SOLUTION
    logp = logits.float().log_softmax(-1)
    token_logp = torch.gather(logp, 2, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return (token_logp * mask).sum(-1)
    ### END SOLUTION'''

BRADLEY_TERRY = '''def bradley_terry_loss(chosen_rewards, rejected_rewards):
    """Mean negative log-likelihood of "chosen beats rejected" under Bradley-Terry; both are (B,) rewards."""
    ### BEGIN SOLUTION
    return -F.logsigmoid(chosen_rewards - rejected_rewards).mean()
    ### END SOLUTION'''

DPO = '''def dpo_loss(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    """DPO on a batch of B pairs; each argument is (B,) summed log-probabilities of the replies.

    Returns (loss averaged over the batch, chosen rewards, rejected rewards), the rewards being
    beta * (policy - reference) log-probabilities, detached from the graph."""
    ### BEGIN SOLUTION
    chosen_rewards = beta * (policy_chosen_logps - ref_chosen_logps)
    rejected_rewards = beta * (policy_rejected_logps - ref_rejected_logps)
    loss = -F.logsigmoid(chosen_rewards - rejected_rewards).mean()
    return loss, chosen_rewards.detach(), rejected_rewards.detach()
    ### END SOLUTION'''


def cells():
    return [
"""md:# Challenge 1 · Preference learning

**The story.** A language model that has only been fine-tuned on demonstrations helps with anything, harmful
requests included. InstructGPT (Ouyang et al., 2022) fixed this with people's *comparisons*: labelers ranked
several answers to one prompt, and every pair of them became one "this beats that" example. A reward model
learned to score answers so that the preferred one scores higher, and reinforcement learning then pushed the
model towards high scores. Direct Preference
Optimisation (DPO; Rafailov et al., 2023) showed that the same preferences can train the model directly, with
no reward model and no RL loop.

In this challenge you write the three pieces of maths under both methods, check them against TRL (the library
the course trains with), and train the course's `sft` model with your DPO loss.

**What is graded.** Each function has a visible test (run it as often as you like) and hidden tests that run
when your notebook is graded: comparisons with TRL's own computation on batches you have not seen, extreme
values (no `nan` or `inf`), gradients, shapes and masks. The training run has a test, and the reflection at
the end is graded by hand. Check yourself any time with `alignlab grade` on this notebook (see the end).""",
"""md:## The maths

**Sequence log-probability.** A causal language model gives, at each position, a distribution over the next
token. The log-probability of a reply $y = (y_1, \\dots, y_n)$ after a prompt $x$ is the sum
$\\log \\pi(y \\mid x) = \\sum_{t=1}^{n} \\log \\pi(y_t \\mid x, y_{<t})$, counting only the reply's tokens.

**Bradley-Terry.** If a reward model scores the chosen reply $r_w$ and the rejected one $r_l$, Bradley and
Terry (1952) model the chance that a person prefers the first as $P(y_w \\succ y_l) = \\sigma(r_w - r_l)$,
with $\\sigma$ the logistic function. The reward model minimises the negative log-likelihood of the observed
choices, $\\mathcal{L}_{BT} = -\\,\\mathbb{E}\\,[\\log \\sigma(r_w - r_l)]$ (InstructGPT's reward loss, eq. 1).

**DPO.** Rafailov et al. show that the policy which best trades reward against a KL penalty of strength
$\\beta$ to a reference model $\\pi_{ref}$ defines an *implicit reward*
$\\hat r(x, y) = \\beta \\log \\frac{\\pi_\\theta(y \\mid x)}{\\pi_{ref}(y \\mid x)}$ (up to a term that cancels
in comparisons). Putting it into Bradley-Terry gives a loss on the policy itself:

$$\\mathcal{L}_{DPO} = -\\,\\mathbb{E}\\left[\\log \\sigma\\left(\\beta \\log \\frac{\\pi_\\theta(y_w \\mid x)}{\\pi_{ref}(y_w \\mid x)}
- \\beta \\log \\frac{\\pi_\\theta(y_l \\mid x)}{\\pi_{ref}(y_l \\mid x)}\\right)\\right]$$

**A worked example.** A pair whose reward margin is $r_w - r_l = 2$ costs $-\\log \\sigma(2) = 0.127$; a pair
ranked the wrong way round, margin $-2$, costs $2.127$. For DPO with $\\beta = 0.1$: if training raised the
chosen reply's log-probability by 3 nats over the reference and lowered the rejected one's by 2, the implicit
rewards are $0.3$ and $-0.2$ and the loss is $-\\log \\sigma(0.5) = 0.474$, below the $\\log 2 = 0.693$ of the
untrained policy (where policy and reference agree).

A numerical warning: $\\log \\sigma(z)$ computed as `torch.log(torch.sigmoid(z))` becomes `log(0) = -inf` for
$z$ below about $-100$ in float32. PyTorch has a stable `F.logsigmoid`.""",
SETUP,
challenge_stages(NAME),
"""md:## Part 1 · Sequence log-probabilities (3 points)

Write `sequence_logprobs(logits, labels, mask)`. A model's logits are usually *shifted* before they reach this
function (the logits at position $t$ predict the token at $t + 1$); here they are already aligned, so
`logits[b, t]` scores `labels[b, t]`. `torch.log_softmax` and `torch.gather` are all you need; think about
what `gather` does with a label of -100.""",
solution("c1-sequence_logprobs", SEQUENCE_LOGPROBS),
tests("c1-test_sequence_logprobs", 1, '''# A hand-made case: one sequence, three positions, a vocabulary of two; the middle position is masked out.
logits = torch.tensor([[[0.0, 0.0], [5.0, -5.0], [2.0, 0.0]]])
labels = torch.tensor([[1, 0, 0]])
mask = torch.tensor([[1, 0, 1]])
expected = torch.log(torch.tensor(0.5)) + F.log_softmax(torch.tensor([2.0, 0.0]), -1)[0]
got = sequence_logprobs(logits, labels, mask)
assert got.shape == (1,), f"expected shape (1,), got {tuple(got.shape)}"
assert torch.allclose(got, expected.reshape(1), atol=1e-6), f"expected {expected.item():.4f}, got {got}"
print("sequence_logprobs: visible test passed")'''),
tests("c1-hidden_sequence_logprobs", 2, '''# Hidden tests: TRL's own log-probabilities on random batches, -100 labels, empty masks, extreme logits, gradients.
### BEGIN HIDDEN TESTS
from trl.trainer.utils import selective_log_softmax

from alignlab.grading.references import grading_seed

gen = torch.Generator().manual_seed(grading_seed(7))
for B, T, V in [(3, 6, 11), (1, 1, 5), (4, 9, 50)]:
    logits = 3 * torch.randn(B, T, V, generator=gen)
    labels = torch.randint(0, V, (B, T), generator=gen)
    mask = (torch.rand(B, T, generator=gen) > 0.4).long()
    expected = (selective_log_softmax(logits, labels) * mask).sum(-1)
    got = sequence_logprobs(logits, labels, mask)
    assert got.shape == (B,)
    assert torch.allclose(got, expected, atol=1e-5)
    labels[mask == 0] = -100  # TRL's ignore index where the mask is 0
    assert torch.allclose(sequence_logprobs(logits, labels, mask), expected, atol=1e-5)
    assert torch.allclose(sequence_logprobs(logits, labels, mask.bool()), expected, atol=1e-5)
    assert torch.all(sequence_logprobs(logits, labels.clamp(min=0), torch.zeros_like(mask)) == 0)
extreme = sequence_logprobs(torch.tensor([[[1e4, -1e4, 0.0]]]), torch.tensor([[1]]), torch.tensor([[1]]))
assert torch.isfinite(extreme).all() and abs(extreme.item() + 2e4) < 1.0
logits = torch.randn(2, 4, 7, generator=gen, requires_grad=True)
mask = torch.tensor([[1, 1, 0, 0], [0, 1, 1, 1]])
sequence_logprobs(logits, torch.randint(0, 7, (2, 4), generator=gen), mask).sum().backward()
assert torch.all(logits.grad[mask == 0] == 0) and torch.all(logits.grad[mask == 1].abs().sum(-1) > 0)
### END HIDDEN TESTS'''),
"""md:## Part 2 · The Bradley-Terry loss (3 points)

Write `bradley_terry_loss(chosen_rewards, rejected_rewards)`: the mean over the batch of
$-\\log \\sigma(r_w - r_l)$. It must stay finite for margins of $\\pm 10^4$.""",
solution("c1-bradley_terry_loss", BRADLEY_TERRY),
tests("c1-test_bradley_terry_loss", 1, '''chosen, rejected = torch.tensor([2.0, 0.0]), torch.tensor([0.0, 2.0])
loss = bradley_terry_loss(chosen, rejected)
assert loss.dim() == 0, "return a scalar: the mean over the batch"
assert abs(loss.item() - (0.1269 + 2.1269) / 2) < 1e-3, f"expected 1.1269, got {loss.item():.4f}"
print("bradley_terry_loss: visible test passed")'''),
tests("c1-hidden_bradley_terry_loss", 2, '''# Hidden tests: TRL's RewardTrainer loss on the same batch, extreme margins, batch mean, gradients.
### BEGIN HIDDEN TESTS
from alignlab.grading.references import grading_seed, reward_case

case = reward_case(seed=grading_seed(0))
assert abs(bradley_terry_loss(case.chosen_rewards, case.rejected_rewards).item() - case.trl_loss) < 1e-5
big = torch.tensor([1e4, -1e4])
loss = bradley_terry_loss(big, -big)
assert torch.isfinite(loss) and abs(loss.item() - 1e4) < 1e-2
r = torch.randn(8, generator=torch.Generator().manual_seed(grading_seed(3)))
assert abs(bradley_terry_loss(r.repeat(3), torch.zeros(24)).item() - bradley_terry_loss(r, torch.zeros(8)).item()) < 1e-6
chosen, rejected = torch.tensor([0.3], requires_grad=True), torch.tensor([0.1], requires_grad=True)
bradley_terry_loss(chosen, rejected).backward()
slope = -torch.sigmoid(torch.tensor(-0.2)).item()
assert abs(chosen.grad.item() - slope) < 1e-6 and abs(rejected.grad.item() + slope) < 1e-6
low = torch.tensor([-1e4], requires_grad=True)
bradley_terry_loss(low, torch.tensor([1e4])).backward()
assert torch.isfinite(low.grad).all() and abs(low.grad.item() + 1) < 1e-6
### END HIDDEN TESTS'''),
"""md:## Part 3 · The DPO loss (4 points)

Write `dpo_loss(...)`: the implicit rewards $\\beta(\\log \\pi_\\theta - \\log \\pi_{ref})$ of the chosen and the
rejected replies, and Bradley-Terry on them. Return the rewards **detached** (they are for logging, as TRL
logs `rewards/chosen` and `rewards/rejected`; no gradient should flow through them).""",
solution("c1-dpo_loss", DPO),
tests("c1-test_dpo_loss", 1, '''loss, chosen_rewards, rejected_rewards = dpo_loss(torch.tensor([-7.0]), torch.tensor([-12.0]),
                                                 torch.tensor([-10.0]), torch.tensor([-10.0]), beta=0.1)
assert torch.allclose(chosen_rewards, torch.tensor([0.3])) and torch.allclose(rejected_rewards, torch.tensor([-0.2]))
assert abs(loss.item() - 0.4741) < 1e-3, f"expected 0.4741 (the worked example), got {loss.item():.4f}"
print("dpo_loss: visible test passed")'''),
tests("c1-hidden_dpo_loss", 3, '''# Hidden tests: TRL's DPOTrainer loss and logged rewards on its own batch, detached rewards, gradients, extremes.
### BEGIN HIDDEN TESTS
from alignlab.grading.references import completion_logprobs, dpo_case, grading_seed
from alignlab.losses import sequence_logprobs as reference_sequence_logprobs

case = dpo_case(beta=0.3, seed=grading_seed(1))
with torch.no_grad():
    (pc, pr), (rc, rr) = (completion_logprobs(m, case.batch, reference_sequence_logprobs)
                          for m in (case.policy, case.reference))
loss, chosen_rewards, rejected_rewards = dpo_loss(pc, pr, rc, rr, case.beta)
assert loss.dim() == 0 and abs(loss.item() - case.trl_loss) < 1e-5
assert abs(chosen_rewards.mean().item() - case.trl_rewards[0]) < 1e-5
assert abs(rejected_rewards.mean().item() - case.trl_rewards[1]) < 1e-5
pc = torch.tensor([-5.0, -3.0], requires_grad=True)
pr = torch.tensor([-9.0, -2.0], requires_grad=True)
ref_c, ref_r = torch.tensor([-6.0, -3.5]), torch.tensor([-8.0, -2.5])
loss, chosen_rewards, rejected_rewards = dpo_loss(pc, pr, ref_c, ref_r, 0.5)
assert not chosen_rewards.requires_grad and not rejected_rewards.requires_grad
loss.backward()
z = 0.5 * ((pc - ref_c) - (pr - ref_r)).detach()
assert torch.allclose(pc.grad, -0.5 * torch.sigmoid(-z) / 2, atol=1e-6)
assert torch.allclose(pr.grad, 0.5 * torch.sigmoid(-z) / 2, atol=1e-6)
huge = dpo_loss(torch.tensor([-1e5]), torch.tensor([0.0]), torch.tensor([0.0]), torch.tensor([-1e5]), 1.0)
assert all(torch.isfinite(t).all() for t in huge) and abs(huge[0].item() - 2e5) < 1.0
### END HIDDEN TESTS'''),
"""md:## Part 4 · Train the course's model with your loss (2 points)

Now your functions train the `sft` model of notebook 02 on the labelers' safety preferences (harmful requests,
where they prefer a refusal, and benign requests that only sound scary, where they prefer help). TRL's
`DPOTrainer` is used for two things only: its data collator, which turns preference pairs into batches of
token ids with a `completion_mask` over the reply tokens, and its loss, which is computed on every batch next
to yours. The optimisation uses *your* loss.

`sft` was built (or found in the cache) by the cell after the setup.""",
'''from alignlab.grading.references import completion_logprobs, trl_dpo_trainer
from alignlab.world import make_world

BETA, LR = 0.1, 1e-4
policy, tokenizer = pipe.load("sft")
reference, _ = pipe.load("sft")  # a frozen copy: pi_ref
world = make_world(pipe.config.world)
SAFETY = {"harmful", "benign_scary"}
train_pairs = [p for p in world.preferences("train") if p["kind"] in SAFETY][:384]
heldout_pairs = [p for p in world.preferences("heldout") if p["kind"] in SAFETY and p["gold_margin"] != 0][:128]
trl = trl_dpo_trainer(policy, reference, tokenizer, train_pairs, heldout_pairs, beta=BETA, batch_size=16)
print(train_pairs[0]["prompt"][0]["content"])
print("  chosen:  ", train_pairs[0]["chosen"][0]["content"])
print("  rejected:", train_pairs[0]["rejected"][0]["content"])''',
"""md:How often does the implicit reward side with the world's gold judge on held-out pairs? Before training,
policy and reference are the same model, every margin is 0, and a tie counts as half right.""",
'''@torch.no_grad()
def heldout_agreement():
    """Share of held-out pairs where the implicit reward prefers the reply the gold judge prefers."""
    margins = []
    for batch in trl.get_eval_dataloader():
        (pc, pr), (rc, rr) = (completion_logprobs(m, batch, sequence_logprobs) for m in (policy, reference))
        margins += (BETA * ((pc - rc) - (pr - rr))).tolist()
    right = [0.5 if m == 0 else float((m > 0) == (p["gold_margin"] > 0)) for m, p in zip(margins, heldout_pairs)]
    return sum(right) / len(right)

before = heldout_agreement()
print(f"held-out agreement with the gold judge before training: {before:.3f}")''',
'''torch.manual_seed(0)
optimizer = torch.optim.AdamW(policy.parameters(), lr=LR, weight_decay=0.0)
log = []
for step, batch in enumerate(trl.get_train_dataloader()):
    policy_chosen, policy_rejected = completion_logprobs(policy, batch, sequence_logprobs)
    with torch.no_grad():
        ref_chosen, ref_rejected = completion_logprobs(reference, batch, sequence_logprobs)
        trl_loss = trl.compute_loss(policy, batch).item()  # TRL's DPO loss on the same batch and weights
    loss, chosen_rewards, rejected_rewards = dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, BETA)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    log.append({"step": step, "your loss": loss.item(), "TRL loss": trl_loss,
                "chosen reward": chosen_rewards.mean().item(), "rejected reward": rejected_rewards.mean().item(),
                "reward accuracy": (chosen_rewards > rejected_rewards).float().mean().item()})
after = heldout_agreement()
print(f"{len(log)} steps; largest |your loss - TRL loss| = {max(abs(r['your loss'] - r['TRL loss']) for r in log):.2e}")
print(f"held-out agreement with the gold judge: {before:.3f} before, {after:.3f} after")''',
'''from alignlab.plots import training_curves

training_curves(log, ["your loss", "TRL loss"], title="DPO loss: yours and TRL's on the same batches").show()
training_curves(log, ["chosen reward", "rejected reward"], title="Implicit rewards (batch means)").show()''',
"""md:The two loss curves lie on top of each other: your loss is TRL's loss. The implicit rewards move apart
as training pushes the chosen replies up and the rejected ones down, relative to the reference. A run this
short moves held-out behaviour only a little; the course's `dpo` stage (notebook 05) trains on 2,000 pairs
and adds two terms that keep the model fluent.""",
tests("c1-test_training", 2, '''assert len(log) == 24, "the training loop should run over every batch once"
assert all(torch.isfinite(torch.tensor([r["your loss"], r["TRL loss"]])).all() for r in log)
gap = max(abs(r["your loss"] - r["TRL loss"]) for r in log)
assert gap < 1e-4, f"your loss differs from TRL's by up to {gap:.2e} during training"
assert log[-1]["chosen reward"] != 0 or log[-1]["rejected reward"] != 0, "the policy did not move"
print("training run: your loss matched TRL's at every step")'''),
"""md:## Reflection (2 points, graded by hand)

In three to five sentences: what goes wrong if DPO drops the reference model (uses $\\log \\pi_\\theta(y)$ in
place of $\\log \\frac{\\pi_\\theta(y)}{\\pi_{ref}(y)}$), and what does $\\beta$ control? Use what you saw in the
training run.""",
answer("c1-reflection", 2, """Without the reference, the loss only asks the policy to make the chosen reply more likely than the
rejected one, with nothing that ties it to the model it started from. The easiest way down is to crush the
rejected replies' probability, and with it whatever they share with good replies (fluency, format), so the
model can drift far from the SFT model. With the reference, the rewards measure *change* from pi_ref, and
beta sets the exchange rate: the optimum is the reward-maximising policy under a KL penalty of strength beta,
so a large beta keeps the policy close to pi_ref (small, safe steps: our rewards moved by tenths) and a small
beta lets it move further for the same preference margin.""", [
    "without the reference the loss only ranks chosen above rejected, with nothing holding the policy near the "
    "model it started from: it can lower both replies' likelihood, or drift far from the SFT model",
    "beta sets the strength of the implicit KL penalty to the reference (large: small, safe steps; small: the "
    "policy moves further for the same margin), tied to something seen in the training run (the rewards' size)"]),
check_your_work(NAME),
    ]


# Sample submissions (autograder/samples/): the learner's code per solution cell; cells not named keep the
# release's stub. `EXPECTED` (in the tests) says what each must score.
UNSTABLE_BT = '''def bradley_terry_loss(chosen_rewards, rejected_rewards):
    return -torch.log(torch.sigmoid(chosen_rewards - rejected_rewards)).mean()'''
ATTACHED_DPO = '''def dpo_loss(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    chosen = beta * (policy_chosen_logps - ref_chosen_logps)
    rejected = beta * (policy_rejected_logps - ref_rejected_logps)
    return -F.logsigmoid(chosen - rejected).mean(), chosen, rejected'''
SIGN_FLIPPED_DPO = '''def dpo_loss(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    chosen = beta * (policy_chosen_logps - ref_chosen_logps)
    rejected = beta * (policy_rejected_logps - ref_rejected_logps)
    return -F.logsigmoid(rejected - chosen).mean(), chosen.detach(), rejected.detach()'''
WRONG_LOGPROBS = '''def sequence_logprobs(logits, labels, mask):
    return (logits.gather(2, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1) * mask).sum(-1)'''
SUMMED_BT = '''def bradley_terry_loss(chosen_rewards, rejected_rewards):
    return -F.logsigmoid(chosen_rewards - rejected_rewards).sum()'''
WARNING_LOGPROBS = '''import sys
def sequence_logprobs(logits, labels, mask):
    print("note: casting logits to float32", file=sys.stderr)
    warnings.warn("sequence_logprobs: labels clamped at 0")
    logp = logits.float().log_softmax(-1)
    return (torch.gather(logp, 2, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1) * mask).sum(-1)'''
ENDLESS_BT = '''def bradley_terry_loss(chosen_rewards, rejected_rewards):
    return -F.logsigmoid(chosen_rewards - rejected_rewards).mean()

while True:  # a forgotten debugging loop
    pass'''
REFLECTION = "The reference keeps the policy close to where it started; beta is the strength of that KL leash."


CORRECT = {"c1-sequence_logprobs": solved(SEQUENCE_LOGPROBS), "c1-bradley_terry_loss": solved(BRADLEY_TERRY),
           "c1-dpo_loss": solved(DPO), "c1-reflection": REFLECTION}
SAMPLES = {
    "correct": {"answers": CORRECT},
    "partly_correct": {"answers": {**CORRECT, "c1-bradley_terry_loss": UNSTABLE_BT, "c1-dpo_loss": ATTACHED_DPO}},
    "wrong": {"answers": {"c1-sequence_logprobs": WRONG_LOGPROBS, "c1-bradley_terry_loss": SUMMED_BT,
                          "c1-dpo_loss": SIGN_FLIPPED_DPO}},
    # edits two test cells into `pass` and raises their points: graded with the original cells
    "tampered_tests": {"answers": {**CORRECT, "c1-dpo_loss": SIGN_FLIPPED_DPO},
                       "edit": {"c1-test_dpo_loss": "pass", "c1-hidden_dpo_loss": "pass"}},
    # deletes the visible DPO test of a wrong DPO loss: the cell is put back and scores zero
    "deleted_test": {"answers": {**CORRECT, "c1-dpo_loss": SIGN_FLIPPED_DPO}, "delete": ["c1-test_dpo_loss"]},
    "endless_loop": {"answers": {**CORRECT, "c1-bradley_terry_loss": ENDLESS_BT}},
    "warns_on_stderr": {"answers": {**CORRECT, "c1-sequence_logprobs": WARNING_LOGPROBS}},
}
