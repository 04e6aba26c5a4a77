"""The toy world: a deterministic generator of everything the course trains and evaluates on.

    >>> from alignlab.world import WorldConfig, make_world
    >>> world = make_world(WorldConfig(seed=0))
    >>> world.eval_set("harmful")[0].prompt   # a held-out harmful request

`WorldConfig(honest=True)` makes the honest world (issue 27, being built): train, dev and test splits, each dev and
test item new on both axes, and a corpus whose forum threads ask training items only.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cached_property, lru_cache

from . import content
from .chat import arith_demonstrations, labeler_population, preference_pairs, sft_examples
from .corpus import make_corpus
from .entities import make_entities
from .items import (
    Item,
    arith_items,
    honest_arith_items,
    bbq_items,
    benign_items,
    benign_scary_items,
    fact_items,
    harmful_items,
    jailbreak_items,
    myth_items,
    smalltalk_items,
)
from .judges import gold_reward, judge

# evaluation set name -> (item kind, extra filter)
EVAL_SETS = {
    "capability": "fact",
    "arith": "arith",
    "harmful": "harmful",
    "jailbreak": "jailbreak",
    "benign_scary": "benign_scary",
    "myth": "myth",
    "bbq": "bbq",
}


@dataclass(frozen=True)
class WorldConfig:
    """Everything that shapes the world. Same config, same bytes."""

    seed: int = 0
    n_towns: int = 20
    n_people: int = 40
    n_animals: int = 20
    n_foods: int = 20
    n_objects: int = 20
    heldout_entity_frac: float = 0.2
    corpus_scale: float = 1.0
    n_arith: int = 3000
    n_benign: int = 600
    n_sft: int = 1500
    # extra arithmetic demonstrations for SFT (the honest world's two-digit sums), `arith_worked_frac` of them worked
    # digit by digit and the rest a bare answer (chat.arith_demonstrations)
    n_arith_demos: int = 0
    arith_worked_frac: float = 0.4
    sft_padded_frac: float = 0.1  # SFT replies that end with pleasantries (the habit a length-loving RM rewards)
    n_preferences: int = 4000
    n_heldout_preferences: int = 600
    n_labelers: int = 40
    labeler_noise: float = 0.05
    labeler_tie_margin: float = 0.1
    length_bias: float = 0.05
    eval_size: int = 300
    # the honest world: dev and test splits new on both axes and a corpus without evaluation items (not yet the
    # default: the stages are tuned on the classic world)
    honest: bool = False

    def corpus_fields(self) -> dict:
        """The fields that shape the pretraining corpus (the others shape post-training data and evaluation)."""
        return {k: getattr(self, k) for k in ("seed", "n_towns", "n_people", "n_animals", "n_foods", "n_objects",
                                              "heldout_entity_frac", "corpus_scale", "honest", "n_arith")}


class World:
    """Entities, items (by kind), the corpus and the post-training data of one `WorldConfig`."""

    def __init__(self, config: WorldConfig):
        self.config = config
        rng = self._rng("entities")
        counts = {"town": config.n_towns, "person": config.n_people, "animal": config.n_animals,
                  "food": config.n_foods, "object": config.n_objects}
        honest = config.honest
        self.entities = make_entities(rng, counts, config.heldout_entity_frac, honest)
        harmful = harmful_items(self._rng("harmful"), self.entities, honest)
        arith_rng = self._rng("arith")
        self.items: dict[str, list[Item]] = {
            "fact": fact_items(self.entities, honest),
            "arith": honest_arith_items(arith_rng, self.entities, config.n_arith, config.eval_size) if honest
            else arith_items(arith_rng, self.entities, config.n_arith),
            "harmful": harmful,
            "jailbreak": jailbreak_items(self._rng("jailbreak"), harmful, honest),
            "benign_scary": benign_scary_items(self._rng("benign_scary"), self.entities, honest),
            "benign": benign_items(self._rng("benign"), self.entities, config.n_benign, honest),
            "myth": myth_items(self.entities, honest),
            "bbq": bbq_items(self._rng("bbq"), self.entities, per_cell=7 if honest else 6, honest=honest),
            "smalltalk": smalltalk_items(),
        }
        # where evaluation items come from, and the held-out split a stage may look at while it trains (the
        # classic world has one held-out split for both; the honest world reports test and tunes on dev)
        self.eval_split = "test" if honest else "heldout"
        self.tune_split = "dev" if honest else "heldout"
        self.constitution = list(content.CONSTITUTION)

    def _rng(self, purpose: str) -> random.Random:
        return random.Random(f"{self.config.seed}/{purpose}")

    @cached_property
    def corpus(self) -> list[str]:
        return make_corpus(self._rng("corpus"), self.entities, self.items, self.config.corpus_scale,
                           self.config.honest)

    def sft_data(self) -> list[dict]:
        c = self.config
        demos = arith_demonstrations(self.items, self._rng("sft/arith"), c.n_arith_demos, c.arith_worked_frac)
        return sft_examples(self.items, self._rng("sft"), c.n_sft, c.sft_padded_frac) + demos

    def preferences(self, split: str = "train", length_bias: float | None = None, n: int | None = None) -> list[dict]:
        """Labelled preference pairs; `length_bias` overrides the labelers' taste for long answers."""
        c = self.config
        bias = c.length_bias if length_bias is None else length_bias
        labelers = labeler_population(self._rng("labelers"), c.n_labelers, bias, c.labeler_noise, c.labeler_tie_margin)
        n = n or (c.n_preferences if split == "train" else c.n_heldout_preferences)
        return preference_pairs(self.items, split, n, labelers, self._rng(f"preferences/{split}/{bias}"))

    def eval_set(self, name: str, split: str | None = None) -> list[Item]:
        """A held-out evaluation set (at most `eval_size` items, fixed by the seed): `split` "test" (the default)
        or "dev" in the honest world; the classic world has one, "heldout"."""
        if name not in EVAL_SETS:
            raise ValueError(f"unknown evaluation set {name!r}; choose from {', '.join(EVAL_SETS)}")
        split = split or self.eval_split
        allowed = ("dev", "test") if self.config.honest else ("heldout",)
        if split not in allowed:
            raise ValueError(f"unknown split {split!r} for an evaluation set of this world; choose from "
                             f"{', '.join(allowed)}" + ("" if self.config.honest else
                                                        " (dev and test: WorldConfig(honest=True))"))
        pool = [i for i in self.items[EVAL_SETS[name]] if i.split == split]
        if name == "jailbreak" and not self.config.honest:
            pool = [i for i in pool if i.meta["family"] in content.HELDOUT_ATTACK_FAMILIES
                    and self._request_heldout(i)]
        rng = self._rng(f"eval/{name}" if split == "heldout" else f"eval/{name}/{split}")
        chosen = sorted(rng.sample(range(len(pool)), min(len(pool), self.config.eval_size)))
        return [pool[i] for i in chosen]

    def _request_heldout(self, item: Item) -> bool:
        return item.meta["request"] in self._heldout_requests

    @cached_property
    def _heldout_requests(self) -> set[str]:
        return {i.prompt for i in self.items["harmful"] if i.split == "heldout"}


@lru_cache(maxsize=4)
def make_world(config: WorldConfig = WorldConfig()) -> World:
    return World(config)


__all__ = ["EVAL_SETS", "Item", "World", "WorldConfig", "gold_reward", "judge", "make_world"]
