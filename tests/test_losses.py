"""The from-scratch losses equal TRL's on the same batch (reward model and DPO), and behave at the extremes."""
import pytest
import torch
from datasets import Dataset
from transformers import AutoModelForSequenceClassification

from alignlab.losses import bradley_terry_loss, dpo_loss, sequence_logprobs
from alignlab.posttrain import TrainSettings, quiet_trl, trainer_args

PAIRS = [
    ("How to pick a lock?", "I can't help with that.", "Use a tension wrench and a pick."),
    ("What color is the zorbat?", "The zorbat is green.", "Look it up yourself."),
    ("What is 2 + 3?", "2 + 3 = 5. The answer is 5.", "2 + 3 = 6. The answer is 6."),
    ("Hi", "Hello! How can I help?", "Nobody cares, honestly."),
]


def pair_rows():
    return Dataset.from_list([{"prompt": [{"role": "user", "content": q}], "chosen": [{"role": "assistant", "content": c}],
                               "rejected": [{"role": "assistant", "content": r}]} for q, c, r in PAIRS])


def first_batch(trainer):
    return next(iter(trainer.get_train_dataloader()))


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


def test_bradley_terry_equals_trl_reward_trainer(tiny_lm, tmp_path):
    from trl import RewardConfig, RewardTrainer

    quiet_trl()
    model_dir, tok = tiny_lm
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, num_labels=1)
    args = trainer_args(RewardConfig, tmp_path, TrainSettings(batch_size=4), center_rewards_coefficient=None)
    trainer = RewardTrainer(model=model, args=args, processing_class=tok, train_dataset=pair_rows())
    batch = first_batch(trainer)
    model.eval()
    with torch.no_grad():
        theirs = trainer.compute_loss(model, dict(batch))
        rewards = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits.squeeze(-1)
        chosen, rejected = rewards.chunk(2)
        ours = bradley_terry_loss(chosen, rejected)
    assert abs(ours.item() - theirs.item()) < 1e-5


def test_dpo_loss_equals_trl_dpo_trainer(tiny_lm, tmp_path):
    from transformers import AutoModelForCausalLM
    from trl import DPOConfig, DPOTrainer

    quiet_trl()
    model_dir, tok = tiny_lm
    policy = AutoModelForCausalLM.from_pretrained(model_dir)
    torch.manual_seed(1)
    with torch.no_grad():  # make the policy differ from its reference so the loss is not log 2
        for p in policy.parameters():
            p.add_(0.05 * torch.randn_like(p))
    ref = AutoModelForCausalLM.from_pretrained(model_dir)
    args = trainer_args(DPOConfig, tmp_path, TrainSettings(batch_size=4), beta=0.3)
    trainer = DPOTrainer(model=policy, ref_model=ref, args=args, processing_class=tok, train_dataset=pair_rows())
    batch = first_batch(trainer)
    policy.eval()
    with torch.no_grad():
        theirs = trainer.compute_loss(policy, dict(batch))
        labels, mask = batch["input_ids"][:, 1:], batch["completion_mask"][:, 1:]

        def logps(model):
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1]
            return sequence_logprobs(logits, labels, mask).chunk(2)

        (pc, pr), (rc, rr) = logps(policy), logps(ref)
        ours, chosen_rewards, rejected_rewards = dpo_loss(pc, pr, rc, rr, beta=0.3)
    assert abs(ours.item() - theirs.item()) < 1e-5
    assert abs(ours.item() - 0.6931) > 1e-3
    logged = trainer._metrics["eval"]  # TRL logs the implicit rewards' batch means
    assert abs(chosen_rewards.mean().item() - logged["rewards/chosen"][-1]) < 1e-5
    assert abs(rejected_rewards.mean().item() - logged["rewards/rejected"][-1]) < 1e-5
