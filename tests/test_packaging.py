"""The distribution ships every package folder (package-dir mappings hide folders from
setuptools' automatic discovery, so the list in pyproject.toml is explicit)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAPPED = {"recognizers": "redactor.recognizers", "policies": "redactor.policies"}


def package_name(folder: Path) -> str:
    rel = folder.relative_to(ROOT)
    top = MAPPED.get(rel.parts[0])
    return ".".join((top, *rel.parts[1:])) if top else ".".join(rel.parts)


def test_every_package_folder_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {package_name(init.parent) for top in ("redactor", *MAPPED)
             for init in (ROOT / top).rglob("__init__.py")}
    assert found == listed
    assert {config["package-dir"][name] for name in MAPPED.values()} == set(MAPPED)
