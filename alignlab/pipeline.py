"""The stage registry and on-demand building: any stage can be asked for first, its upstream stages are built
(or taken from the cache) before it.

A stage is a function `build(config, upstream, out_dir)` that writes its artefact into `out_dir` (a model
folder `model/` with its tokenizer, and `log.json` for plots), plus the upstream stages it needs, the part
of the config that keys it, and how its model is prompted.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import distributed
from .cache import Cache, config_key
from .config import CourseConfig, as_dict, load_config

# Code whose every change changes what a stage produces: its hash is part of every cache key, so editing the world
# or a training loop never reuses stale artefacts. (A stage's own module is added per stage.)
# `world/chat.py` (post-training data) and `world/judges.py` (the gold judges, which also label preferences) are
# left out: changing the labelers or the judges must not retrain the base model; the post-training stages add them
# (POST_SOURCES).
CORE_SOURCES = ("world/__init__.py", "world/content.py", "world/corpus.py", "world/entities.py", "world/items.py",
                "tokenizer.py", "model.py", "pretrain.py")
POST_SOURCES = ("world/chat.py", "world/judges.py", "posttrain.py")
EVAL_SOURCES = ("evals", "generation.py", "harm.py", "reward.py", "world/judges.py")

# Every stage of DESIGN.md in pipeline order; those not registered yet are built by later notebooks' issues.
STAGE_ORDER = ["base", "sft", "reward_model", "ppo", "ppo_hacked", "dpo", "cai", "grpo", "safety", "base_large"]


@dataclass(frozen=True)
class Stage:
    name: str
    build: Callable[[CourseConfig, dict, Path], None]
    upstream: tuple[str, ...]
    config_of: Callable[[CourseConfig], object]  # the part of the config this stage depends on
    style: str = "chat"  # how its model is prompted: "plain" (base models) or "chat"
    description: str = ""
    evaluated: bool = True  # internal artefacts (the tokenizer) are not on the report card
    evaluate: Callable | None = None  # evaluate(pipeline, name) -> result, for stages that are not policies
    proxy: str | None = "reward_model"  # the reward model whose score is this stage's `proxy_reward`
    sources: tuple[str, ...] = ()  # package files its build uses beyond CORE_SOURCES and its own module
    data_parallel: bool = False  # trained by a TRL trainer: several processes (accelerate launch) share the work


REGISTRY: dict[str, Stage] = {}


def register(stage: Stage) -> Stage:
    REGISTRY[stage.name] = stage
    return stage


@cache
def source_hash(*relative_paths: str) -> str:
    """SHA-256 over the package's source files at these paths (files or folders), read once per process."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for rel in relative_paths:
        target = root / rel
        for f in sorted(target.rglob("*.py")) if target.is_dir() else [target]:
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


class StageError(ValueError):
    """A stage name or list the pipeline cannot build."""


def check_stage(name: str) -> Stage:
    _load_stages()
    if name in REGISTRY:
        return REGISTRY[name]
    raise StageError(f"unknown stage {name!r}; available: {', '.join(available_stages())}")


def available_stages() -> list[str]:
    """Registered, evaluated stages in pipeline order."""
    _load_stages()
    return [s for s in STAGE_ORDER if s in REGISTRY and REGISTRY[s].evaluated]


def parse_stage_list(text: str) -> list[str]:
    """'base,base_large' -> ['base', 'base_large'], with a clear error for empty or unknown names."""
    names = [s.strip() for s in text.split(",")]
    if not text.strip() or any(not n for n in names):
        raise StageError(f"bad --stages list {text!r}: give stage names separated by commas, e.g. base,base_large")
    for n in names:
        check_stage(n)
    return list(dict.fromkeys(names))


def _load_stages() -> None:
    from . import stages  # noqa: F401  (registers the stages on import)


class Pipeline:
    """Builds, loads and evaluates stages for one config and one cache."""

    def __init__(self, config: CourseConfig | None = None, cache: Cache | None = None):
        self.config = config or load_config()
        self.cache = cache or Cache()
        _load_stages()

    def key(self, name: str) -> str:
        stage = check_stage(name)
        own = Path(inspect.getsourcefile(stage.build)).resolve().relative_to(Path(__file__).resolve().parent)
        return config_key({"stage": name, "code": source_hash(*CORE_SOURCES, *stage.sources, str(own)),
                           "config": as_dict(stage.config_of(self.config)),
                           "upstream": {u: self.key(u) for u in stage.upstream}})

    def build(self, name: str) -> Path:
        """The stage's artefact folder, building it and its upstream stages when needed."""
        stage = check_stage(name)
        upstream = {u: self.build(u) for u in stage.upstream}
        make = lambda out: stage.build(self.config, upstream, out)
        if distributed.process_count() > 1 and self.cache.lookup(name, self.key(name)) is None:
            return distributed.build_together(self.cache, name, self.key(name), make, stage.data_parallel)
        return self.cache.get_or_build(name, self.key(name), make)

    def prepare(self, names, show=print) -> dict[str, float]:
        """Build `names` and every stage they need, in pipeline order, showing a progress line per stage (the first
        time each takes minutes; later runs find them in the cache). Returns the seconds each took here."""
        order: list[str] = []

        def visit(name: str) -> None:
            for up in check_stage(name).upstream:
                visit(up)
            if name not in order:
                order.append(name)

        for name in names:
            visit(name)
        seconds = {}
        for i, name in enumerate(order, 1):
            cached = self.is_built(name)
            if not cached:
                show(f"[{'#' * (i - 1)}{'.' * (len(order) - i + 1)}] {i}/{len(order)} building {name} ...")
            start = time.time()
            self.build(name)
            seconds[name] = time.time() - start
            done = "in the cache" if cached else f"built in {seconds[name]:.0f} s"
            show(f"[{'#' * i}{'.' * (len(order) - i)}] {i}/{len(order)} {name}: {done}")
        return seconds

    def is_built(self, name: str) -> bool:
        return self.cache.lookup(name, self.key(name)) is not None

    def load(self, name: str, part: str = ""):
        """(model, tokenizer) of a stage, building it when needed; `part` names another model the stage keeps (for
        `cai_sl`, "feedback_model")."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = self.build(name) / part / "model"
        model = AutoModelForCausalLM.from_pretrained(path)
        model.eval()
        return model, AutoTokenizer.from_pretrained(path)

    def scorer(self, name: str = "reward_model"):
        """A reward-model stage as a scoring function (questions, replies) -> rewards."""
        from .reward import RewardScorer

        return RewardScorer(self.build(name) / "model")

    def harm_classifier(self):
        """The learned harm classifier (`harm_classifier` stage) as a judge (requests, replies) -> probabilities."""
        from .harm import HarmClassifier

        return HarmClassifier.load(self.build("harm_classifier") / "model")

    def training_log(self, name: str) -> list[dict]:
        return json.loads((self.build(name) / "log.json").read_text())

    def build_time(self, name: str) -> float:
        return json.loads((self.build(name) / "build.json").read_text())["build_s"]

    def evaluation(self, name: str, proxy: str | None = None, proxy_reward: bool = True) -> dict:
        """Metrics of a stage on the held-out sets (cached by stage key and eval config). `proxy_reward` is scored
        by the reward model the stage optimised, or by the reward-model stage `proxy` names (to compare two
        stages on one proxy's scale). `proxy_reward=False` leaves that metric out, and with it the reward model it
        would build: a variant whose `sft` differs would otherwise train its own reward model."""
        from .evals import evaluate
        from .evals.intervals import wilson
        from .world import make_world

        stage = check_stage(name)
        proxies = sorted({s.proxy for s in REGISTRY.values() if s.proxy})
        if proxy is not None and proxy not in proxies:
            raise StageError(f"proxy {proxy!r} is not a reward model the stages optimise; "
                             f"choose from {', '.join(proxies)}")
        if stage.style != "chat" or stage.evaluate is not None or not proxy_reward:
            proxy = None
        else:
            proxy = proxy or stage.proxy
        key = config_key({"stage": self.key(name), "eval": as_dict(self.config.eval), "world": as_dict(self.config.world),
                          "code": source_hash(*EVAL_SOURCES), "proxy": proxy and self.key(proxy)})
        cached = self.cache.read_json(f"eval-{name}", key)
        if cached is not None:
            return cached
        if stage.evaluate is not None:  # its metrics are shares of its items (a reward model's accuracy on pairs)
            result = stage.evaluate(self, name)
            result.setdefault("n_behaviours", {})
            result.setdefault("intervals", {k: wilson(v * result["n_items"][k], result["n_items"][k])
                                            for k, v in result["metrics"].items()})
        else:
            model, tokenizer = self.load(name)
            result = evaluate(model, tokenizer, make_world(self.config.world), stage.style,
                              max_new_tokens=self.config.eval.max_new_tokens, reward_fn=proxy and self.scorer(proxy),
                              split=self.config.eval.split)
        self.cache.write_json(f"eval-{name}", key, result)
        return result

    def report(self, names: list[str] | None = None) -> dict:
        """For the given or built stages: {"stages": {stage: metrics}, "intervals": {stage: {metric: [low, high]}}
        (95%), "n_items": {stage: {metric: items}}, "n_behaviours": {stage: {attack metric: behaviours}},
        "timings_s": {stage: build seconds}}."""
        names = names if names is not None else [s for s in available_stages() if self.is_built(s)]
        evals = {n: self.evaluation(n) for n in names}
        return {"stages": {n: e["metrics"] for n, e in evals.items()},
                "intervals": {n: {k: list(v) for k, v in e["intervals"].items()} for n, e in evals.items()},
                "n_items": {n: e["n_items"] for n, e in evals.items()},
                "n_behaviours": {n: e["n_behaviours"] for n, e in evals.items()},
                "timings_s": {n: round(self.build_time(n), 1) for n in names}}

    def run(self, names: list[str] | None = None) -> dict:
        """Build and evaluate the stages (all available by default); returns the report."""
        names = names or available_stages()
        for n in names:
            self.build(n)
        return self.report(names)
