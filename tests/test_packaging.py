"""The built wheel works on its own: installed without ``-e`` into a fresh venv outside the checkout.

The wheel is built from a copy of the checkout (so the build writes nothing into it) with the
project venv's setuptools (``--no-build-isolation``: no download), then installed with
``--no-deps --no-index`` into a new venv in ``tmp_path``. The heavy dependencies (spaCy,
openai, ...) come from the project venv through a ``.pth`` file naming its site-packages: a
plain path line adds that folder to ``sys.path`` but runs none of the ``.pth`` hooks in it, so
the project's own editable install stays invisible and ``extractor`` is the wheel's copy (the
test asserts where it was imported from). Then: the README's three-line example on a sample
article (baseline), every strategy's prompts loaded from the installed package, and
``extractor extract --strategy guided`` against the fake endpoint.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from extractor.prompts import load_prompt
from support.endpoint import FakeEndpoint

REPO = Path(__file__).resolve().parent.parent
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])


def _run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    assert done.returncode == 0, f"{command[:4]} exited {done.returncode}:\n{output}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("extractor", "prompts"):
        shutil.copytree(REPO / folder, source / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q"]
    _run([*pip, str(source), "-w", str(out)], cwd=source)
    (built,) = out.glob("extractor-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=venv)
    python = venv / "bin" / "python"
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q"]
    _run([*install, str(wheel)], cwd=venv)
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=venv)
    (Path(purelib.stdout.strip()) / "project_dependencies.pth").write_text(f"{SITE_PACKAGES}\n", encoding="utf-8")
    return venv


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_", "PYTHON"))}
    env.update({"EXTRACTOR_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"})
    return env


def test_wheel_holds_every_package_file_and_prompt_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    # Every module and data file under extractor/: a package missing from pyproject.toml's list
    # (or data missing from its package-data) would leave an installed extractor broken.
    files = {
        p.relative_to(REPO).as_posix()
        for p in (REPO / "extractor").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    missing = sorted(files - names)
    assert not missing, f"missing from the wheel (list the package / its data in pyproject.toml): {missing}"
    prompt_files = {
        "extractor/prompts_data/" + p.relative_to(REPO / "prompts").as_posix()
        for p in (REPO / "prompts").rglob("*")
        if p.is_file() and p.suffix in {".md", ".json"}
    }
    assert prompt_files and prompt_files <= names, sorted(prompt_files - names)


def test_three_line_example_runs_from_the_installed_wheel(
    fresh_venv: Path, articles_dir: Path, tmp_path: Path
) -> None:
    sample = sorted(articles_dir.glob("*.txt"))[0]
    script = (
        "import json, sys, extractor\n"
        "from extractor.prompts import prompts_dir\n"
        "from extractor import Extractor\n"
        "ex = Extractor(strategy='baseline')\n"
        "result = ex.extract(open(sys.argv[1], encoding='utf-8').read())\n"
        "print(json.dumps({'module': extractor.__file__, 'prompts': str(prompts_dir()),"
        " 'result': result.model_dump(mode='json')}))\n"
    )
    done = _run([str(fresh_venv / "bin" / "python"), "-c", script, str(sample)], cwd=tmp_path, env=_env(tmp_path))
    report = json.loads(done.stdout)
    assert Path(report["module"]).is_relative_to(fresh_venv), report["module"]
    assert Path(report["prompts"]).is_relative_to(fresh_venv), report["prompts"]
    result = report["result"]
    assert result["status"] == "ok", result["error"]
    text = sample.read_text(encoding="utf-8")
    assert len(result["claims"]) >= 3
    for claim in result["claims"]:
        evidence = claim["evidence"]
        assert text[evidence["start"] : evidence["end"]] == evidence["quote"]


def test_installed_package_loads_every_strategys_prompts(fresh_venv: Path, tmp_path: Path) -> None:
    script = (
        "import json\n"
        "from extractor import available_strategies, get_strategy\n"
        "print(json.dumps({name: get_strategy(name).prompt_version for name in available_strategies()}))\n"
    )
    done = _run([str(fresh_venv / "bin" / "python"), "-c", script], cwd=tmp_path, env=_env(tmp_path))
    versions = json.loads(done.stdout)
    # Content hashes: the installed prompt files are the checkout's, byte for byte.
    assert versions == {
        "guided": load_prompt("guided_claimant").version,
        "guided_full": load_prompt("guided").version,
        "whole_article": load_prompt("whole_article").version,
        "baseline": None,
        "guided_checked": f"{load_prompt('guided_claimant').version}+{load_prompt('claim_check').version}",
    }


def test_installed_cli_extracts_with_guided_against_the_fake_endpoint(
    fresh_venv: Path, articles_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    with FakeEndpoint() as endpoint:
        command = [
            str(fresh_venv / "bin" / "extractor"), "extract", str(articles_dir), "-o", str(out),
            "--strategy", "guided", "--base-url", endpoint.base_url, "--no-progress",
        ]  # fmt: skip
        _run(command, cwd=tmp_path, env=_env(tmp_path))
        asked = endpoint.requests
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 5 and all(line["status"] == "ok" for line in lines), [line["error"] for line in lines]
    assert asked >= 1, "guided asks the model about the speakers the linguistic pass could not name"
    assert {line["prompt_version"] for line in lines} == {load_prompt("guided_claimant").version}
    assert sum(len(line["claims"]) for line in lines) > 0

    schema = _run([str(fresh_venv / "bin" / "extractor"), "schema"], cwd=tmp_path, env=_env(tmp_path))
    assert json.loads(schema.stdout)["title"] == "ArticleResult"
