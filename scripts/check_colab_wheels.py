"""Does every lesson's Colab install resolve to wheels for Colab's Python? (issue 16, item 4)

    .venv/bin/python scripts/check_colab_wheels.py                  # Python 3.12, manylinux x86_64
    .venv/bin/python scripts/check_colab_wheels.py --python 3.11 --json

Each lesson's setup cell installs ``emoface[<extras>] @ git+https://github.com/…`` on Colab (lesson
06 picks its extra by whether dlib is there, so it has two variants). For each variant this script
takes the requirements ``pyproject.toml`` lists for the package and those extras, and asks pip — as
Colab's pip would see PyPI — whether each resolves to a **wheel** for Colab's Python and platform:

1. every listed requirement alone (``--no-deps``): torch and torchvision are checked here only,
   since Colab ships them and their own dependencies are NVIDIA's CUDA wheels;
2. the others with their dependencies, so that a missing wheel deep in the tree shows too.

Both are ``pip install --dry-run --ignore-installed --only-binary=:all: --python-version 3.12
--platform manylinux…_x86_64 --target <tmp>``: nothing is installed. A requirement without a wheel
is reported with the versions that do have one. Some packages are known to ship only a source
archive that builds without a compiler (:data:`SOURCE_ONLY_OK`); they are listed, not failed.

This machine's pip settings (local wheel folders, extra file indexes, the constraint file that caps
torch at the local build) are ignored: Colab installs from PyPI. ``--index-url`` names another index.

Exit status: 0 when every requirement has a wheel or is in :data:`SOURCE_ONLY_OK`, 1 when one is
missing, 2 when the index cannot be reached or pip takes longer than ``--timeout`` (the test of this
script is then skipped).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the package needs 3.11
    raise SystemExit("Python 3.11 or newer is needed (tomllib)")

ROOT = Path(__file__).resolve().parents[1]
#: Colab's runtime today: Ubuntu 22.04 (glibc 2.35), CPython 3.12, x86_64.
COLAB_PYTHON = "3.12"
COLAB_GLIBC = (2, 35)
#: Colab ships these, with CUDA; pip keeps them. Their wheels are checked without their dependencies.
PREINSTALLED_ON_COLAB = {"torch", "torchvision"}
#: Source-only on PyPI, but pure Python or data: pip builds them on Colab without a compiler.
SOURCE_ONLY_OK = {
    "face-recognition-models": "dlib's model files in a setup.py archive (~100 MB, no compiled code); "
                               "only its old 0.1.3 has a wheel",
}
_INSTALL = re.compile(r"emoface(?:\[([^\]]*)\])?\s*@\s*git\+https://")
_NO_MATCH = re.compile(r"No matching distribution found for ([A-Za-z0-9._-]+)")
_VERSIONS = re.compile(r"from versions: ([^)]*)\)")
_UNREACHABLE = ("Could not fetch URL", "Max retries exceeded", "NewConnectionError", "Temporary failure in name resolution",
                "Network is unreachable", "SSLError", "ProxyError")


def normalise(name: str) -> str:
    """PyPI's name normalisation (PEP 503): lower case, runs of ``-_.`` become ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return normalise(re.match(r"\s*([A-Za-z0-9._-]+)", requirement).group(1))


@dataclass(frozen=True)
class Install:
    """One way a lesson's setup cell installs emoface: the notebook and the extras it names."""

    notebook: str
    extras: tuple[str, ...]

    @property
    def line(self) -> str:
        return f"emoface[{','.join(self.extras)}]" if self.extras else "emoface"


def setup_installs(notebook: Path) -> list[Install]:
    """The installs a notebook's setup cell (its second cell) can run on Colab.

    ``emoface[a,b] @ git+…`` gives one; ``emoface[{name}] @ git+…`` gives one per string literal on
    the line that assigns ``name`` (lesson 06: ``extra = "real-photos" if … else "real"``).
    """
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    setup = "".join(cells[1]["source"])
    installs = []
    for match in _INSTALL.finditer(setup):
        extras = (match.group(1) or "").strip()
        if extras.startswith("{") and extras.endswith("}"):
            name = extras[1:-1].strip()
            choices = _assigned_strings(setup, name)
            if not choices:
                raise ValueError(f"{notebook.name}: the setup cell installs emoface[{{{name}}}] but never assigns {name}")
            installs += [Install(notebook.name, tuple(c.split(","))) for c in choices]
        else:
            installs.append(Install(notebook.name, tuple(e.strip() for e in extras.split(",") if e.strip())))
    if not installs:
        raise ValueError(f"{notebook.name}: no `emoface… @ git+https://…` install in the setup cell")
    return installs


def _assigned_strings(source: str, name: str) -> list[str]:
    """The strings ``name`` can be given in ``source``: ``name = "a"`` or ``name = "a" if … else "b"``."""
    values = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            todo = [node.value]
            while todo:
                value = todo.pop(0)
                if isinstance(value, ast.IfExp):
                    todo += [value.body, value.orelse]  # not value.test: that is the condition
                elif isinstance(value, ast.Constant) and isinstance(value.value, str):
                    values.append(value.value)
                else:
                    raise ValueError(f"{name} is assigned something other than strings: {ast.unparse(value)}")
    return values


def requirements(extras: tuple[str, ...], project: dict) -> list[str]:
    """The package's dependencies plus those of ``extras``, expanding ``emoface[…]`` self-references."""
    optional = project["optional-dependencies"]
    result, seen, todo = list(project["dependencies"]), set(), list(extras)
    while todo:
        extra = todo.pop(0)
        if extra in seen:
            continue
        if extra not in optional:
            raise ValueError(f"pyproject.toml has no extra {extra!r} (it has {', '.join(optional)})")
        seen.add(extra)
        for requirement in optional[extra]:
            nested = re.fullmatch(r"\s*emoface\[([^\]]*)\]\s*", requirement)
            if nested:
                todo += [e.strip() for e in nested.group(1).split(",")]
            elif requirement not in result:
                result.append(requirement)
    return result


@dataclass
class Missing:
    requirement: str
    wheel_versions: str  # the versions that do have a wheel for this target, as pip lists them
    needed_by: str = ""  # the listed requirement that pulls it in, when it is a dependency
    source_only_ok: str = ""


@dataclass
class Resolution:
    missing: dict[str, Missing] = field(default_factory=dict)
    would_install: list[str] = field(default_factory=list)


def colab_platforms(glibc: tuple[int, int] = COLAB_GLIBC) -> list[str]:
    """Every manylinux tag an x86_64 machine with this glibc accepts (pip does not expand them itself)."""
    tags = [f"manylinux_2_{minor}_x86_64" for minor in range(glibc[1], 4, -1)]
    return tags + ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]


def pip_environment(index_url: str | None) -> dict[str, str]:
    """This process's environment without this machine's pip settings (Colab installs from PyPI)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PIP_") or k in ("PIP_CERT", "PIP_DEFAULT_TIMEOUT", "PIP_CLIENT_CERT")}
    env["PIP_CONFIG_FILE"] = os.devnull  # no pip.conf: no find-links, extra file indexes or constraints
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    if index_url:
        env["PIP_INDEX_URL"] = index_url
    return env


class IndexUnreachable(RuntimeError):
    pass


def _pip(args: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, env=env,
                              timeout=timeout)
    except subprocess.TimeoutExpired as slow:
        raise IndexUnreachable(f"pip did not finish in {timeout:.0f} s (a slow index or a busy machine): "
                               f"pip {' '.join(args[:2])} … {' '.join(args[-3:])}") from slow


def probe(env: dict[str, str], timeout: float = 600) -> None:
    """Raise :class:`IndexUnreachable` unless the index answers (``pip index versions pip``)."""
    done = _pip(["index", "versions", "pip"], env, timeout)
    if done.returncode != 0:
        raise IndexUnreachable((done.stderr or done.stdout).strip().splitlines()[-1] if (done.stderr or done.stdout)
                               else f"pip index versions exited {done.returncode}")


def resolve(requirements_: list[str], python: str, platforms: list[str], env: dict[str, str], deps: bool,
            timeout: float = 1200) -> Resolution:
    """Ask pip for wheels only; each requirement without one is noted, dropped, and pip asked again."""
    result = Resolution()
    pending = list(requirements_)
    with tempfile.TemporaryDirectory(prefix="colab-wheels-") as target:
        while pending:
            report = Path(target) / "report.json"
            args = ["install", "--dry-run", "--ignore-installed", "--quiet", "--target", str(Path(target) / "site"),
                    "--only-binary=:all:", "--python-version", python, "--implementation", "cp",
                    "--report", str(report), "--retries", "2"]
            args += [flag for tag in platforms for flag in ("--platform", tag)]
            args += [] if deps else ["--no-deps"]
            done = _pip(args + pending, env, timeout)
            output = done.stdout + done.stderr
            if done.returncode == 0:
                items = json.loads(report.read_text())["install"]
                result.would_install = sorted(f"{i['metadata']['name']}=={i['metadata']['version']}" for i in items)
                return result
            if any(sign in output for sign in _UNREACHABLE) and not _NO_MATCH.search(output):
                raise IndexUnreachable(output.strip().splitlines()[-1])
            found = _NO_MATCH.search(output)
            if found is None:
                raise RuntimeError(f"pip failed in a way this script does not read:\n{output[-3000:]}")
            name = normalise(found.group(1))
            versions = _VERSIONS.search(output)
            top = [r for r in pending if requirement_name(r) == name]
            missing = Missing(top[0] if top else name, versions.group(1) if versions else "",
                              source_only_ok=SOURCE_ONLY_OK.get(name, ""))
            if top:
                pending = [r for r in pending if requirement_name(r) != name]
            else:  # a dependency: find which listed requirement needs it, then set that one aside
                parent = next((r for r in pending if _fails_alone(r, name, args, env, timeout)), None)
                if parent is None:
                    raise RuntimeError(f"{name} has no wheel, but no single requirement fails alone:\n{output[-2000:]}")
                missing.needed_by = parent
                pending.remove(parent)
            result.missing[name] = missing
    return result


def _fails_alone(requirement: str, name: str, args: list[str], env: dict[str, str], timeout: float) -> bool:
    done = _pip(args + [requirement], env, timeout)
    found = _NO_MATCH.search(done.stdout + done.stderr)
    return done.returncode != 0 and found is not None and normalise(found.group(1)) == name


def check(notebooks: list[Path], project: dict, python: str, env: dict[str, str]) -> dict:
    """The installs of every notebook, and what lacks a wheel in each (each requirement asked once)."""
    installs = [install for notebook in notebooks for install in setup_installs(notebook)]
    per_install = {install: requirements(install.extras, project) for install in installs}
    union = list(dict.fromkeys(r for reqs in per_install.values() for r in reqs))
    platforms = colab_platforms()
    alone = resolve(union, python, platforms, env, deps=False)
    with_deps = resolve([r for r in union if requirement_name(r) not in PREINSTALLED_ON_COLAB and
                         requirement_name(r) not in alone.missing], python, platforms, env, deps=True)
    missing = {**alone.missing, **with_deps.missing}
    lessons = []
    for install, reqs in per_install.items():
        names = {requirement_name(r) for r in reqs}
        lacking = [asdict(m) for n, m in missing.items()
                   if n in names or (m.needed_by and requirement_name(m.needed_by) in names)]
        lessons.append({"notebook": install.notebook, "install": install.line, "requirements": reqs,
                        "missing": lacking})
    return {"python": python, "platforms": platforms, "lessons": lessons,
            "missing": [asdict(m) for m in missing.values()],
            "resolved_with_deps": with_deps.would_install}


def markdown(report: dict) -> str:
    lines = [f"Colab's Python {report['python']} on manylinux x86_64 (glibc ≤ 2.{COLAB_GLIBC[1]}), wheels only:", "",
             "| lesson | installs | requirements | without a wheel |", "|---|---|---:|---|"]
    for lesson in report["lessons"]:
        lacking = "; ".join(f"{m['requirement']}" + (f" (via {m['needed_by']})" if m["needed_by"] else "") +
                            (" — builds from source, OK" if m["source_only_ok"] else " — **FAILS**")
                            for m in lesson["missing"]) or "none"
        lines.append(f"| {lesson['notebook']} | `{lesson['install']}` | {len(lesson['requirements'])} | {lacking} |")
    for m in report["missing"]:
        lines.append("")
        lines.append(f"- `{m['requirement']}`: wheels exist only for versions {m['wheel_versions'] or 'none'}"
                     + (f". {m['source_only_ok']}." if m["source_only_ok"] else "."))
    lines.append(f"\n{len(report['resolved_with_deps'])} distributions resolve with their dependencies "
                 f"(torch and torchvision checked alone: {', '.join(sorted(PREINSTALLED_ON_COLAB))} ship with Colab).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--python", default=COLAB_PYTHON, help="the Python version to resolve for (Colab: 3.12)")
    parser.add_argument("--index-url", default=None, help="default: $PIP_INDEX_URL, else PyPI")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a Markdown table")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    env = pip_environment(args.index_url)
    try:
        probe(env)
        report = check(notebooks, project, args.python, env)
    except IndexUnreachable as why:
        print(f"the package index cannot be reached, nothing checked: {why}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=1) if args.json else markdown(report))
    failing = [m["requirement"] for m in report["missing"] if not m["source_only_ok"]]
    if failing:
        print(f"\nno wheel for Python {args.python} on Colab: {', '.join(failing)}", file=sys.stderr)
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
