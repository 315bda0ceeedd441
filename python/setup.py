"""Builds the extension with the project's CMake (no download: Debian's pybind11-dev and the
libraries scripts/install-deps.sh installs), for the interpreter that runs pip:

    pip install --no-build-isolation ./python

BOILERSTRIP_BUILD_DIR=DIR builds the module in an existing build tree instead of a fresh one (it
must be configured for an interpreter of the same version: `make python` does that);
BOILERSTRIP_SOURCE_DIR names the source tree when this folder was copied away from it.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("BOILERSTRIP_SOURCE_DIR", HERE.parent)).resolve()


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = os.environ.get("BOILERSTRIP_BUILD_DIR")
        if build:
            build = Path(build).resolve()
        else:
            build = Path(self.build_temp).resolve() / "cmake"
            subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                            "-DBOILERSTRIP_PYTHON=ON", "-DBOILERSTRIP_TESTS=OFF",
                            "-DBOILERSTRIP_BENCH=OFF", f"-DPython_EXECUTABLE={sys.executable}"],
                           check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "_boilerstrip",
                        "-j", str(os.cpu_count() or 2)], check=True)
        built = sorted((build / "python" / "boilerstrip").glob("_boilerstrip*.so"))
        if not built:
            raise RuntimeError(f"no _boilerstrip module was built in {build}")
        dest = Path(self.get_ext_fullpath(ext.name))
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built[0], dest)


class BuildPy(build_py):
    """Also ships the bundled rule sets, which the installed package reads (see __init__.py)."""

    def run(self):
        super().run()
        for name in ("default", "c4"):
            dest = Path(self.build_lib) / "boilerstrip" / "patterns" / name
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(ROOT / "patterns" / name, dest)


setup(ext_modules=[Extension("boilerstrip._boilerstrip", sources=[])],
      cmdclass={"build_ext": CMakeBuild, "build_py": BuildPy})
