"""The checkpoint cache: atomic entries, corrupt entries rebuilt, concurrent builders take turns."""
import json
import multiprocessing as mp
import time

from alignlab.cache import Cache, check_entry, config_key


def write_payload(out, text="hello" * 1000):
    (out / "model").mkdir()
    (out / "model" / "weights.bin").write_text(text)


def test_key_is_stable_and_sensitive():
    assert config_key({"a": 1, "b": [1, 2]}) == config_key({"b": [1, 2], "a": 1})
    assert config_key({"a": 1}) != config_key({"a": 2})


def test_build_once_then_reuse(tmp_path):
    cache, calls = Cache(tmp_path), []
    build = lambda out: (calls.append(1), write_payload(out))
    p1 = cache.get_or_build("base", "k1", build)
    p2 = cache.get_or_build("base", "k1", build)
    assert p1 == p2 and len(calls) == 1 and check_entry(p1) is None
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


def test_truncated_file_is_detected_and_rebuilt(tmp_path, caplog):
    cache = Cache(tmp_path)
    path = cache.get_or_build("base", "k", write_payload)
    weights = path / "model" / "weights.bin"
    weights.write_text(weights.read_text()[:100])  # truncate
    assert "truncated" in check_entry(path)
    assert cache.lookup("base", "k") is None
    with caplog.at_level("WARNING", logger="alignlab"):
        cache.get_or_build("base", "k", write_payload)
    assert "corrupt" in caplog.text and check_entry(path) is None
    assert len(weights.read_text()) == 5000


def test_failed_build_leaves_nothing(tmp_path):
    cache = Cache(tmp_path)

    def broken(out):
        write_payload(out)
        raise RuntimeError("killed mid-build")

    try:
        cache.get_or_build("base", "k", broken)
    except RuntimeError:
        pass
    assert cache.lookup("base", "k") is None
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".tmp", "base-"))]


def _slow_builder(root, log):
    def build(out):
        with open(log, "a") as f:
            f.write("built\n")
        time.sleep(1.0)
        write_payload(out)
    return Cache(root).get_or_build("base", "shared", build)


def test_two_processes_building_the_same_stage(tmp_path):
    log = tmp_path / "builds.log"
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:
        paths = pool.starmap(_slow_builder, [(tmp_path / "cache", log), (tmp_path / "cache", log)])
    assert paths[0] == paths[1]
    assert log.read_text().count("built") == 1
    assert check_entry(paths[0]) is None


def test_corrupt_result_json_is_recomputed(tmp_path):
    cache = Cache(tmp_path)
    cache.write_json("eval-base", "k", {"metrics": {"x": 1}})
    assert cache.read_json("eval-base", "k") == {"metrics": {"x": 1}}
    (tmp_path / "results" / "eval-base-k.json").write_text('{"metrics": ')
    assert cache.read_json("eval-base", "k") is None
    assert json.loads('{"ok": 1}')
