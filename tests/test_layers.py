"""The house's layers run one way (docs/architecture.md):

    sotay (CLI) -> search_api -> (members, index) -> ingest -> settings;  tts stands alone

A module may import its own package, the packages below it and `settings`; nothing imports
upward, and no package's modules import each other in a circle (not even from inside a function,
the usual way a cycle is hidden). Every import in the source is read, lazy ones included.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# What each layer may import besides itself.
ALLOWED = {
    "settings": set(),
    "ingest": {"settings"},
    "index": {"ingest", "settings"},
    "tts": {"settings"},
    # Members know organisations and accounts, never the index; the index never knows users.
    "members": {"ingest", "settings"},
    "search_api": {"members", "index", "ingest", "tts", "settings"},
    "sotay": {"search_api", "members", "index", "ingest", "tts", "settings"},
}
LAYERS = set(ALLOWED)


def modules(package: str) -> list[Path]:
    if package == "settings":
        return [REPO / "settings.py"]
    return sorted((REPO / package).rglob("*.py"))


def module_name(path: Path, root: Path = REPO) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, root: Path = REPO) -> set[str]:
    """Absolute names of every module `path` imports, wherever in the file the import stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path, root).split(".")
    package = name if path.name == "__init__.py" else name[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.add(target)
            # `from . import fusion` imports the module `fusion`, not a name of the package.
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_no_import_runs_against_the_layers(package):
    wrong = []
    for path in modules(package):
        for name in imports(path):
            top = name.split(".")[0]
            if top in LAYERS and top != package and top not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(REPO)} imports {name}")
    assert not wrong, f"{package} may import only {sorted(ALLOWED[package]) or 'nothing of ours'}:\n" + "\n".join(wrong)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


@pytest.mark.parametrize("package", sorted(LAYERS - {"settings"}))
def test_no_import_cycle_inside_a_package(package):
    names = {module_name(path): path for path in modules(package)}
    graph = {}
    for name, path in names.items():
        if name == package:
            continue  # the package face imports its modules; they may use each other
        graph[name] = {target for target in imports(path) if target in names and target not in (name, package)}
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_checker_sees_an_upward_and_a_lazy_import(tmp_path):
    # The walk must catch imports hidden in functions, or the two tests above prove nothing.
    source = tmp_path / "index" / "probe.py"
    source.parent.mkdir()
    source.write_text("def f():\n    from sotay.cli import main\n    from . import keyword\n", encoding="utf-8")
    found = imports(source, root=tmp_path)
    assert {"sotay.cli", "index.keyword"} <= found
    assert _cycle({"a": {"b"}, "b": {"a"}}) is not None
    assert _cycle({"a": {"b"}, "b": set()}) is None
