"""Colab: every notebook's first code cell installs this release of the course from its wheel (`make wheel`) when
the package is missing, or says in one sentence what to do, and turns on Colab's widget manager there (run here
with Colab simulated); the notebooks need nothing from the repository: the tour runs from the wheel, outside it."""
import importlib.metadata
import importlib.util
import json
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

import alignlab

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted([*ROOT.glob("course/*.ipynb"), *ROOT.glob("source/*/*.ipynb"), *ROOT.glob("release/*/*.ipynb")])
WHEEL = f"alignlab-{alignlab.__version__}-py3-none-any.whl"
PIP_INSTALL = [sys.executable, "-m", "pip", "install", "-q", WHEEL]
FIND_SPEC = importlib.util.find_spec
WIDGET_MANAGER = "google.colab.output.enable_custom_widget_manager()"


def code_cells(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def run_first_cell(path: Path, monkeypatch, *, colab: bool, installed: bool) -> list:
    """Runs the notebook's first code cell and returns what it did: the commands it ran and Colab calls it made."""
    done = []
    if colab:
        output = types.ModuleType("google.colab.output")
        output.enable_custom_widget_manager = lambda: done.append(WIDGET_MANAGER)
        colab_module = types.ModuleType("google.colab")
        colab_module.output = output
        google = types.ModuleType("google")
        google.colab = colab_module
        for name, module in [("google", google), ("google.colab", colab_module), ("google.colab.output", output)]:
            monkeypatch.setitem(sys.modules, name, module)
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "alignlab" and not installed else FIND_SPEC(name, *a))
    monkeypatch.setattr(subprocess, "check_call", lambda command, **kw: done.append(command))
    exec(compile(code_cells(path)[0], str(path), "exec"), {})  # noqa: S102 (the notebook's own cell)
    return done


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_first_cell_installs_the_wheel_and_the_widget_manager_on_colab(path, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # Colab runs a notebook in /content, where the learner uploads the wheel
    with pytest.raises(SystemExit, match=r"run `make wheel` .* upload dist/" + re.escape(WHEEL)):
        run_first_cell(path, monkeypatch, colab=True, installed=False)  # no wheel yet: one sentence, no traceback
    (tmp_path / WHEEL).write_bytes(b"")
    assert run_first_cell(path, monkeypatch, colab=True, installed=False) == [PIP_INSTALL, WIDGET_MANAGER]
    assert run_first_cell(path, monkeypatch, colab=True, installed=True) == [WIDGET_MANAGER]  # run again
    assert run_first_cell(path, monkeypatch, colab=False, installed=True) == []  # a course checkout: nothing to do


def test_the_pinned_release_is_this_package():
    assert importlib.metadata.version("alignlab") == alignlab.__version__
    assert len(NOTEBOOKS) >= 8


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_notebook_reads_a_path_inside_the_repository(path):
    relative = re.compile(r"""["'](\.{1,2}/|(course|source|release|autograder|tests|tools|alignlab)/)|__file__""")
    assert not [cell for cell in code_cells(path) if relative.search(cell)]


def build_wheel(folder: Path) -> Path:
    """The course's wheel, built by `make wheel`'s own command into `folder`."""
    recipe = re.search(r"^wheel:.*\n\t\$\(BIN\)/python (.*) -w dist \.$", (ROOT / "Makefile").read_text(), re.M)
    subprocess.run([sys.executable, *recipe[1].split(), "-w", str(folder), str(ROOT)], check=True, capture_output=True)
    return next(folder.glob("alignlab-*.whl"))


@pytest.mark.slow
def test_the_first_cell_installs_the_wheel_into_a_fresh_environment(tmp_path):
    """A new virtual environment that has the course's dependencies but not the course: the notebook's first cell,
    run by that environment's Python beside the wheel, installs the package with the environment's own pip."""
    import sysconfig

    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "env")], check=True, capture_output=True)
    deps = tmp_path / "deps"  # this environment's packages without the course and the packaging tools
    deps.mkdir()
    skip = re.compile(r"alignlab|__editable__|_distutils_hack|distutils-precedence|pip\b|pip-|setuptools|pkg_resources")
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not skip.match(entry.name):
            (deps / entry.name).symlink_to(entry)
    python = tmp_path / "env" / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    (Path(site) / "course_deps.pth").write_text(f"{deps}\n")
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # nothing but the environment's own paths
    where = [str(python), "-c", "import alignlab; print(alignlab.__file__)"]
    assert subprocess.run(where, cwd=tmp_path, capture_output=True, text=True, env=clean).returncode  # not there yet
    work = tmp_path / "work"
    build_wheel(work)
    first = code_cells(ROOT / "course" / "00_pipeline_tour.ipynb")[0]
    for _ in range(2):  # the second run finds it installed and does nothing
        subprocess.run([str(python), "-c", first], cwd=work, env=clean, check=True, capture_output=True, timeout=600)
    installed = subprocess.run(where, cwd=tmp_path, check=True, capture_output=True, text=True, env=clean).stdout.strip()
    assert Path(installed).is_relative_to(site)


@pytest.mark.slow
def test_the_tour_runs_from_the_wheel_outside_the_repository(course_pipeline, tmp_path, monkeypatch):
    """As on Colab: the package installed from its wheel (no repository on the path), the notebook elsewhere."""
    from nbclient import NotebookClient

    course_pipeline.build("sft")
    wheel = build_wheel(tmp_path / "wheel")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(tmp_path / "site"),
                    str(wheel)], check=True, capture_output=True)
    book = nbformat.read(ROOT / "course" / "00_pipeline_tour.ipynb", as_version=4)
    book.cells.append(nbformat.v4.new_code_cell("print(alignlab.__file__)"))
    (tmp_path / "work").mkdir()
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))  # the kernel inherits this process's environment
    monkeypatch.setenv("ALIGNLAB_CACHE", str(course_pipeline.cache.root))
    NotebookClient(book, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path / "work")}}).execute()
    printed = book.cells[-1].outputs[0]["text"].strip()
    assert Path(printed).is_relative_to(tmp_path / "site")
