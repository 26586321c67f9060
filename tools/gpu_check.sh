#!/usr/bin/env bash
# The CUDA engine's checks on a machine with an NVIDIA GPU, in under 8
# minutes: fastnn built there, the CUDA tests (every kernel and every
# stack of tests/test_net.py against the CPU engine, a fit and predict of
# each estimator family on the GPU; they skip elsewhere), and
# benchmarks/compare.py's mlp, conv, lstm and transformer workloads on the
# GPU against PyTorch's (when a CUDA build of PyTorch is there).  Needs CuPy and NVRTC: fastnn's 'cuda'
# extra, or an image that has them.
#   tools/gpu_check.sh [output folder]     (default: gpu_check_out)
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-gpu_check_out}"
mkdir -p "$out"
export PYTHONUNBUFFERED=1
start=$SECONDS
{
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
    python -c "import cupy, sys; print('python', sys.version.split()[0], 'cupy', cupy.__version__)"
    timeout 240 python -m pip install -q --no-deps --no-build-isolation -e . \
        || { echo "building fastnn failed"; exit 1; }
    python -c "import fastnn; print(repr(fastnn.cuda_available()))"
    timeout 240 python -m pytest -q -rs tests/test_cuda_engine.py tests/test_cuda_sources.py \
        tests/test_device.py -W ignore::sklearn.exceptions.ConvergenceWarning
    status=$?
    echo "tests: exit $status after $((SECONDS - start)) s"
    for workload in mlp conv lstm transformer; do
        timeout 90 python benchmarks/compare.py --workload "$workload" --device cuda \
            --repeat 2 --libs fastnn,torch
    done
    echo "done in $((SECONDS - start)) s"
    exit "$status"
} 2>&1 | tee "$out/gpu_check.log"
