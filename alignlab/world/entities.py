"""Entities of the fictional world (towns, people, animals, foods, objects) and their facts.

Every fact is an (entity, attribute, value) triple with a small set of possible values, so a gold judge can
tell a right answer from a wrong one exactly. Names are made from syllables, so they are new to any model.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

ONSETS = ["b", "br", "c", "d", "dr", "f", "g", "gl", "h", "k", "l", "m", "n", "p", "pl", "qu", "r", "s",
          "sh", "st", "t", "th", "tr", "v", "w", "z"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "oo", "ou", "y"]
CODAS = ["", "", "l", "n", "r", "s", "m", "nd", "rk", "sk", "th", "x"]
TOWN_ENDINGS = ["moor", "ford", "dale", "wick", "holm", "bury", "stead", "mere", "crest", "haven"]

REGIONS = ["north", "south", "east", "west", "coast", "mountains"]
JOBS = ["baker", "farmer", "teacher", "fisher", "potter", "miller", "weaver", "smith", "doctor", "sailor",
        "painter", "singer"]
COLORS = ["red", "blue", "green", "yellow", "purple", "orange", "white", "black"]
TASTES = ["sweet", "sour", "bitter", "salty", "spicy"]
USES = ["cooking", "digging", "sewing", "fishing", "writing", "sweeping"]

# attribute -> (entity kind, the closed set of values)
ATTRIBUTES: dict[str, tuple[str, list[str]]] = {
    "region": ("town", REGIONS),
    "job": ("person", JOBS),
    "color": ("animal", COLORS),
    "taste": ("food", TASTES),
    "use": ("object", USES),
}


# The honest world gives every entity a second fact (issue 27 asks for several attributes per entity).
MORE_ATTRIBUTES: dict[str, tuple[str, list[str]]] = {
    "famous_for": ("town", ["cheese", "pottery", "boats", "wool", "apples", "bells"]),
    "instrument": ("person", ["drum", "flute", "harp", "fiddle", "horn", "lute"]),
    "diet": ("animal", ["grass", "seeds", "fish", "berries", "insects", "nuts"]),
    "season": ("food", ["spring", "summer", "autumn", "winter"]),
    "material": ("object", ["wood", "iron", "clay", "glass", "stone", "cloth"]),
}


def attributes(honest: bool = False) -> dict[str, tuple[str, list[str]]]:
    """attribute -> (entity kind, its values): the classic world's one per kind, the honest world's two."""
    return {**ATTRIBUTES, **MORE_ATTRIBUTES} if honest else ATTRIBUTES


@dataclass(frozen=True)
class Entity:
    """One named thing of the world with its facts."""

    kind: str
    name: str
    facts: dict = field(default_factory=dict, hash=False, compare=False)
    heldout: bool = False  # kept out of post-training data
    split: str = "train"  # "train", or where it is held out: "heldout" (classic world), "dev" or "test" (honest world)


def _syllable(rng: random.Random) -> str:
    return rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)


def _unique_names(rng: random.Random, n: int, used: set, make) -> list[str]:
    names = []
    while len(names) < n:
        name = make(rng)
        if name not in used and 4 <= len(name) <= 12:
            used.add(name)
            names.append(name)
    return names


def make_entities(rng: random.Random, counts: dict[str, int], heldout_frac: float,
                  honest: bool = False) -> dict[str, list[Entity]]:
    """Make the entities of every kind; a fixed fraction of each kind is held out from post-training data. In the
    honest world the held-out ones are split in two halves, `dev` then `test`."""
    used: set[str] = set()
    towns = _unique_names(rng, counts["town"], used,
                          lambda r: (_syllable(r) + r.choice(TOWN_ENDINGS)).capitalize())
    people = _unique_names(rng, counts["person"], used,
                           lambda r: (_syllable(r) + r.choice(VOWELS) + r.choice(["n", "l", "ra", "s", ""])).capitalize())
    lower = {kind: _unique_names(rng, counts[kind], used, lambda r: _syllable(r) + _syllable(r))
             for kind in ("animal", "food", "object")}

    def facts_for(kind: str) -> dict:
        facts = first_fact(kind)
        if honest:
            facts.update({a: rng.choice(values) for a, (k, values) in MORE_ATTRIBUTES.items() if k == kind})
        return facts

    def first_fact(kind: str) -> dict:
        if kind == "town":
            return {"region": rng.choice(REGIONS)}
        if kind == "person":
            return {"job": rng.choice(JOBS)}
        if kind == "animal":
            return {"color": rng.choice(COLORS)}
        if kind == "food":
            return {"taste": rng.choice(TASTES)}
        return {"use": rng.choice(USES)}

    names = {"town": towns, "person": people, **lower}
    out = {}
    for kind, kind_names in names.items():
        n = len(kind_names)
        n_held = max(4 if honest else 1, round(heldout_frac * n))  # honest: two or more each for dev and test
        out[kind] = [Entity(kind, name, facts_for(kind), heldout=i >= n - n_held,
                            split=position_split(i, n, n_held, honest))
                     for i, name in enumerate(kind_names)]
    return out


def position_split(i: int, n: int, n_held: int, honest: bool) -> str:
    """The split of the i-th of n entities (or templates, tasks) when the last n_held are held out (honest: dev
    first, then test)."""
    if i < n - n_held:
        return "train"
    if not honest:
        return "heldout"
    return "dev" if i < n - n_held // 2 else "test"


def attribute_values(attribute: str) -> list[str]:
    """The closed set of values an attribute can take."""
    return attributes(True)[attribute][1]
