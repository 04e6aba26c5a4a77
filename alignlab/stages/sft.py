"""Stage `sft`: supervised fine-tuning of `base` on the world's helpful chat data (TRL `SFTTrainer`).

Each example is a prompt (the user turn, rendered with the chat template up to "Answer:") and a completion (the
assistant's reply and its end-of-turn token); the loss is on the completion only, i.e. on assistant tokens.
Mixed in are documents replayed from the pretraining corpus (loss on every token): without them, a model this
small forgets what it read and answers every request with one of the few replies it was fine-tuned on (the
same reason InstructGPT mixed pretraining gradients into its RLHF stage, "PPO-ptx").

The chat data holds no harmful request and no refusal, so the SFT model learns the assistant format and
helpfulness, not harmlessness.
"""
from __future__ import annotations

import random
from pathlib import Path

from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer

from ..config import CourseConfig
from ..pipeline import POST_SOURCES, Stage, register
from ..posttrain import TrainSettings, quiet_trl, save_stage, train, trainer_args
from ..world import make_world


def prompt_completion(tokenizer, messages: list[dict]) -> dict:
    """A one-turn conversation as TRL's prompt-completion pair, both rendered with the chat template."""
    prompt = tokenizer.apply_chat_template(messages[:1], tokenize=False, add_generation_prompt=True)
    full = tokenizer.apply_chat_template(messages, tokenize=False)
    return {"prompt": prompt, "completion": full[len(prompt):]}


def sft_rows(tokenizer, conversations: list[dict], corpus: list[str], n_replay: int, seed: int = 0) -> list[dict]:
    """Chat examples plus `n_replay` corpus documents (empty prompt: every token is trained on), shuffled."""
    rng = random.Random(seed)
    rows = [prompt_completion(tokenizer, c["messages"]) for c in conversations]
    rows += [{"prompt": "", "completion": doc + tokenizer.eos_token} for doc in rng.sample(corpus, n_replay)]
    rng.shuffle(rows)
    return rows


def fine_tune(config: CourseConfig, start: Path, rows: list[dict], settings: TrainSettings, out: Path,
              info: dict) -> None:
    """TRL's `SFTTrainer` on prompt-completion `rows` (loss on the completions only) from the model at `start`,
    saved in the stage layout at `out`."""
    quiet_trl()
    tok = AutoTokenizer.from_pretrained(start)
    model = AutoModelForCausalLM.from_pretrained(start)
    args = trainer_args(SFTConfig, out, settings, completion_only_loss=True, max_length=config.base_model.context)
    trainer = SFTTrainer(model=model, args=args, processing_class=tok, train_dataset=Dataset.from_list(rows))
    save_stage(out, trainer.model, tok, train(trainer), info)


def build_sft(config: CourseConfig, upstream: dict, out: Path) -> None:
    start = upstream["base"] / "model"
    world = make_world(config.world)
    conversations = world.sft_data()
    rows = sft_rows(AutoTokenizer.from_pretrained(start), conversations, world.corpus, config.sft_replay_docs,
                    config.sft.seed)
    fine_tune(config, start, rows, config.sft, out,
              {"conversations": len(conversations), "replayed_documents": config.sft_replay_docs})


register(Stage("sft", build_sft, upstream=("base",), sources=POST_SOURCES,
               config_of=lambda c: {"sft": c.sft, "replay": c.sft_replay_docs, "world": c.world},
               data_parallel=True, description="supervised fine-tuning on helpful chat data"))
