"""A learner's view, in a real browser: JupyterLab on 127.0.0.1, the pipeline tour opened and run in headless
Chromium (Debian's, driven by Playwright; Playwright never downloads a browser here), and checks of what is shown:
the stage comparer and its answers, a plotly chart, the nbgrader menu. Screenshots go to $ALIGNLAB_SCREENSHOTS
(default .cache/screenshots)."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("ALIGNLAB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(os.environ.get("ALIGNLAB_SCREENSHOTS", ROOT / ".cache" / "screenshots"))
# Flags for a root, display-less machine with no network: no sandbox, no GPU, no background calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
NOTEBOOK = "00_pipeline_tour.ipynb"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, server: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer at {url} within {seconds:.0f} s")


@pytest.fixture()
def lab(course_pipeline, tmp_path):
    """JupyterLab serving a copy of the tour, on a cache that holds `base` and `sft` only (so the comparer has two
    stages to compare, whatever other tests of the suite's two workers have built meanwhile); stopped at the end,
    pass or fail. Yields the notebook's URL."""
    course_pipeline.build("sft")
    cache = tmp_path / "cache"  # links to the tests' entries of the tokenizer, base and sft, and to their evaluations
    cache.mkdir()
    for entry in course_pipeline.cache.root.iterdir():
        if entry.name == "results" or entry.name.split("-")[0] in {"tokenizer", "base", "sft"}:
            (cache / entry.name).symlink_to(entry, target_is_directory=True)
    if not Path(CHROMIUM).exists():
        pytest.fail("the browser test needs Chromium: `apt-get install chromium` (as .ci/run does) or set "
                    "ALIGNLAB_CHROMIUM to a Chromium binary")
    (tmp_path / "served").mkdir()
    shutil.copy(ROOT / "course" / NOTEBOOK, tmp_path / "served" / NOTEBOOK)
    settings = tmp_path / "lab" / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')  # no news pop-up
    port = _free_port()
    lab_dir = tmp_path / "lab"  # the server's runtime files, workspaces and settings, apart from the user's
    env = dict(os.environ, ALIGNLAB_CACHE=str(cache), JUPYTER_RUNTIME_DIR=str(lab_dir),
               JUPYTERLAB_WORKSPACES_DIR=str(lab_dir), JUPYTERLAB_SETTINGS_DIR=str(lab_dir / "settings"), HF_HUB_OFFLINE="1")
    with open(tmp_path / "lab.log", "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--allow-root",
             "--IdentityProvider.token=", "--ServerApp.password=", "--LabApp.expose_app_in_browser=True",
             f"--ServerApp.root_dir={tmp_path / 'served'}"],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_for(f"http://127.0.0.1:{port}/api/status", server)
            yield f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK}"
        finally:
            os.killpg(server.pid, signal.SIGTERM)  # the server and the kernels it started
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


def _answers(page) -> list[tuple[str, str]]:
    """(stage, answer) rows of the comparer's table as the browser shows them."""
    rows = page.locator("table.alignlab-compare tr").all()[1:]
    return [(r.locator("td").nth(0).inner_text(), r.locator("td").nth(1).inner_text()) for r in rows]


def test_a_learner_runs_the_tour_in_jupyterlab(lab):
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(lab)
            page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=120_000)
            expect(page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader")).to_be_visible()
            page.wait_for_function("window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel",
                                   timeout=120_000)
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")

            table = page.locator("table.alignlab-compare")
            expect(table).to_be_visible(timeout=300_000)
            before = _answers(page)
            assert [stage for stage, _ in before] == ["base", "sft"]
            assert all(answer.strip() for _, answer in before)
            table.scroll_into_view_if_needed()
            page.screenshot(path=SCREENSHOTS / "stage_comparer.png")

            # Fewer stages: the table follows the selection.
            page.locator(".widget-select-multiple select").select_option(["sft"])
            expect(page.locator("table.alignlab-compare tr")).to_have_count(2, timeout=60_000)
            assert [stage for stage, _ in _answers(page)] == ["sft"]

            # A new prompt: the answers change with it.
            prompt = "Where would I find the town of Fomere?"
            page.locator(".widget-textarea textarea").fill(prompt)
            page.get_by_role("button", name="Answer").click()
            expect(page.locator("p", has_text="Prompt:")).to_contain_text(prompt, timeout=60_000)
            assert _answers(page)[0][1] != before[1][1]
            page.screenshot(path=SCREENSHOTS / "stage_comparer_new_prompt.png")

            chart = page.locator(".js-plotly-plot").first
            expect(chart).to_be_visible(timeout=120_000)
            assert chart.locator(".heatmaplayer image, .barlayer .point").count() > 0  # cells drawn, not an empty frame
            chart.scroll_into_view_if_needed()
            chart.screenshot(path=SCREENSHOTS / "plotly_chart.png")
            page.screenshot(path=SCREENSHOTS / "notebook.png", full_page=True)
        finally:
            browser.close()


def test_report_html_opens_offline_and_shows_every_plot(tmp_path):
    """`report.html` from a smoke pipeline, opened from disk: every plot drawn, and no request leaves the file."""
    from playwright.sync_api import sync_playwright

    from alignlab.cache import Cache
    from alignlab.config import load_config
    from alignlab.pipeline import Pipeline
    from alignlab.report_html import figures, write_html

    if not Path(CHROMIUM).exists():
        pytest.fail("the browser test needs Chromium: `apt-get install chromium` or set ALIGNLAB_CHROMIUM")
    pipe = Pipeline(load_config("smoke"), Cache(tmp_path / "cache"))
    report = pipe.run(["base", "sft", "ppo_hacked"])
    path = write_html(pipe, report, tmp_path / "report.html")
    titles = list(figures(pipe, report))
    assert titles == ["Held-out metrics by stage", "The alignment tax", "Reward over-optimisation (ppo_hacked)",
                      "Attack success by stage and attack family"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            outside = []
            page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "blob:")) else outside.append(r.url))
            page.goto(path.as_uri())
            page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {len(titles)}",
                                   timeout=60_000)
            shown = page.locator(".js-plotly-plot")
            assert shown.count() == len(titles)
            for i, title in enumerate(titles):
                plot = shown.nth(i)
                assert title in plot.locator(".gtitle").text_content()
                assert plot.locator(".barlayer .point, .scatterlayer .point, .heatmaplayer image").count() > 0
            assert page.locator("table.card tr").count() == 1 + len(report["stages"])
            page.screenshot(path=SCREENSHOTS / "report_html.png", full_page=True)
            assert outside == []
        finally:
            browser.close()
