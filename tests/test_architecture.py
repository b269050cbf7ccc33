"""The dependency rules import-linter cannot see (architecture.md, Inside an
app): no private name (`_x`) is imported from another module, and no module
of ours is imported inside a function to dodge a cycle. Only an AppConfig's
ready() imports inside a function: that is Django's place for wiring."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = [
    "smartcoop",
    "members",
    "rules",
    "shares",
    "invoicing",
    "workspaces",
    "documents",
    "einvoicing",
    "pay",
    "governance",
    "compliance",
    "dashboard",
    "backoffice",
]


def _modules() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def _ours(module: str | None) -> bool:
    return module is not None and module.split(".")[0] in PACKAGES


def _imports(tree: ast.AST) -> list[tuple[ast.ImportFrom | ast.Import, list[ast.AST]]]:
    """Every import statement with the chain of nodes that holds it."""
    found = []

    def walk(node: ast.AST, parents: list[ast.AST]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.append((child, parents))
            walk(child, [*parents, child])

    walk(tree, [])
    return found


def test_the_rules_are_checked_on_every_module():
    assert len(_modules()) > 150


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_name_crosses_a_module_and_no_import_dodges_a_cycle(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    problems = []
    for statement, parents in _imports(tree):
        modules = (
            [statement.module]
            if isinstance(statement, ast.ImportFrom)
            else [alias.name for alias in statement.names]
        )
        if not any(_ours(module) for module in modules):
            continue
        if isinstance(statement, ast.ImportFrom):
            private = [
                alias.name
                for alias in statement.names
                if alias.name.startswith("_") and not alias.name.startswith("__")
            ]
            if private:
                problems.append(f"line {statement.lineno}: imports private {private}")
        functions = [p for p in parents if isinstance(p, ast.FunctionDef | ast.AsyncFunctionDef)]
        if functions and not (path.name == "apps.py" and functions[0].name == "ready"):
            problems.append(
                f"line {statement.lineno}: imports {modules} inside {functions[-1].name}()"
            )
    assert not problems, problems


def _test_modules() -> list[Path]:
    return sorted((ROOT / "tests").rglob("*.py"))


def test_no_test_module_imports_a_private_name_of_another():
    """Helpers that several test modules need live in a public module
    (tests/helpers.py, tests/<app>/support.py), not in a test module."""
    problems = []
    for path in _test_modules():
        for statement, _parents in _imports(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(statement, ast.ImportFrom) or statement.module is None:
                continue
            if statement.module.split(".")[0] != "tests":
                continue
            private = [
                alias.name
                for alias in statement.names
                if alias.name.startswith("_") and not alias.name.startswith("__")
            ]
            if private:
                where = path.relative_to(ROOT)
                problems.append(f"{where}:{statement.lineno} imports {private}")
    assert len(_test_modules()) > 50
    assert not problems, problems
