"""The demo's lock, ``requirements-run.txt`` (``make run`` installs only it), agrees with
pyproject.toml and with the full lock: every runtime and server dependency, and the build
backend, is in it, with what each of its packages needs; no dev tool is; every pin and hash
is the full lock's. So is uv's in ``requirements-uv.txt``, which installs it."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO_ROOT

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)")
_HASH = re.compile(r"--hash=(sha256:[0-9a-f]{64})")


def read_lock(name: str) -> dict[str, tuple[str, frozenset[str]]]:
    """Package -> (version, hashes) of a lock compiled by ``uv pip compile --generate-hashes``."""
    pins: dict[str, tuple[str, frozenset[str]]] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", (REPO_ROOT / name).read_text()):
        match = _PIN.match(entry)
        if match:
            name_ = canonicalize_name(match["name"])
            pins[name_] = (match["version"], frozenset(_HASH.findall(entry)))
    return pins


def project_requirements(*extras: str) -> list[Requirement]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + [
        text for extra in extras for text in project["optional-dependencies"][extra]
    ]
    return [Requirement(text) for text in listed]


RUN = read_lock("requirements-run.txt")
FULL = read_lock("requirements.txt")


def test_every_runtime_and_server_dependency_is_in_the_run_lock() -> None:
    """And the build backend, which ``make run`` installs the project with, offline."""
    build = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    wanted = project_requirements("server") + [Requirement(text) for text in build]
    assert wanted
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in RUN, f"{name} is missing from requirements-run.txt"
        assert requirement.specifier.contains(RUN[name][0], prereleases=True), requirement


def test_no_dev_tool_is_in_the_run_lock() -> None:
    dev_only = {canonicalize_name(r.name) for r in project_requirements("dev")} - {
        canonicalize_name(r.name) for r in project_requirements("server")
    }
    assert {"pytest", "mypy", "hypothesis", "schemathesis", "pgserver"} <= dev_only
    assert not dev_only & RUN.keys()
    assert "uv" not in RUN  # a tool for making the locks, not for running


def test_the_run_lock_pins_what_the_full_lock_pins() -> None:
    for name, (version, hashes) in RUN.items():
        assert hashes, f"{name} has no hash"
        assert FULL.get(name) == (version, hashes), name


def test_the_installer_lock_is_uv_as_the_full_lock_pins_it() -> None:
    """``make run`` installs the demo's lock with this uv, kept beside the demo's venv."""
    installer = read_lock("requirements-uv.txt")
    assert installer == {"uv": FULL["uv"]}
    assert installer["uv"][1]


def test_the_run_lock_holds_what_its_packages_need() -> None:
    """Each package's requirements here (this Python, this platform; the extras pyproject asks
    for) are in the run lock too: the installed full lock has the same versions to ask."""
    wanted = [(canonicalize_name(r.name), r.extras) for r in project_requirements("server")]
    seen: set[str] = set()
    while wanted:
        name, extras = wanted.pop()
        assert name in RUN, f"{name} is needed but not in requirements-run.txt"
        if (key := f"{name}{sorted(extras)}") in seen:
            continue
        seen.add(key)
        for text in importlib.metadata.requires(name) or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is None or any(marker.evaluate({"extra": e}) for e in {"", *extras}):
                wanted.append((canonicalize_name(requirement.name), requirement.extras))
