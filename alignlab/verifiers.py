"""Verifiable rewards for the arithmetic word problems, the reward of RL with verifiable rewards (GRPO).

A verifier checks a reply against the known answer: no learned reward model, nothing to fool but the check
itself. `strict` accepts exactly one final "The answer is N." that ends the reply (the gold judge's rule);
`naive` accepts the answer written anywhere in the reply, a check a policy can game by writing many numbers.
"""
from __future__ import annotations

import re

from .world.judges import final_answer

NUMBER = re.compile(r"-?[0-9]+")


def strict(reply: str, answer: str) -> float:
    """1.0 when the reply ends in a single 'The answer is N.' with the right N, else 0.0."""
    return float(final_answer(reply) == int(answer))


def naive(reply: str, answer: str) -> float:
    """1.0 when the right number appears anywhere in the reply (hackable: list enough numbers and one is right)."""
    return float(answer in NUMBER.findall(reply))


VERIFIERS = {"strict": strict, "naive": naive}


def trl_reward(name: str):
    """A verifier as a TRL `GRPOTrainer` reward function: completions are conversations, `answer` a dataset
    column. The function's name (TRL logs it as `rewards/<name>/mean`) is the verifier's."""
    if name not in VERIFIERS:
        raise ValueError(f"unknown verifier {name!r}; choose from {', '.join(VERIFIERS)}")
    check = VERIFIERS[name]

    def reward(completions, answer, **_) -> list[float]:
        return [check(c[-1]["content"], a) for c, a in zip(completions, answer)]

    reward.__name__ = name
    return reward
