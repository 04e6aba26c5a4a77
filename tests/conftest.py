import os

import pytest

from alignlab.cache import Cache
from alignlab.config import load_config
from alignlab.pipeline import Pipeline


# `make test` runs two pytest-xdist workers, which take the tests in this file's order. The slowest go first, so that
# neither worker is left with one long test at the end while the other idles; the unit tests come right after the
# graded samples (one worker's long job), so the other worker has work while the shared stages are built.
# Their rough seconds in a one-thread worker, from `--durations` (RESULTS.md, issue 31); only the order they give
# matters. Notebook 09's include building the stages it evaluates. A test not named here goes after these.
SLOWEST = {"test_notebook_runs[09_evaluate_and_iterate]": 1000, "test_notebook_runs[04_rlhf_ppo]": 700,
           "test_base_large_is_about_four_times_base": 410, "test_notebook_runs[08_red_teaming_and_safety]": 250,
           "test_notebook_runs[07_grpo_reasoning]": 190, "test_notebook_runs[06_constitutional_ai]": 115,
           "test_notebook_runs[05_dpo]": 105,
           "test_validate_passes_the_solution_and_fails_the_release[c3_red_team_and_defend]": 75,
           "test_cai_is_harmless_from_ai_labels_that_agree_with_gold": 70,
           "test_only_a_hub_name_reaches_for_the_network": 52, "test_notebook_runs[03_reward_model]": 50}
# the tests of test_challenges.py that share its `graded_samples` fixture (every sample graded by nbgrader: minutes)
GRADED_SAMPLES = {"test_samples_are_graded_as_they_deserve",
                  "test_a_deleted_test_cell_is_restored_and_an_endless_loop_is_interrupted",
                  "test_instructor_workflow_and_grading_twice"}


def _function(nodeid: str) -> str:
    return nodeid.split("::")[-1].split("[")[0]


def pytest_collection_modifyitems(config, items):
    def order(item):
        if _function(item.nodeid) in GRADED_SAMPLES:
            return (0, 0)
        if not item.get_closest_marker("slow"):
            return (1, 0)
        return (2, -SLOWEST.get(item.name, 0))
    items.sort(key=order)  # stable: the rest keep their files' order


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Each test is a unit of work for whichever worker is free, but the graded samples' tests go to one worker
    together, so that their fixture runs once. (xdist's own `xdist_group` mark did not group them here: pytest 9.2
    with pytest-xdist 3.8.0 ran such a group's module fixture in both workers.)"""
    from xdist.scheduler import LoadScopeScheduling

    class GradedSamplesTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "graded_samples" if _function(nodeid) in GRADED_SAMPLES else nodeid

    return GradedSamplesTogether(config, log)


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
