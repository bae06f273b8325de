"""The house keeps its map: no import cycle, no upward import, no hidden function-level import, every module on
docs/architecture.md and every module there real, modules of a readable size."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "derive"
GROUND = {"errors", "settings", "files", "names", "functions", "ops", "numbers", "parse", "evaluate", "latex",
          "compare", "derivation", "render", "texmetrics", "texwidth", "packages", "progress", "usertext"}
MAX_LINES = 450   # "about 400": a module past this is split


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported derive module, line, inside a function) for every import outside ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in
                   ast.unparse(node.test) for n in ast.walk(node)}
    here = _name(path)
    out = []
    for node in ast.walk(tree):
        if id(node) in typing_only or not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        nested = node.col_offset > 0
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno, nested) for a in node.names if a.name in MODULES]
            continue
        if node.level:
            base = here.split(".") if path.name == "__init__.py" else here.split(".")[:-1]
            target = ".".join(base[:len(base) - node.level + 1] + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
        targets = subs + ([target] if len(subs) < len(node.names) and target in MODULES else [])
        out += [(t, node.lineno, nested) for t in targets if t != here]
    return out


GRAPH = {m: _imports(p) for m, p in MODULES.items()}


def test_no_import_cycle():
    state: dict[str, int] = {}   # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t, line, _ in GRAPH[m]:
            if state.get(t) == 1:
                cycle = stack[stack.index(t):] + [t]
                pytest.fail(f"import cycle: {' -> '.join(cycle)} ({m} line {line})")
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)


def test_ground_floor_imports_only_ground_floor():
    upward = [f"{m} line {line} imports {t}" for m, imps in GRAPH.items() if m.split(".")[1:2] and
              m.split(".")[1] in GROUND for t, line, _ in imps if t != "derive" and t.split(".")[1] not in GROUND]
    assert upward == []


@pytest.mark.parametrize("package,may_import", [
    ("autodiff", set()), ("optim", set()), ("cnn", set()), ("matrix", set()),
    ("problems", {"autodiff", "optim", "cnn", "matrix"}), ("check", {"autodiff", "optim", "cnn", "problems"}),
    ("grade", {"check", "problems"}),
])
def test_packages_import_only_what_they_build_on(package, may_import):
    bad = [f"{m} line {line} imports {t}" for m, imps in GRAPH.items() if m.startswith(f"derive.{package}")
           for t, line, _ in imps if t.split(".")[1:2] and t.split(".")[1] not in GROUND | may_import | {package}]
    assert bad == []


def test_function_level_imports_say_why():
    hidden = []
    for m, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").split("\n")
        tree = ast.parse("\n".join(lines))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and node.col_offset > 0:
                before = lines[max(0, node.lineno - 3):node.lineno]   # a comment just above or on the line
                switch = re.match(r"\s*(if |else:|try:)", lines[node.lineno - 2])   # a version or platform switch
                if switch or any("# " in line for line in before):
                    continue
                hidden.append(f"{m} line {node.lineno}: {lines[node.lineno - 1].strip()}")
    assert hidden == []


def test_every_module_is_on_the_map_and_the_map_is_real():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    tree = page[page.index("```"):page.index("```", page.index("```") + 3)]
    missing = []
    for m in MODULES:
        leaf = m.split(".")[-1]
        if leaf in ("derive", "__main__"):
            continue
        if not re.search(rf"\b{re.escape(leaf)}\b", tree):
            missing.append(m)
    assert missing == [], "modules not on docs/architecture.md"
    for top in re.findall(r"^  ([a-z_]+)(?:\.py|/)", tree, re.M):
        assert (PACKAGE / f"{top}.py").exists() or (PACKAGE / top).is_dir(), f"{top} is on the map but not in derive/"


def test_modules_stay_readable():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").split("\n"))) > MAX_LINES}
    assert long == {}
