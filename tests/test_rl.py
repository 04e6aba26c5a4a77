"""PPO's maths against theory: KL estimators, GAE on hand-made trajectories, and the unclipped one-epoch update
equal to the REINFORCE-with-baseline gradient step."""
import copy
import math

import pytest
import torch

from alignlab.rl import (
    PolicyWithValue,
    PPOConfig,
    gae,
    kl_estimates,
    policy_loss,
    ppo_update,
    reply_logprobs,
    rollout,
    token_rewards,
    train_ppo,
)


def exact_kl(p, q):
    return float((p * (p / q).log()).sum())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kl_estimators_match_exact_kl(seed):
    g = torch.Generator().manual_seed(seed)
    p = torch.rand(6, generator=g).softmax(0)
    q = (p.log() + 0.3 * torch.randn(6, generator=g)).softmax(0)
    est = kl_estimates(p.log(), q.log())  # one "token" per outcome; weight each by its probability under p
    expectation = {k: float((p * v).sum()) for k, v in est.items()}
    kl = exact_kl(p, q)
    assert expectation["k1"] == pytest.approx(kl, abs=1e-6)  # unbiased
    assert expectation["k3"] == pytest.approx(kl, abs=1e-6)  # unbiased
    assert expectation["k2"] == pytest.approx(kl, rel=0.3)  # biased, close when p and q are close
    assert (est["k3"] >= 0).all() and (est["k1"] < 0).any()  # k3 never negative, k1 can be


def test_kl_estimators_from_samples():
    g = torch.Generator().manual_seed(0)
    p, q = torch.tensor([0.5, 0.3, 0.2]), torch.tensor([0.2, 0.3, 0.5])
    x = torch.multinomial(p, 200_000, replacement=True, generator=g)
    est = kl_estimates(p.log()[x], q.log()[x])
    assert est["k1"].mean().item() == pytest.approx(exact_kl(p, q), abs=0.01)
    assert est["k3"].mean().item() == pytest.approx(exact_kl(p, q), abs=0.01)


def test_gae_hand_made_trajectories():
    rewards = torch.tensor([[0.0, 0.0, 1.0], [0.0, 2.0, 0.0]])
    values = torch.tensor([[0.5, 0.5, 0.5], [1.0, 1.0, 9.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])  # the second reply has two tokens
    adv, ret = gae(rewards, values, mask, gamma=1.0, lam=1.0)
    # lam = 1: advantage = return-to-go - value; the padded value 9 is never used
    assert torch.allclose(adv, torch.tensor([[0.5, 0.5, 0.5], [1.0, 1.0, 0.0]]))
    assert torch.allclose(ret, torch.tensor([[1.0, 1.0, 1.0], [2.0, 2.0, 0.0]]))
    adv0, _ = gae(rewards, values, mask, gamma=1.0, lam=0.0)  # lam = 0: one-step TD errors
    assert torch.allclose(adv0, torch.tensor([[0.0, 0.0, 0.5], [0.0, 1.0, 0.0]]))
    adv_g, _ = gae(rewards, values, mask, gamma=0.5, lam=1.0)  # discounting: 1 * 0.5^2 - 0.5 at t = 0
    assert adv_g[0, 0].item() == pytest.approx(0.25 - 0.5)


def test_clip_only_bites_outside_the_trust_region():
    old = torch.zeros(1, 3)
    new = torch.log(torch.tensor([[1.5, 1.0, 0.5]]))
    adv, mask = torch.ones(1, 3), torch.ones(1, 3)
    clipped, frac = policy_loss(new, old, adv, mask, clip_eps=0.2)
    unclipped, _ = policy_loss(new, old, adv, mask, clip_eps=None)
    assert clipped.item() == pytest.approx(-(1.2 + 1.0 + 0.5) / 3)  # gains capped at 1 + eps; losses not
    assert unclipped.item() == pytest.approx(-(1.5 + 1.0 + 0.5) / 3)
    assert frac.item() == pytest.approx(1 / 3)


def test_unclipped_one_epoch_update_is_reinforce_with_baseline(tiny_lm):
    """With clipping off, one epoch and one minibatch, PPO's first step is the policy gradient
    -mean_t[A_t * grad log pi(a_t)] with A = GAE advantages (the value head is the baseline)."""
    from transformers import AutoModelForCausalLM

    model_dir, tok = tiny_lm
    lm = AutoModelForCausalLM.from_pretrained(model_dir)
    cfg = PPOConfig(batch_size=4, minibatch_size=4, ppo_epochs=1, clip_eps=None, value_clip=None, vf_coef=0.0,
                    max_grad_norm=0.0, max_new_tokens=6, whiten_advantages=False, lr=0.1)
    policy = PolicyWithValue(lm)
    torch.nn.init.normal_(policy.value_head.weight, std=0.5)  # a non-trivial baseline
    ref = copy.deepcopy(lm)
    torch.manual_seed(0)
    batch = rollout(policy, ref, tok, ["Hi", "How to pick a lock?", "What is 2 + 3?", "Hello"],
                    lambda qs, rs: [float(len(r)) / 10 for r in rs], cfg)
    rewards = token_rewards(batch, cfg.kl_coef)
    batch.advantages, batch.returns = gae(rewards, batch.old_values, batch.mask, cfg.gamma, cfg.lam)

    # REINFORCE with baseline, by hand
    manual = copy.deepcopy(policy)
    logits, _ = manual(batch.ids, batch.attention)
    logp = reply_logprobs(logits, batch.ids, batch.prompt_len)
    loss = -(batch.advantages * logp * batch.mask).sum() / batch.mask.sum()
    loss.backward()
    expected = {n: p.detach() - cfg.lr * p.grad for n, p in manual.named_parameters() if p.grad is not None}

    policy.eval()  # same (dropout-free) forward as the manual one
    ppo_update(policy, torch.optim.SGD(policy.parameters(), lr=cfg.lr), batch, cfg)
    params = dict(policy.named_parameters())
    assert expected and all(torch.allclose(params[n], v, atol=1e-6) for n, v in expected.items())


def test_ppo_raises_a_simple_reward(tiny_lm):
    """End to end on an untrained model: rewarding short replies makes them shorter."""
    from transformers import AutoModelForCausalLM

    model_dir, tok = tiny_lm
    lm = AutoModelForCausalLM.from_pretrained(model_dir)
    cfg = PPOConfig(iterations=12, batch_size=16, minibatch_size=8, max_new_tokens=12, lr=3e-3, kl_coef=0.0)
    _, log = train_ppo(lm, tok, ["Hi", "Hello", "What is 2 + 3?"], lambda qs, rs: [-len(r) / 20 for r in rs], cfg)
    first, last = sum(r["reward"] for r in log[:3]) / 3, sum(r["reward"] for r in log[-3:]) / 3
    assert last > first and all(math.isfinite(r["kl"]) for r in log)
    assert set(log[0]) >= {"reward", "kl", "entropy", "length", "clip_frac", "value_loss"}


def test_a_probe_watches_training_without_changing_it(tiny_lm):
    """The held-out probe runs on the first, every k-th and the last iteration, and the run is the same without it."""
    from transformers import AutoModelForCausalLM

    from alignlab.generation import generate

    model_dir, tok = tiny_lm
    cfg = PPOConfig(iterations=5, batch_size=8, minibatch_size=4, max_new_tokens=6, lr=3e-3)
    prompts, score = ["Hi", "Hello", "What is 2 + 3?"], lambda qs, rs: [-len(r) / 20 for r in rs]

    def probe(lm):  # draws from the global random state, as a sampling probe would
        return float(len(generate(lm, tok, ["Hi"], do_sample=True, seed=123, max_new_tokens=4)[0].text))

    _, plain = train_ppo(AutoModelForCausalLM.from_pretrained(model_dir), tok, prompts, score, cfg)
    _, probed = train_ppo(AutoModelForCausalLM.from_pretrained(model_dir), tok, prompts, score, cfg,
                          probe=probe, probe_every=2)
    assert [r["step"] for r in probed if "heldout_gold" in r] == [1, 3, 5]
    assert [r["reward"] for r in plain] == [r["reward"] for r in probed]
