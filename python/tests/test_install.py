"""The offline install the README gives: `pip install ./python` into a bare venv (no index,
no setuptools), then the package used from there, with no source tree on its path."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SOURCE_DIR, seed_records


def test_pip_install_into_a_venv(tmp_path):
    build = os.environ.get("BOILERSTRIP_BUILD_DIR") or str(Path(os.environ.get(
        "PYTHONPATH", str(SOURCE_DIR / "build" / "python")).split(os.pathsep)[0]).parent)
    if subprocess.run([sys.executable, "-c", "import ensurepip, venv"]).returncode != 0:
        pytest.skip("no venv/ensurepip for this interpreter (Debian: python3-venv)")
    venv = tmp_path / "venv"
    # A bare venv: the in-tree build backend needs no setuptools, no wheel, no index.
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    # A copy of python/, so that the in-tree build leaves nothing in the source tree.
    pkg = tmp_path / "python"
    shutil.copytree(SOURCE_DIR / "python", pkg, ignore=shutil.ignore_patterns(
        "tests", "build", "*.egg-info", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BOILERSTRIP_PATTERNS")}
    # Reuse the tree the tests were built in (configured for this same Python version), rather
    # than compiling the library again.
    env.update(BOILERSTRIP_SOURCE_DIR=str(SOURCE_DIR), BOILERSTRIP_BUILD_DIR=build)
    p = subprocess.run([venv / "bin" / "pip", "install", "--no-index", "-q", pkg],
                       env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    script = (
        "import json, sys, boilerstrip, pathlib\n"
        "pkg = pathlib.Path(boilerstrip.__file__).parent\n"
        f"assert str(pkg).startswith({str(venv)!r}), pkg\n"
        "assert (pkg / 'patterns' / 'c4').is_dir() and (pkg / '__init__.pyi').exists()\n"
        "c = boilerstrip.Cleaner()\n"
        "text = json.loads(sys.stdin.read())\n"
        "print(json.dumps([c.clean(text), len(boilerstrip.Cleaner(patterns='c4').rule_names)]))\n")
    try:
        text = seed_records()[0]["text"]
    except pytest.skip.Exception:
        text = "A line of prose that stays.\nShare this\n"
    import json
    p = subprocess.run([venv / "bin" / "python", "-c", script], input=json.dumps(text),
                       env={k: v for k, v in env.items() if not k.startswith("BOILERSTRIP")},
                       cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    import boilerstrip
    cleaned, c4_rules = json.loads(p.stdout)
    assert cleaned == boilerstrip.Cleaner().clean(text)
    assert c4_rules == len(boilerstrip.Cleaner(patterns="c4").rule_names) > 0
