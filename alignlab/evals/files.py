"""Reading the real benchmarks' official files, with errors that name the file and the line, and fetching them
from their official repositories when (and only when) the learner asks."""
from __future__ import annotations

import csv
import json
import shutil
import urllib.request
from pathlib import Path

from ..cache import default_root


class BenchmarkFileError(ValueError):
    """A benchmark file that is missing or not in its official format."""


def where(path, line: int | None) -> str:
    return f"{path}, line {line}" if line else str(path)


def _existing(path) -> Path:
    path = Path(path)
    if not path.exists():
        raise BenchmarkFileError(f"{path}: no such file")
    return path


def read_jsonl(path) -> list[tuple[int, dict]]:
    """(line number, object) for each non-blank line of a JSON Lines file."""
    rows = []
    with _existing(path).open(encoding="utf-8-sig") as f:
        for n, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as e:
                raise BenchmarkFileError(f"{where(path, n)}: not valid JSON ({e.msg})") from None
            if not isinstance(row, dict):
                raise BenchmarkFileError(f"{where(path, n)}: expected a JSON object, got {type(row).__name__}")
            rows.append((n, row))
    if not rows:
        raise BenchmarkFileError(f"{path}: the file holds no rows")
    return rows


def read_json_array(path) -> list[tuple[int, object]]:
    """(line number where it starts, element) for each element of a file holding one JSON array."""
    text = _existing(path).read_text(encoding="utf-8-sig")
    decoder = json.JSONDecoder()
    line_of = lambda pos: text.count("\n", 0, pos) + 1
    pos = len(text) - len(text.lstrip())
    if not text[pos:pos + 1] == "[":
        raise BenchmarkFileError(f"{where(path, line_of(pos))}: expected a JSON array ('[')")
    pos += 1
    items = []
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text):
            raise BenchmarkFileError(f"{where(path, line_of(pos))}: the JSON array is not closed (']')")
        if text[pos] == "]":
            break
        try:
            item, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            raise BenchmarkFileError(f"{where(path, e.lineno)}: not valid JSON ({e.msg})") from None
        items.append((line_of(pos), item))
        pos = end
    if not items:
        raise BenchmarkFileError(f"{path}: the array holds no entries")
    return items


def read_csv(path, required: list[str]) -> list[tuple[int, dict]]:
    """(line number, row) for each row of a CSV file with a header; every `required` column must be there."""
    with _existing(path).open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        missing = [c for c in required if c not in header]
        if missing:
            raise BenchmarkFileError(f"{where(path, 1)}: missing column(s) {', '.join(missing)}; "
                                     f"the header has {', '.join(header) or 'nothing'}")
        rows = []
        for row in reader:
            if None in row:
                raise BenchmarkFileError(f"{where(path, reader.line_num)}: more fields than the header's "
                                         f"{len(header)}")
            rows.append((reader.line_num, row))
    if not rows:
        raise BenchmarkFileError(f"{path}: the file holds no rows")
    return rows


def download(url: str, name: str, folder=None) -> Path:
    """Fetch `url` once into the benchmark folder (default: `benchmarks/` in the alignlab cache) and return the
    local path. Only the `--download` option of `alignlab benchmark` calls this: nothing else goes online."""
    folder = Path(folder) if folder else default_root() / "benchmarks"
    target = folder / name
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    with urllib.request.urlopen(url, timeout=60) as response, partial.open("wb") as out:
        shutil.copyfileobj(response, out)
    partial.replace(target)  # a download cut short never looks like a complete file
    return target
