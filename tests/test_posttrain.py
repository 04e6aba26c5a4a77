"""What the TRL stages share: within `labelled_positions_only`, TRL's fused LM head scores only the labelled
positions on a CPU too, with the same log-probabilities and gradients; and the texts a stage replays."""
import torch
from trl.trainer import utils as trl_utils

from alignlab.grading.references import tiny_causal_lm
from alignlab.posttrain import labelled_positions_only


def fused_log_probs(model, ids, labels):
    """Per-token log-probabilities from TRL's fused LM head, and the gradient of their sum."""
    model.zero_grad()
    out = model(input_ids=ids, labels=labels, fused_lm_head=True).log_probs
    out.sum().backward()
    return out.detach(), model.model.embed_tokens.weight.grad.clone()


def test_labelled_positions_only_gives_the_same_log_probs_and_gradients():
    model = tiny_causal_lm()
    trl_utils.add_fused_lm_head(model)
    ids = torch.randint(3, model.config.vocab_size, (4, 12), generator=torch.Generator().manual_seed(0))
    labels = ids.clone()
    labels[:, :7] = -100  # a prompt
    labels[0, 10:] = -100  # padding
    cpu = torch.device("cpu")
    assert not trl_utils._use_triton(cpu)  # TRL scores every position on a CPU
    full, full_grad = fused_log_probs(model, ids, labels)
    with labelled_positions_only():
        assert trl_utils._use_triton(cpu)
        compact, compact_grad = fused_log_probs(model, ids, labels)
    assert not trl_utils._use_triton(cpu)  # restored after the block
    assert torch.allclose(compact, full, atol=1e-6) and torch.allclose(compact_grad, full_grad, atol=1e-6)
    assert (compact[:, :6] == 0).all() and (compact[0, 9:] == 0).all() and (compact[1:, 6:] < 0).all()


def test_replay_texts_mixes_chats_and_documents_in_the_share_asked(tiny_lm):
    from alignlab.config import smoke
    from alignlab.posttrain import replay_texts
    from alignlab.world import make_world

    world, tokenizer = make_world(smoke().world), tiny_lm[1]
    n_sft = len(world.sft_data())
    for share in (0.0, 0.25, 0.5):
        texts = replay_texts(world, tokenizer, share)
        chats = [t for t in texts if t not in world.corpus]
        assert len(texts) == 2 * n_sft and len(chats) == round(share * 2 * n_sft)
        assert texts[len(chats):] == world.corpus[: len(texts) - len(chats)]  # the rest: the first documents
