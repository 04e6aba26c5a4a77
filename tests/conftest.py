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
