"""Builds `_kernels`, the tests' extension of single kernels and their
naive references, next to this file.

It compiles the engine's C sources (src_c) again with reference.c, with the
compiler flags of the package's own build (setup.py's BuildExt: OpenMP,
FASTNN_SANITIZE), and cimports the contexts from fastnn._engine.  The tests
call `ensure_built()` when they start (tests/conftest.py), which builds only
when a source is newer than the built module.

    python tests/kernels/build_kernels.py      builds it by hand
"""
import glob
import importlib.util
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def sources():
    """Everything the module is built from."""
    found = [os.path.join(HERE, name) for name in
             ("_kernels.pyx", "reference.c", "reference.inc", "reference.h",
              "reference_prototypes.inc", "build_kernels.py")]
    for pattern in ("src_c/*.c", "src_c/*.h", "src_c/*.inc", "fastnn/_engine.pxd",
                    "fastnn/_float_double.pxi", "setup.py"):
        found += glob.glob(os.path.join(ROOT, pattern))
    return found


def built_module():
    """The built module's path, or None."""
    found = glob.glob(os.path.join(HERE, "_kernels.*.so")) + \
        glob.glob(os.path.join(HERE, "_kernels.*.pyd"))
    return found[0] if found else None


def ensure_built():
    """Builds the module when it is missing or older than a source (or
    than the engine it cimports from); raises with the build's output when
    the build fails."""
    import fastnn._engine
    built = built_module()
    newest = max(os.path.getmtime(p) for p in sources() + [fastnn._engine.__file__])
    if built is not None and os.path.getmtime(built) >= newest:
        return
    done = subprocess.run([sys.executable, os.path.abspath(__file__)], cwd=HERE,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("building the tests' kernel extension failed:\n"
                           + done.stdout[-4000:] + done.stderr[-4000:])


def build():
    import numpy
    from Cython.Build import cythonize
    from setuptools import Extension, setup

    spec = importlib.util.spec_from_file_location("fastnn_setup",
                                                  os.path.join(ROOT, "setup.py"))
    package_setup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(package_setup)
    # absolute paths: their objects then stay under build/
    engine_c = sorted(glob.glob(os.path.join(ROOT, "src_c", "*.c")))
    extension = Extension(
        "_kernels", sources=["_kernels.pyx", "reference.c"] + engine_c,
        include_dirs=[HERE, os.path.join(ROOT, "src_c"), numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")])
    setup(name="fastnn-test-kernels", script_args=["build_ext", "--inplace", "--force",
                                                   "--build-temp", "build"],
          ext_modules=cythonize([extension], include_path=[ROOT], quiet=True,
                                compiler_directives={"language_level": "3"}),
          cmdclass={"build_ext": package_setup.BuildExt})


if __name__ == "__main__":
    os.chdir(HERE)
    build()
