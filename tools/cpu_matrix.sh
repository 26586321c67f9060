#!/usr/bin/env bash
# Runs tests under every OpenBLAS kernel family that SciPy's OpenBLAS can
# pick on x86-64 and this CPU can execute, each with OpenMP at 1 and at 2
# threads, so that a tolerance that only holds for one CPU's kernels fails
# here rather than on someone else's machine.
#
#   tools/cpu_matrix.sh                 the kernel tests (the default set)
#   tools/cpu_matrix.sh tests           the whole suite
#   tools/cpu_matrix.sh -k dense tests/test_engine.py   any pytest arguments
#
# Families: the CPU's own choice (OPENBLAS_CORETYPE unset), Haswell and Zen
# (AVX2), SkylakeX (AVX-512; skipped, and said so, on a CPU without it),
# Sandybridge (AVX) and Prescott (SSE3).
set -uo pipefail
cd "$(dirname "$0")/.."

if [ $# -eq 0 ]; then
    # the kernels one by one, then every layer kind (embedding and padding
    # masks included) through whole networks, and attention against PyTorch
    set -- tests/test_engine.py tests/test_conv_engine.py tests/test_recurrent_engine.py \
        tests/test_net.py::test_every_layer_kind_has_the_gradient_of_its_loss \
        tests/test_net.py::test_every_layer_kind_matches_the_reference_network \
        tests/test_text.py::test_padding_changes_nothing_where_it_is_masked \
        tests/test_attention.py
fi

flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
has() { case " $flags " in *" $1 "*) return 0 ;; esac; return 1; }
runnable() {
    case "$1" in
        Haswell|Zen) has avx2 && has fma ;;
        SkylakeX) has avx512f && has avx512bw && has avx512vl && has avx512dq ;;
        Sandybridge) has avx ;;
        *) return 0 ;;
    esac
}

# the family OpenBLAS picks by itself here: a named family that is the same
# one runs once, as "default"
chosen=$(env -u OPENBLAS_CORETYPE python -c "
import scipy.linalg, threadpoolctl
print(' '.join(i['architecture'] for i in threadpoolctl.threadpool_info()
               if i['internal_api'] == 'openblas'))" 2>/dev/null || true)
echo "== the CPU's own choice: ${chosen:-unknown}"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=()
for family in default Haswell Zen SkylakeX Sandybridge Prescott; do
    if ! runnable "$family"; then
        echo "== $family: skipped, this CPU lacks its instructions"
        continue
    fi
    if [ "$family" != default ] && [ -n "$chosen" ] && \
            [ -z "$(echo "$chosen" | tr ' ' '\n' | grep -vx "$family")" ]; then
        echo "== $family: the CPU's own choice, run as default above"
        continue
    fi
    for threads in 1 2; do
        echo "== OPENBLAS_CORETYPE=$family OMP_NUM_THREADS=$threads"
        if [ "$family" = default ]; then
            env -u OPENBLAS_CORETYPE OMP_NUM_THREADS=$threads \
                python -m pytest -q -p no:cacheprovider "$@" > "$log" 2>&1
        else
            OPENBLAS_CORETYPE=$family OMP_NUM_THREADS=$threads \
                python -m pytest -q -p no:cacheprovider "$@" > "$log" 2>&1
        fi
        status=$?
        grep -E '^(FAILED|ERROR) ' "$log"
        tail -n 1 "$log"
        [ "$status" -eq 0 ] || failed+=("$family/$threads")
    done
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "cpu matrix: FAILED under ${failed[*]}"
    exit 1
fi
echo "cpu matrix: passed under every runnable kernel family"
