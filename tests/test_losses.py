"""The from-scratch losses equal TRL's on the same batch (reward model, DPO, GRPO), and behave at the extremes."""
import pytest
import torch

from alignlab.grading.references import completion_logprobs, completion_token_logprobs, dpo_case, grpo_case, reward_case
from alignlab.losses import bradley_terry_loss, dpo_loss, group_advantages, grpo_loss, sequence_logprobs


def test_sequence_logprobs_matches_a_loop():
    torch.manual_seed(0)
    logits, labels = torch.randn(2, 5, 7), torch.randint(0, 7, (2, 5))
    mask = torch.tensor([[0, 1, 1, 1, 0], [1, 1, 0, 0, 0]])
    expected = [sum(logits[b, t].log_softmax(-1)[labels[b, t]].item() for t in range(5) if mask[b, t]) for b in range(2)]
    assert torch.allclose(sequence_logprobs(logits, labels, mask), torch.tensor(expected), atol=1e-6)
    labels[0, 0] = -100  # ignored positions may hold any label, even TRL's -100
    assert torch.allclose(sequence_logprobs(logits, labels, mask), torch.tensor(expected), atol=1e-6)


def test_bradley_terry_is_stable_and_symmetric():
    big = torch.tensor([1e4, -1e4])
    loss = bradley_terry_loss(big, -big)
    assert torch.isfinite(loss) and abs(loss.item() - 1e4) < 1e-3  # margins +2e4 (loss 0) and -2e4 (loss 2e4)
    assert bradley_terry_loss(torch.zeros(3), torch.zeros(3)).item() == pytest.approx(torch.log(torch.tensor(2.0)).item())


def test_dpo_rewards_are_detached_and_scaled():
    pc, pr = torch.tensor([-5.0], requires_grad=True), torch.tensor([-9.0], requires_grad=True)
    loss, rc, rr = dpo_loss(pc, pr, torch.tensor([-6.0]), torch.tensor([-8.0]), beta=0.5)
    assert rc.item() == pytest.approx(0.5) and rr.item() == pytest.approx(-0.5) and not rc.requires_grad
    loss.backward()
    assert pc.grad.item() < 0 < pr.grad.item()  # raise the chosen, lower the rejected


def test_bradley_terry_equals_trl_reward_trainer():
    case = reward_case()
    assert abs(bradley_terry_loss(case.chosen_rewards, case.rejected_rewards).item() - case.trl_loss) < 1e-5


def test_dpo_loss_equals_trl_dpo_trainer():
    case = dpo_case(beta=0.3)
    with torch.no_grad():
        (pc, pr), (rc, rr) = (completion_logprobs(m, case.batch, sequence_logprobs) for m in (case.policy, case.reference))
        ours, chosen_rewards, rejected_rewards = dpo_loss(pc, pr, rc, rr, beta=case.beta)
    assert abs(ours.item() - case.trl_loss) < 1e-5
    assert abs(ours.item() - 0.6931) > 1e-3
    assert abs(chosen_rewards.mean().item() - case.trl_rewards[0]) < 1e-5
    assert abs(rejected_rewards.mean().item() - case.trl_rewards[1]) < 1e-5


def test_group_advantages_by_hand():
    adv = group_advantages(torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]), group_size=4)
    # group 1: mean 0.25, sample std 0.5 -> (0.75 / 0.5, -0.25 / 0.5, ...); group 2: all equal -> all zero
    assert torch.allclose(adv, torch.tensor([1.5, -0.5, -0.5, -0.5, 0, 0, 0, 0]), atol=1e-3)
    with pytest.raises(RuntimeError):
        group_advantages(torch.zeros(6), group_size=4)  # rewards must come in whole groups


def test_grpo_loss_clips_like_ppo():
    """On-policy the loss is -A (mean over tokens); a ratio far above 1 + epsilon stops pushing a positive A."""
    mask = torch.ones(1, 3)
    logps = torch.zeros(1, 3, requires_grad=True)
    loss = grpo_loss(logps, torch.zeros(1, 3), torch.zeros(1, 3), torch.tensor([2.0]), mask, beta=0.0)
    assert loss.item() == pytest.approx(-2.0)
    loss.backward()
    assert torch.allclose(logps.grad, torch.full((1, 3), -2.0 / 3))
    high = torch.full((1, 3), 1.0, requires_grad=True)  # ratio e > 1.2: clipped, no gradient for A > 0
    grpo_loss(high, torch.zeros(1, 3), torch.ones(1, 3), torch.tensor([2.0]), mask, beta=0.0).backward()
    assert torch.all(high.grad == 0)


def test_grpo_kl_term_is_zero_at_the_reference_and_positive_elsewhere():
    mask, adv = torch.ones(2, 4), torch.zeros(2)
    logps = torch.randn(2, 4)
    assert grpo_loss(logps, logps, logps, adv, mask, beta=1.0).item() == pytest.approx(0.0, abs=1e-7)
    assert grpo_loss(logps, logps, logps + 0.3, adv, mask, beta=1.0).item() > 0


def test_grpo_advantages_and_loss_equal_trl_grpo_trainer():
    case = grpo_case(beta=0.1, group_size=4)
    inputs = case.inputs
    assert len(set(case.rewards.tolist())) > 1  # the groups are not all ties: advantages are not all zero
    assert torch.allclose(group_advantages(case.rewards, case.group_size), case.advantages, atol=1e-5)
    logps = completion_token_logprobs(case.policy, inputs)
    ours = grpo_loss(logps, logps.detach(), inputs["ref_per_token_logps"], inputs["advantages"],
                     inputs["completion_mask"], epsilon=case.epsilon, beta=case.beta)
    assert abs(ours.item() - case.trl_loss) < 1e-5
    assert abs(case.trl_loss) > 1e-4  # the KL term makes the on-policy loss non-zero: a real comparison


def test_implicit_reward_sums_reply_logprobs_whatever_the_padding(tiny_lm):
    """DPO's implicit reward: beta times the reply's summed log-probability under the policy minus the reference's;
    a batch of different lengths (padded on either side) gives what each conversation gives alone."""
    import copy

    from transformers import AutoModelForCausalLM

    from alignlab.reward import ImplicitReward, preference_metrics
    from alignlab.world.chat import conversation

    tok = tiny_lm[1]
    reference = AutoModelForCausalLM.from_pretrained(tiny_lm[0])
    policy = copy.deepcopy(reference)
    with torch.no_grad():
        policy.lm_head.weight.mul_(1.5)  # another distribution over the same tokens
    questions, replies = ["What color is the zorbat?", "Hi"], ["The zorbat is red.", "Hello there, how are you today?"]

    def alone(model, q, r):  # one unpadded conversation: the log-probabilities of the tokens after the prompt
        prompt = tok.apply_chat_template(conversation(q, r)[:1], tokenize=False, add_generation_prompt=True)
        ids = tok(tok.apply_chat_template(conversation(q, r), tokenize=False), add_special_tokens=False,
                  return_tensors="pt")["input_ids"]
        n = len(tok(prompt, add_special_tokens=False)["input_ids"])
        with torch.no_grad():
            logp = model(input_ids=ids).logits[0, :-1].log_softmax(-1)
        return sum(logp[t - 1, ids[0, t]].item() for t in range(n, ids.shape[1]))

    for side in ("left", "right"):
        tok.padding_side = side
        implicit = ImplicitReward(policy, reference, tok, beta=0.5)
        for q, r, got in zip(questions, replies, implicit(questions, replies)):
            assert abs(got) > 1e-3  # the two models differ
            assert got == pytest.approx(0.5 * (alone(policy, q, r) - alone(reference, q, r)), abs=1e-4)
    same = ImplicitReward(reference, reference, tok, beta=0.5)
    assert same(questions, replies) == [0.0, 0.0]  # the reference's own implicit reward is zero
    pairs = [{"prompt": [{"content": q}], "chosen": [{"content": r}], "rejected": [{"content": r + " no"}],
              "gold_margin": 1.0} for q, r in zip(questions, replies)]
    assert set(preference_metrics(implicit, pairs)) >= {"pref_accuracy", "gold_agreement"}
    with pytest.raises(ValueError, match="2 questions but 1 replies"):
        implicit(questions, replies[:1])
    # a sweep shares the reference's scores: each reply is scored once by it, and every beta gets the same numbers
    memo, calls = {}, []
    scored = []
    for beta in (0.5, 2.0):
        shared = ImplicitReward(policy, reference, tok, beta, reference_memo=memo)
        score = shared.reply_logprobs
        shared.reply_logprobs = lambda model, *a, score=score: calls.append(model) or score(model, *a)
        scored.append(shared(questions, replies))
        assert shared(questions, replies) == scored[-1]
    assert scored[0] == pytest.approx(implicit(questions, replies)) and scored[1] == [4 * s for s in scored[0]]
    assert calls.count(reference) == 1 and calls.count(policy) == 2


def test_score_distinct_scores_each_repeated_sample_once():
    from alignlab.reward import score_distinct

    asked = []

    def scorer(questions, replies):
        asked.append(list(zip(questions, replies)))
        return [len(q) + 10 * len(r) for q, r in zip(questions, replies)]

    questions, replies = ["q", "q", "qq", "q", "qq"], ["a", "a", "a", "bb", "a"]
    assert score_distinct(scorer, questions, replies) == scorer(questions, replies)
    assert asked[0] == [("q", "a"), ("qq", "a"), ("q", "bb")]  # in first-seen order, each once
    assert score_distinct(scorer, [], []) == [] and len(asked) == 2  # nothing to score: the scorer is not called
    with pytest.raises(ValueError, match="2 questions but 1 replies"):
        score_distinct(scorer, ["q", "q"], ["a"])
