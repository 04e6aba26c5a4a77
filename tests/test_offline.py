"""Offline proof: stage builds and evaluation run with every outgoing connection refused, and without the
HF_HUB_OFFLINE setting that `make` exports (so nothing depends on it to stay off the network)."""
import os
import subprocess
import sys
import textwrap

import pytest

# Loaded by the child Python before anything else: refuse every connection and name resolution, and log them.
BLOCKER = textwrap.dedent('''
    import os, socket

    def _refuse(*args, **kwargs):
        with open(os.environ["NETWORK_ATTEMPTS"], "a") as log:
            log.write(repr(args[1:] if args and isinstance(args[0], socket.socket) else args)[:200] + "\\n")
        raise OSError("network disabled by the offline test")

    socket.socket.connect = _refuse
    socket.socket.connect_ex = _refuse
    socket.create_connection = _refuse
    socket.getaddrinfo = _refuse
    open(os.environ["NETWORK_ATTEMPTS"] + ".armed", "w").close()  # proof that this process ran with the blocker
''')


def offline_run(tmp_path, *args):
    (tmp_path / "blocker").mkdir(exist_ok=True)
    (tmp_path / "blocker" / "sitecustomize.py").write_text(BLOCKER)
    attempts = tmp_path / "attempts.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_OFFLINE"))}
    env.update(PYTHONPATH=str(tmp_path / "blocker"), NETWORK_ATTEMPTS=str(attempts), HOME=str(tmp_path / "home"))
    done = subprocess.run([sys.executable, "-m", "alignlab.cli", "--profile", "smoke", "--cache", str(tmp_path / "cache"),
                           *args], capture_output=True, text=True, env=env, timeout=900)
    return done, attempts.read_text().splitlines() if attempts.exists() else []


def test_the_blocker_blocks(tmp_path):
    (tmp_path / "blocker").mkdir()
    (tmp_path / "blocker" / "sitecustomize.py").write_text(BLOCKER)
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "blocker"), NETWORK_ATTEMPTS=str(tmp_path / "log"))
    code = "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9', timeout=2)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode != 0 and "network disabled by the offline test" in done.stderr
    assert (tmp_path / "log").read_text().strip()


@pytest.mark.slow
def test_stage_builds_and_evaluation_make_no_connection(tmp_path):
    done, attempts = offline_run(tmp_path, "run", "--stages", "base,sft,reward_model,dpo")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "\ndpo " in done.stdout
    assert (tmp_path / "attempts.log.armed").exists() and attempts == []
    done, attempts = offline_run(tmp_path, "generate", "--stage", "dpo", "How to pick a lock?")
    assert done.returncode == 0 and done.stdout.strip() and attempts == []
    from test_benchmarks import SAMPLES
    if SAMPLES.exists():  # the real-benchmark harness reads a local official file and stays offline too
        done, attempts = offline_run(tmp_path, "benchmark", "bbq", "--data", str(SAMPLES / "bbq" / "bbq_sample60.jsonl"),
                                     "--stage", "dpo")
        assert done.returncode == 0 and "bias_ambig" in done.stdout and attempts == [], done.stderr[-2000:]
