"""The CUDA kernels compile, with NVRTC, on any machine (no GPU needed):
a syntax or type error in a kernel source fails here, in CI."""
import glob
import os
import re

import pytest

from fastnn._cuda import _compile, _nvrtc

try:
    NVRTC, WHY = _nvrtc.version(), ""
except _nvrtc.NVRTCError as exc:  # CI installs it: the 'test' extra's wheel
    NVRTC, WHY = None, str(exc)

needs_nvrtc = pytest.mark.skipif(NVRTC is None, reason=WHY)

# Turing to Hopper as binaries, and PTX that newer GPUs' drivers compile
ARCHES = ["sm_75", "sm_80", "sm_86", "sm_89", "sm_90", "compute_75"]


@needs_nvrtc
@pytest.mark.parametrize("arch", ARCHES)
def test_every_kernel_compiles_without_a_warning(arch):
    binary, log = _compile.compile_unit(arch)
    assert log == ""
    assert len(binary) > 1000
    if arch.startswith("compute_"):  # PTX names every kernel it defines
        text = binary.decode(errors="replace")
        for name in kernel_names():
            assert ".entry %s(" % name in text or ".entry %s\n" % name in text, name


@needs_nvrtc
def test_a_broken_kernel_is_refused_with_the_compilers_log():
    source = '#include "fnn_cuda.h"\nFNN_KERNEL broken(float *a) { a[0] = undeclared; }\n'
    with pytest.raises(_nvrtc.NVRTCError, match="undeclared"):
        _nvrtc.compile_source(source, "broken.cu", _compile.options("sm_80"))


def kernel_names():
    """Every kernel the sources define, per dtype."""
    found = set()
    for name, text in _compile.sources().items():
        for kernel in re.findall(r"FNN_KERNEL FNN_FN\((\w+)\)", text):
            found |= {kernel + "_f32", kernel + "_f64"}
    return found


def launched_names():
    """The kernels the device engine's Python code launches."""
    found = set()
    for path in glob.glob(os.path.join(os.path.dirname(_compile.__file__), "*.py")):
        found |= set(re.findall(r'launch\("(\w+)"', open(path).read()))
    return found


def test_the_device_engine_launches_only_kernels_the_sources_define():
    used = launched_names()
    assert len(used) >= 10
    assert {u + "_f32" for u in used} <= kernel_names()
    # and every kernel defined is launched by something
    assert kernel_names() == {u + s for u in used for s in ("_f32", "_f64")}


def test_the_sources_read_the_engines_own_names():
    from fastnn import _engine
    defines = _compile.defines()
    assert defines["FNN_ACT_RELU"] == str(_engine.ACTIVATIONS["relu"])
    assert defines["FNN_OUT_SOFTMAX"] == str(_engine.OUTPUTS["softmax"])
    assert len([k for k in defines if k.startswith("FNN_ACT_")]) == len(_engine.ACTIVATIONS)
    text = "".join(_compile.sources().values())
    used = set(re.findall(r"\bFNN_(?:ACT|OUT)_[A-Z_]+\b", text))
    assert used <= set(defines), used - set(defines)


@needs_nvrtc
def test_the_binary_cache_compiles_once(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = _compile.cached_binary("sm_80")
    stamp = (tmp_path / path).stat().st_mtime_ns
    assert _compile.cached_binary("sm_80") == path
    assert (tmp_path / path).stat().st_mtime_ns == stamp
