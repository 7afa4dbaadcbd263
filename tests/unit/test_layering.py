"""The import graph keeps the layout honest.

shop/ is the domain (and its infrastructure); web/ is what several doors share; storefront/,
admin/ and api/ are the doors. A door never imports another door, web/ never imports a door,
shop/ imports neither web/ nor a door (except the app factory, which mounts them), and no module
reaches into another's private (underscore) names.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOORS = {"storefront", "admin", "api"}
PACKAGES = {"shop", "web", *DOORS}
# The composition root: create_app registers the doors' blueprints and the error handlers.
APP_FACTORY = "shop/__init__.py"


def python_files():
    for package in sorted(PACKAGES):
        yield from sorted((ROOT / package).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def imports(path: Path):
    """(imported module, imported names, line) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield module, [alias.name for alias in node.names], node.lineno


def module_attributes(path: Path, known: set[str]):
    """(module, attribute, line) for `module._name` where `module` was imported as a module of ours."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in known:
                    bound[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in known:
                    bound[alias.asname or alias.name] = full
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound:
            yield bound[node.value.id], node.attr, node.lineno


def layering_violations() -> list[str]:
    known = {module_name(path) for path in python_files()}
    problems = []
    for path in python_files():
        where = path.relative_to(ROOT).as_posix()
        own = where.split("/")[0]
        for module, names, line in imports(path):
            top = module.split(".")[0]
            if own in DOORS and top in DOORS and top != own:
                problems.append(f"{where}:{line}: door {own} imports door {module}")
            if own == "web" and top in DOORS:
                problems.append(f"{where}:{line}: web/ imports door {module}")
            if own == "shop" and top in {"web", *DOORS} and where != APP_FACTORY:
                problems.append(f"{where}:{line}: shop/ imports {module}")
            if top in PACKAGES:
                for name in names:
                    if is_private(name):
                        problems.append(f"{where}:{line}: imports private {name} from {module}")
                if is_private(module.split(".")[-1]) and module != module_name(path):
                    problems.append(f"{where}:{line}: imports private module {module}")
        for module, attribute, line in module_attributes(path, known):
            if is_private(attribute) and module != module_name(path):
                problems.append(f"{where}:{line}: uses private {module}.{attribute}")
    return problems


def test_doors_web_and_domain_import_only_downwards_and_nothing_private():
    assert layering_violations() == []


def test_the_check_sees_a_door_importing_another_and_a_private_name(tmp_path, monkeypatch):
    """The check itself can fail: a door importing a door and a private name are both reported."""
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "admin" / "views.py").write_text("from storefront.helpers import _secret\n")
    (tmp_path / "shop" / "things.py").write_text("from web import forms\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    problems = layering_violations()
    assert "admin/views.py:1: door admin imports door storefront.helpers" in problems
    assert "admin/views.py:1: imports private _secret from storefront.helpers" in problems
    assert "shop/things.py:1: shop/ imports web" in problems
