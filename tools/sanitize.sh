#!/usr/bin/env bash
# Builds the engine with AddressSanitizer and UndefinedBehaviorSanitizer
# (-O1 -g, frame pointers, OpenMP kept) in a scratch copy of the tree, so
# the normal build here is left alone, and runs tests against that build.
# Any sanitizer report, in the test process or in a process it starts,
# fails the script.
#
#   tools/sanitize.sh                  the engine tests and a few estimators
#   tools/sanitize.sh tests/test_net.py -k dropout   any pytest arguments
#   LEAKS=1 tools/sanitize.sh          also LeakSanitizer (see below)
#   KEEP=1 tools/sanitize.sh           keep the scratch copy and its logs
#
# Leaks are off by default: CPython, NumPy and OpenBLAS keep allocations
# alive to the end on purpose (interned objects, type caches, thread
# buffers) and LeakSanitizer reports every one of them.  LEAKS=1 turns it
# on with tools/lsan.supp, which ignores allocations made inside the
# interpreter, NumPy, SciPy and the OpenMP and BLAS runtimes, so that what
# is left points at fastnn's own code.  That list is a first cut, not yet
# shown to keep a whole run clean: read LEAKS=1's reports, don't gate on
# them.
#
# Reports go to log files (ASan's and UBSan's log_path), so that one from a
# subprocess a test starts is not swallowed by the test; they are printed
# at the end.  halt_on_error stops a process at its first report.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ $# -eq 0 ]; then
    # every kernel on its own, whole networks of every layer kind, and a
    # sample of estimators fitted end to end (dense, sparse, conv,
    # recurrent, text)
    set -- tests/test_engine.py tests/test_conv_engine.py \
        tests/test_recurrent_engine.py tests/test_batch_norm.py \
        tests/test_dropout.py tests/test_net.py tests/test_engine_bounds.py \
        tests/test_solvers.py tests/test_regression_losses.py \
        "tests/test_text.py::test_padding_changes_nothing_where_it_is_masked" \
        tests/test_predict_path.py
fi

libasan=$(gcc -print-file-name=libasan.so)
if [ ! -e "$libasan" ]; then
    echo "sanitize: gcc has no libasan.so (install gcc's sanitizer runtime)" >&2
    exit 2
fi

# the interpreter itself: a wrapper script in front of it (a version
# manager's shim) must not run with the sanitizer runtime preloaded
py=$(python -c 'import sys; print(sys.executable)')

scratch=$(mktemp -d "${TMPDIR:-/tmp}/fastnn-sanitize.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$scratch"' EXIT
echo "== sanitize: building in $scratch"
# the tree as git sees it (tracked and new files), without build outputs
git ls-files -z --cached --others --exclude-standard |
    tar --null -T - -cf - | tar -xf - -C "$scratch"
logs="$scratch/sanitizer-logs"
mkdir -p "$logs"

cd "$scratch" || exit 2
if ! FASTNN_SANITIZE=address,undefined "$py" setup.py -q build_ext --inplace -j "$(nproc)" \
        >"$scratch/build.log" 2>&1; then
    tail -n 40 "$scratch/build.log"
    echo "sanitize: build FAILED" >&2
    exit 2
fi
# the tests' single-kernel extension, with the same checks (built here, as
# the tests would otherwise build it under the preloaded runtime)
if ! FASTNN_SANITIZE=address,undefined "$py" tests/kernels/build_kernels.py \
        >"$scratch/build-kernels.log" 2>&1; then
    tail -n 40 "$scratch/build-kernels.log"
    echo "sanitize: building the tests' kernels FAILED" >&2
    exit 2
fi
# the CUDA kernels compiled for the host (tests/cuda_host.py), likewise
export FASTNN_SANITIZE=address,undefined
if ! ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="$libasan" "$py" -c "import sys; sys.path.insert(0, 'tests'); import cuda_host; cuda_host.build()" \
        >"$scratch/build-cuda-host.log" 2>&1; then
    tail -n 40 "$scratch/build-cuda-host.log"
    echo "sanitize: building the CUDA kernels for the host FAILED" >&2
    exit 2
fi

if [ "${LEAKS:-0}" = 1 ]; then
    leaks="detect_leaks=1"
    export LSAN_OPTIONS="suppressions=$root/tools/lsan.supp:print_suppressions=0"
else
    leaks="detect_leaks=0"
fi
# Python's own allocator would hide overruns of small objects; malloc lets
# ASan put red zones around every one.
export PYTHONMALLOC=malloc
export ASAN_OPTIONS="$leaks:halt_on_error=1:abort_on_error=0:log_path=$logs/asan:strict_string_checks=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
export PYTHONPATH="$scratch${PYTHONPATH:+:$PYTHONPATH}"

LD_PRELOAD="$libasan" "$py" -c \
    "import fastnn, sys; sys.exit(not fastnn.__file__.startswith('$scratch'))" ||
    { echo "sanitize: the scratch build is not the one imported" >&2; exit 2; }

start=$SECONDS
LD_PRELOAD="$libasan" "$py" -m pytest -q -p no:cacheprovider "$@"
rc=$?
echo "== sanitize: pytest exit $rc after $((SECONDS - start)) s"

reports=$(find "$logs" -type f -size +0 | sort)
if [ -n "$reports" ]; then
    for f in $reports; do
        echo "==== $f"
        cat "$f"
    done
    echo "sanitize: FAILED, sanitizer reports above" >&2
    exit 1
fi
if [ $rc -ne 0 ]; then
    echo "sanitize: FAILED, tests failed under the sanitizers" >&2
    exit $rc
fi
echo "sanitize: no sanitizer reports"
