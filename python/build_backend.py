"""The package's PEP 517 build backend, in the tree: it builds the extension with the project's
CMake (Debian's pybind11-dev and the libraries scripts/install-deps.sh installs) for the
interpreter that runs it, and zips the wheel with the standard library alone, so that

    pip install ./python                          # or with --no-build-isolation

needs nothing from a package index and nothing installed in the environment (no setuptools,
no wheel). BOILERSTRIP_BUILD_DIR=DIR builds the module in an existing build tree configured for
an interpreter of the same version (`make python` makes one) instead of a fresh one;
BOILERSTRIP_SOURCE_DIR names the source tree when this folder was copied away from it.
"""

import base64
import hashlib
import os
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAME, VERSION = "boilerstrip", "0.1.0"
METADATA = f"""Metadata-Version: 2.1
Name: {NAME}
Version: {VERSION}
Summary: Strip boilerplate lines out of web-crawl text (a binding of the boilerstrip C++ library)
Requires-Python: >=3.9
Provides-Extra: datatrove
Requires-Dist: datatrove; extra == "datatrove"
"""


def _root():
    return Path(os.environ.get("BOILERSTRIP_SOURCE_DIR", HERE.parent)).resolve()


def _tag():
    impl = f"cp{sys.version_info.major}{sys.version_info.minor}"
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"{impl}-{impl}-{plat}"


def _build_extension(tmp):
    build = os.environ.get("BOILERSTRIP_BUILD_DIR")
    if build:
        build = Path(build).resolve()
    else:
        build = Path(tmp) / "cmake"
        subprocess.run(["cmake", "-S", str(_root()), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                        "-DBOILERSTRIP_PYTHON=ON", "-DBOILERSTRIP_TESTS=OFF",
                        "-DBOILERSTRIP_BENCH=OFF", f"-DPython_EXECUTABLE={sys.executable}"],
                       check=True, stdout=sys.stderr)
    subprocess.run(["cmake", "--build", str(build), "--target", "_boilerstrip",
                    "-j", str(os.cpu_count() or 2)], check=True, stdout=sys.stderr)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    module = build / "python" / "boilerstrip" / f"_boilerstrip{suffix}"
    if not module.exists():
        raise RuntimeError(f"{module} was not built (is {build} configured for this Python?)")
    return module


def _files(module):
    """(path in the wheel, file on disk) of everything the package holds."""
    pkg = HERE / "boilerstrip"
    files = [(f"boilerstrip/{p.name}", p) for p in sorted(pkg.iterdir())
             if p.is_file() and p.suffix in (".py", ".pyi", ".typed")]
    files.append((f"boilerstrip/{module.name}", module))
    for preset in ("default", "c4"):  # the bundled rule sets, read by the installed package
        for p in sorted((_root() / "patterns" / preset).iterdir()):
            if p.is_file():
                files.append((f"boilerstrip/patterns/{preset}/{p.name}", p))
    # The learned line model beside them (the default classifier loads it from there).
    files.append(("boilerstrip/patterns/line-model", _root() / "patterns" / "line-model"))
    return files


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    tag = _tag()
    wheel_name = f"{NAME}-{VERSION}-{tag}.whl"
    dist_info = f"{NAME}-{VERSION}.dist-info"
    with tempfile.TemporaryDirectory() as tmp:
        module = _build_extension(tmp)
        records = []
        path = Path(wheel_directory) / wheel_name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as whl:
            def add(name, data):
                whl.writestr(name, data)
                records.append(_record_line(name, data))

            for name, src in _files(module):
                add(name, src.read_bytes())
            add(f"{dist_info}/METADATA", METADATA.encode())
            add(f"{dist_info}/WHEEL", (f"Wheel-Version: 1.0\nGenerator: {NAME} build_backend\n"
                                       f"Root-Is-Purelib: false\nTag: {tag}\n").encode())
            records.append(f"{dist_info}/RECORD,,")
            whl.writestr(f"{dist_info}/RECORD", "\n".join(records) + "\n")
    return wheel_name
