"""The C engine is plain C99 that builds with and without OpenMP from the
same source, without warnings."""
import pathlib
import shutil
import subprocess

import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "src_c"
SOURCES = sorted(SRC.glob("*.c"))


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.skipif(not SOURCES, reason="src_c/ is not beside the tests")
@pytest.mark.parametrize("openmp", [True, False], ids=["openmp", "serial"])
def test_engine_compiles_cleanly(tmp_path, openmp):
    flags = ["-std=c99", "-O1", "-Wall", "-Werror", "-Wno-unknown-pragmas", "-Wpedantic"]
    if openmp:
        flags.append("-fopenmp")
    for src in SOURCES:
        result = subprocess.run(
            ["gcc", *flags, "-I", str(SRC), "-c", str(src), "-o", str(tmp_path / (src.stem + ".o"))],
            capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_no_global_mutable_state():
    """Two fits may run at once: no file-level variables in the engine."""
    import re
    pattern = re.compile(r"^(static\s+)?(?!typedef|return|extern)[a-z_][a-z0-9_ \*]*\s+\**[a-z_][a-z0-9_]*\s*(\[[^\]]*\])?\s*(=[^(]*)?;\s*$")
    for path in sorted(SRC.glob("*.[ch]")) + sorted(SRC.glob("*.inc")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line and not line[0].isspace() and pattern.match(line) and "const" not in line:
                pytest.fail("%s:%d looks like a global variable: %s" % (path.name, number, line))
