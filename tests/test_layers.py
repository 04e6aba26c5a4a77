"""The package's layers: library modules never import a stage module (shared recipes, such as DPO's, live below
both), and `config` imports nothing that imports it back."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "alignlab"
# the registry loads the stages on demand; nothing else below them may
MAY_IMPORT_STAGES = {"pipeline.py"}


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, as a dotted name inside the package (relative imports resolved)."""
    package = list(path.relative_to(PACKAGE.parent).parent.parts)
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found |= {module} | {f"{module}.{a.name}" for a in node.names}
    return found


def library_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "stages" not in p.relative_to(PACKAGE).parts]


def test_library_modules_do_not_import_stage_modules():
    offenders = {str(p.relative_to(PACKAGE)): sorted(m for m in imported_modules(p) if m.startswith("alignlab.stages"))
                 for p in library_modules() if str(p.relative_to(PACKAGE)) not in MAY_IMPORT_STAGES}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_config_imports_nothing_that_imports_it_back():
    config = PACKAGE / "config.py"
    below = {m.split(".")[1] for m in imported_modules(config) if m.startswith("alignlab.")}
    for name in below:
        path = PACKAGE / f"{name}.py"
        if path.is_file():
            assert "alignlab.config" not in imported_modules(path), name


def test_the_scanner_sees_relative_imports(tmp_path):
    assert "alignlab.stages.preference" in imported_modules(PACKAGE / "stages" / "sweeps.py")
    assert "alignlab.dpo.train_dpo" in imported_modules(PACKAGE / "stages" / "safety.py")
