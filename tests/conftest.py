import os

import pytest

from alignlab.cache import Cache
from alignlab.config import load_config
from alignlab.pipeline import Pipeline


@pytest.fixture(scope="session")
def course_pipeline():
    """The default course configuration on the shared cache ($ALIGNLAB_CACHE; `make test` sets it), so that
    stage builds are reused across tests, notebooks and repeated runs."""
    return Pipeline(load_config("default"), Cache(os.environ.get("ALIGNLAB_CACHE")))


@pytest.fixture(scope="session")
def measured(course_pipeline):
    """measured(stage, metric) -> (value, 95% interval) on the default course's evaluation sets.

    The stage tests ask what the test items can show (DESIGN.md section 8: a difference inside the intervals is not
    a change): a line is met unless the whole interval lies on its wrong side, and a stage keeps what sft could do
    unless the interval of the difference (`difference_interval`) lies wholly beyond the allowed loss. The outcome
    table itself, point medians over seeds against each line, is RESULTS.md's."""
    def get(stage: str, metric: str) -> tuple[float, tuple[float, float]]:
        e = course_pipeline.evaluation(stage)
        return e["metrics"][metric], tuple(e["intervals"][metric])
    return get


@pytest.fixture()
def smoke_pipeline(tmp_path):
    return Pipeline(load_config("smoke"), Cache(tmp_path / "cache"))


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory):
    """(model folder, tokenizer): an untrained two-layer model with the smoke world's tokenizer, for maths tests."""
    from alignlab.grading.references import tiny_causal_lm, tiny_tokenizer

    folder = tmp_path_factory.mktemp("tiny_lm")
    tiny_causal_lm().save_pretrained(folder)
    tiny_tokenizer().save_pretrained(folder)
    return folder, tiny_tokenizer()
