/* What every kernel source shares.  The same files compile two ways:
 *  - on the device, with NVRTC (fastnn/_cuda/_compile.py): a kernel is a
 *    __global__ function whose threads walk its index range in a
 *    grid-stride loop;
 *  - on the host, as C (the tests: tests/cuda_host.py), where one
 *    call walks the whole range, so each kernel's body and index
 *    arithmetic runs on any machine against the CPU engine.
 * Names of activations, outputs and solvers come in as -D definitions
 * made from the CPU engine's own tables (fastnn/_cuda/_compile.py), so no
 * list is written twice.  No standard header is included on the device:
 * NVRTC has none without a toolkit, and needs none. */
#ifndef FNN_CUDA_H
#define FNN_CUDA_H

#if defined(__CUDACC_RTC__) || defined(__CUDACC__)
#define FNN_KERNEL extern "C" __global__ void
#define FNN_INLINE static __device__ __forceinline__
/* i runs over [0, n) across every thread of the launch */
#define FNN_EACH(i, n)                                                          \
    for (fnn_i64 i = (fnn_i64)blockIdx.x * blockDim.x + threadIdx.x; i < (n);  \
         i += (fnn_i64)blockDim.x * gridDim.x)
#else
#include <math.h>
#define FNN_KERNEL void
#define FNN_INLINE static inline
#define FNN_EACH(i, n) for (fnn_i64 i = 0; i < (n); i++)
#endif

typedef long long fnn_i64;
typedef unsigned long long fnn_u64;

/* Dropout: element i of a layer's output is kept when the hash of (seed, i)
 * is at least rate * 2^64 (the CPU engine's rule in dropout.c and
 * fastnn.h, so both draw the same masks). */
FNN_INLINE fnn_u64 fnn_mix64(fnn_u64 x) { /* splitmix64's finaliser */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

FNN_INLINE int fnn_kept(fnn_u64 seed, fnn_i64 i, fnn_u64 threshold) {
    return fnn_mix64(seed + 0x9e3779b97f4a7c15ULL * (fnn_u64)i) >= threshold;
}

/* y * log(x), and 0 where y is 0 (as scipy's xlogy) */
FNN_INLINE double fnn_xlogy(double y, double x) { return y == 0 ? 0.0 : y * log(x); }

#endif
