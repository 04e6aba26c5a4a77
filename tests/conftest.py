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
