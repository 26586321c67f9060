"""Build fastnn's Cython extension over the C engine in src_c/.

OpenMP is probed by compiling, linking and running a tiny program with each
candidate flag.  If none works the engine builds serially from the same
source (the pragmas are ignored and <omp.h> is only included under
_OPENMP), with a warning; FASTNN_FAIL_NO_OPENMP=1 makes that an error.

FASTNN_SANITIZE=address,undefined (any -fsanitize= list; gcc or clang)
builds a checking engine instead: -O1 -g with frame pointers and the
sanitizers compiled and linked in, OpenMP kept.  Such a build needs the
sanitizer runtime loaded first (LD_PRELOAD); tools/sanitize.sh makes one in
a scratch copy of the tree and runs the tests under it.
"""
import glob
import os
import subprocess
import sys
import tempfile
import textwrap

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

OPENMP_PROBE = textwrap.dedent(
    """
    #include <omp.h>
    int main(void) {
        int n = 0;
        #pragma omp parallel reduction(+: n)
        n += 1;
        return n >= 1 ? 0 : 1;
    }
    """
)

# (compile flags, link flags) to try, most common first.
OPENMP_CANDIDATES = [
    (["-fopenmp"], ["-fopenmp"]),
    (["-Xpreprocessor", "-fopenmp"], ["-lomp"]),
    (["/openmp"], []),
]


def probe_openmp(compiler):
    """Return (compile_args, link_args) of a working OpenMP, or None."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write(OPENMP_PROBE)
        for cflags, lflags in OPENMP_CANDIDATES:
            try:
                objs = compiler.compile([src], output_dir=tmp, extra_postargs=cflags)
                exe = os.path.join(tmp, "probe")
                compiler.link_executable(objs, exe, extra_postargs=lflags)
                subprocess.run([exe], check=True, capture_output=True, timeout=60)
                return cflags, lflags
            except Exception:
                continue
    return None


NO_OPENMP_MESSAGE = (
    "fastnn: no working OpenMP found for this compiler; building the engine "
    "SERIALLY (one thread).  Install an OpenMP runtime (libgomp with gcc, "
    "libomp with clang) and rebuild for multi-threaded kernels."
)


def openmp_flags(compiler):
    """Flags for a working OpenMP, or ([], []) with a warning.  With
    FASTNN_FAIL_NO_OPENMP=1 a missing OpenMP stops the build instead."""
    found = probe_openmp(compiler)
    if found is not None:
        return found
    if os.environ.get("FASTNN_FAIL_NO_OPENMP") == "1":
        raise SystemExit("error: " + NO_OPENMP_MESSAGE + " (FASTNN_FAIL_NO_OPENMP=1)")
    print("WARNING: " + NO_OPENMP_MESSAGE, file=sys.stderr)
    return [], []


class BuildExt(build_ext):
    def build_extensions(self):
        cflags, lflags = openmp_flags(self.compiler)
        is_msvc = self.compiler.compiler_type == "msvc"
        # errno and floating-point traps are never used here; telling the
        # compiler so lets sqrt vectorise and the selects in fnn_math.h's
        # exp / tanh become SIMD blends instead of branches.
        base = (["/O2"] if is_msvc else
                ["-O3", "-fno-math-errno", "-fno-trapping-math", "-Wno-unknown-pragmas"])
        sanitize = os.environ.get("FASTNN_SANITIZE", "")
        extra_link = []
        if sanitize and not is_msvc:
            # -O1: little enough optimisation that a bad access is not
            # folded away; -g and frame pointers for readable reports
            san = ["-fsanitize=" + sanitize, "-fno-omit-frame-pointer", "-g"]
            base = ["-O1", "-fno-math-errno", "-fno-trapping-math",
                    "-Wno-unknown-pragmas"] + san
            extra_link = san
        for ext in self.extensions:
            ext.extra_compile_args = base + cflags
            ext.extra_link_args = lflags + extra_link
        super().build_extensions()


c_sources = sorted(glob.glob(os.path.join("src_c", "*.c")))

extensions = [
    Extension(
        "fastnn._engine",
        sources=["fastnn/_engine.pyx"] + c_sources,
        include_dirs=["src_c", numpy.get_include()],
        depends=glob.glob(os.path.join("src_c", "*.h")) + glob.glob(os.path.join("src_c", "*.inc")),
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )
]

if __name__ == "__main__":  # also true when pip's build backend runs this file
    setup(
        ext_modules=cythonize(extensions, compiler_directives={"language_level": "3"}),
        cmdclass={"build_ext": BuildExt},
    )
