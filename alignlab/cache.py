"""The checkpoint cache: one folder per (stage, key), where the key hashes the stage's config and upstream keys.

* Writes are atomic: an entry is built in a temporary folder and renamed into place when complete.
* Two processes that build the same entry take turns on a file lock; the second finds the first's entry.
* Every entry carries a manifest of its files' sizes and SHA-256 sums. An entry that fails the check (a
  truncated or missing file, no manifest) is reported and rebuilt, never trusted.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from .timing import recording

log = logging.getLogger("alignlab")
MANIFEST = "manifest.json"


def default_root() -> Path:
    return Path(os.environ.get("ALIGNLAB_CACHE") or Path.home() / ".cache" / "alignlab")


def config_key(payload) -> str:
    """A short stable hash of any JSON-serialisable payload."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(folder: Path) -> None:
    files = {str(p.relative_to(folder)): {"size": p.stat().st_size, "sha256": _sha256(p)}
             for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}
    (folder / MANIFEST).write_text(json.dumps(files, indent=1))


def check_entry(folder: Path) -> str | None:
    """None when the entry is complete and intact, else what is wrong with it."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return "no manifest (the build did not finish)"
    try:
        files = json.loads(manifest.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "unreadable manifest"
    for name, meta in files.items():
        p = folder / name
        if not p.is_file():
            return f"missing file {name}"
        if p.stat().st_size != meta["size"]:
            return f"file {name} has {p.stat().st_size} bytes, expected {meta['size']} (truncated?)"
        if _sha256(p) != meta["sha256"]:
            return f"file {name} does not match its checksum"
    return None


class Cache:
    """Stage artefacts under `root` (default: $ALIGNLAB_CACHE or ~/.cache/alignlab)."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root else default_root()

    def entry(self, stage: str, key: str) -> Path:
        return self.root / f"{stage}-{key}"

    def lookup(self, stage: str, key: str) -> Path | None:
        """The entry's folder if it is complete and intact, else None."""
        path = self.entry(stage, key)
        return path if path.exists() and check_entry(path) is None else None

    @contextmanager
    def locked(self, stage: str, key: str):
        """Hold the entry's file lock: no other process builds it meanwhile."""
        locks = self.root / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        with open(locks / f"{stage}-{key}.lock", "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def get_or_build(self, stage: str, key: str, build) -> Path:
        """Return the entry, calling `build(tmp_folder)` to make it when it is absent or corrupt."""
        path = self.entry(stage, key)
        if path.exists() and check_entry(path) is None:
            return path
        with self.locked(stage, key):
            return self.get_or_build_locked(stage, key, build)

    def get_or_build_locked(self, stage: str, key: str, build) -> Path:
        """`get_or_build` for a caller that holds the entry's lock."""
        path = self.entry(stage, key)
        if path.exists():
            problem = check_entry(path)
            if problem is None:
                return path  # another process built it while we waited
            log.warning("cache entry %s is corrupt (%s); rebuilding it", path, problem)
            shutil.rmtree(path)
        tmp = self.root / f".tmp-{stage}-{key}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)
        try:
            start = time.time()
            with recording() as phases:
                build(tmp)
            (tmp / "build.json").write_text(json.dumps({"stage": stage, "key": key, "build_s": round(time.time() - start, 2),
                                                        "phases_s": phases, "pid": os.getpid()}))
            write_manifest(tmp)
            os.rename(tmp, path)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return path

    def read_json(self, name: str, key: str) -> dict | None:
        """A cached JSON result (evaluations), or None when absent or unreadable."""
        path = self.root / "results" / f"{name}-{key}.json"
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, UnicodeDecodeError):
            log.warning("cached result %s is corrupt; recomputing it", path)
            return None

    def write_json(self, name: str, key: str, data: dict) -> None:
        folder = self.root / "results"
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}-{key}.{uuid.uuid4().hex[:8]}.tmp"
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, folder / f"{name}-{key}.json")
