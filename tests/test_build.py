"""The C engine is plain C99 that builds with and without OpenMP from the
same source, without warnings."""
import pathlib
import shutil
import subprocess

import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "src_c"
KERNELS = pathlib.Path(__file__).resolve().parent / "kernels"  # the tests' own
SOURCES = sorted(SRC.glob("*.c")) + [KERNELS / "reference.c"]


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.skipif(not SOURCES, reason="src_c/ is not beside the tests")
@pytest.mark.parametrize("openmp", [True, False], ids=["openmp", "serial"])
def test_engine_compiles_cleanly(tmp_path, openmp):
    flags = ["-std=c99", "-O1", "-Wall", "-Werror", "-Wno-unknown-pragmas", "-Wpedantic"]
    if openmp:
        flags.append("-fopenmp")
    for src in SOURCES:
        result = subprocess.run(
            ["gcc", *flags, "-I", str(SRC), "-I", str(KERNELS), "-c", str(src),
             "-o", str(tmp_path / (src.stem + ".o"))],
            capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_header_is_also_cpp(tmp_path):
    """CUDA (.cu) and C++ files will include fastnn.h: nothing in it may be
    C-only, and its functions keep their C names (extern "C")."""
    source = tmp_path / "use.cpp"
    source.write_text('#include "fastnn.h"\n'
                      'int main() { fnn_net net = {}; return fnn_net_check(&net) == FNN_OK; }\n')
    result = subprocess.run(["g++", "-std=c++17", "-Wall", "-Werror", "-I", str(SRC), "-c",
                             str(source), "-o", str(tmp_path / "use.o")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    if shutil.which("nm"):
        symbols = subprocess.run(["nm", str(tmp_path / "use.o")], capture_output=True,
                                 text=True).stdout.split()
        assert "fnn_net_check" in symbols  # not a C++-mangled name


def test_the_shipped_engine_holds_no_test_code():
    """The single-kernel wrappers and the naive references are the tests'
    extension (tests/kernels), not the package's."""
    from fastnn import _engine
    assert not any(hasattr(_engine, name) for name in
                   ("dense_forward", "conv_backward", "optim_step", "gather_rows"))
    if shutil.which("nm"):
        symbols = subprocess.run(["nm", "-D", "--defined-only", _engine.__file__],
                                 capture_output=True, text=True).stdout
        assert "fnn_dense_forward_f32" in symbols  # nm reads this file's table
        assert "fnn_ref_" not in symbols
        import _kernels
        symbols = subprocess.run(["nm", "-D", "--defined-only", _kernels.__file__],
                                 capture_output=True, text=True).stdout
        assert "fnn_ref_dense_forward_f32" in symbols


def test_no_global_mutable_state():
    """Two fits may run at once: no file-level variables in the engine."""
    import re
    pattern = re.compile(r"^(static\s+)?(?!typedef|return|extern)[a-z_][a-z0-9_ \*]*\s+\**[a-z_][a-z0-9_]*\s*(\[[^\]]*\])?\s*(=[^(]*)?;\s*$")
    for path in sorted(SRC.glob("*.[ch]")) + sorted(SRC.glob("*.inc")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line and not line[0].isspace() and pattern.match(line) and "const" not in line:
                pytest.fail("%s:%d looks like a global variable: %s" % (path.name, number, line))


def load_setup_script():
    """setup.py as a module, without running setup()."""
    import importlib.util
    path = SRC.parent / "setup.py"
    spec = importlib.util.spec_from_file_location("fastnn_setup_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def new_compiler():
    from setuptools._distutils.ccompiler import new_compiler
    from setuptools._distutils.sysconfig import customize_compiler
    compiler = new_compiler()
    customize_compiler(compiler)
    return compiler


class CompilerWithoutOpenMP:
    """Wraps a real compiler but fails whenever an OpenMP flag is asked for,
    like a clang without libomp."""

    def __init__(self, real):
        self.real = real

    def compile(self, sources, output_dir=None, extra_postargs=None):
        from setuptools._distutils.errors import CompileError
        if any("openmp" in flag for flag in extra_postargs or []):
            raise CompileError("no OpenMP here")
        return self.real.compile(sources, output_dir=output_dir, extra_postargs=extra_postargs)

    def link_executable(self, *args, **kwargs):
        return self.real.link_executable(*args, **kwargs)


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_openmp_probe_finds_gcc_openmp():
    setup_script = load_setup_script()
    cflags, lflags = setup_script.openmp_flags(new_compiler())
    assert "-fopenmp" in cflags and "-fopenmp" in lflags


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_missing_openmp_warns_or_fails_on_request(monkeypatch, capsys):
    setup_script = load_setup_script()
    compiler = CompilerWithoutOpenMP(new_compiler())
    monkeypatch.delenv("FASTNN_FAIL_NO_OPENMP", raising=False)
    assert setup_script.openmp_flags(compiler) == ([], [])
    assert "SERIALLY" in capsys.readouterr().err
    monkeypatch.setenv("FASTNN_FAIL_NO_OPENMP", "1")
    with pytest.raises(SystemExit, match="FASTNN_FAIL_NO_OPENMP"):
        setup_script.openmp_flags(compiler)
