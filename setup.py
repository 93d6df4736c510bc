"""Builds the zerolm extension with the project's CMake for `pip install --no-build-isolation .`.

The engine is configured for the interpreter pip runs (Python_EXECUTABLE), only the
package's targets are built, and the module (and, with LibTorch, its plugin) is put
beside zerolm/__init__.py in the wheel. Needs cmake, a C++20 compiler, pybind11 and
the engine's libraries (scripts/install-deps.sh installs them on Debian/Ubuntu).
"""

import os
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = os.environ.get("ZEROLM_PIP_BUILD_DIR") or os.path.join(
            ROOT, "build", "pip-" + sysconfig.get_config_var("SOABI")
        )
        configure = [
            "cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
            f"-DPython_EXECUTABLE={sys.executable}", "-DZEROLM_BUILD_TESTS=OFF",
        ]
        if shutil.which("ninja"):
            configure += ["-G", "Ninja"]
        subprocess.check_call(configure)
        subprocess.check_call(["cmake", "--build", build, "--target", "_zerolm", "zerolm_python_sources"])
        package = os.path.join(build, "python", "zerolm")
        target = os.path.dirname(os.path.abspath(self.get_ext_fullpath(ext.name)))
        os.makedirs(target, exist_ok=True)
        for name in os.listdir(package):
            if name.startswith("_zerolm") or name.startswith("libzerolm_torch_reference"):
                # The plugin is a link into the build; the wheel holds the file itself.
                shutil.copyfile(os.path.realpath(os.path.join(package, name)), os.path.join(target, name))
                shutil.copymode(os.path.realpath(os.path.join(package, name)), os.path.join(target, name))


setup(ext_modules=[Extension("zerolm._zerolm", sources=[])], cmdclass={"build_ext": CMakeBuild})
