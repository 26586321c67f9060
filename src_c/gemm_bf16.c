/* float32 products from bfloat16 operands (precision='bf16'): C = alpha
 * op(A) op(B) + beta C, row-major as fnn_gemm, with A and B rounded to
 * bfloat16 (8 bits of mantissa, float32's range) as they are packed, and
 * multiplied by AVX512-BF16's VDPBF16PS, which adds the products of two
 * pairs of bfloat16 values into each float32 sum: twice the multiply-adds
 * of a float32 FMA per instruction.  The sums stay float32.
 *
 * Blocks as BLAS's: KC rows of B by NC columns are packed once, shared by
 * every thread (packed in parallel), then each thread packs MC rows of A
 * at a time and runs the MR x NR micro-kernel over them.  The packed
 * blocks live on the stack (no kernel allocates): B's 64 KB on the
 * calling thread's, A's 32 KB on each thread's.
 *
 * Compiled for AVX512-BF16 by function attribute, so the rest of the build
 * keeps its baseline; fnn_bf16_supported() says whether this CPU runs it.
 * Elsewhere (other compilers, other CPUs) there is no kernel and
 * fnn_gemm_bf16 returns FNN_ERR_ARG. */
#include "fastnn.h"
#include <stdint.h>
#include <string.h>

/* GCC 10 and Clang 14 have the intrinsics and the CPU feature's name */
#if defined(__x86_64__) && ((defined(__clang__) && __clang_major__ >= 14) || \
                            (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 10))
#define FNN_HAVE_BF16_KERNEL 1
#include <immintrin.h>
#else
#define FNN_HAVE_BF16_KERNEL 0
#endif

enum { MR = 8, NR = 32, KC = 256, MC = 64, NC = 128 };

int fnn_bf16_supported(void) {
#if FNN_HAVE_BF16_KERNEL
    __builtin_cpu_init();
    /* every CPU with AVX512-BF16 has BW and VL, which the packing uses */
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
#else
    return 0;
#endif
}

#if FNN_HAVE_BF16_KERNEL

#define FNN_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

/* The mask of the first n of 16 lanes (none when n <= 0). */
static inline __mmask16 lanes(int64_t n) {
    return n >= 16 ? (__mmask16)0xffff : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
}

/* 16 pairs (x[j], y[j]) as bfloat16 words, x's value in the low half. */
FNN_BF16_TARGET static inline __m512i interleave_pairs(__m512 x, __m512 y) {
    const __m512i order = _mm512_set_epi16(
        31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6, 21, 5,
        20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(order, (__m512i)_mm512_cvtne2ps_pbh(y, x));
}

/* Rows k0.. k0+kc of op(B), columns n0.. n0+nc, as one panel of NR
 * columns: per pair of rows, each column's two values side by side (what
 * one lane of VDPBF16PS multiplies), zeros past the edges. */
FNN_BF16_TARGET static void pack_b_panel(uint32_t *Bp, const float *B, int64_t ldb,
                                         int trans_b, int64_t k0, int64_t kc, int64_t n0,
                                         int64_t nc) {
    const int64_t pairs = (kc + 1) / 2;
    if (!trans_b) { /* two rows of B, 16 columns at a time */
        for (int64_t q = 0; q < pairs; q++) {
            const float *row = B + (k0 + 2 * q) * ldb + n0;
            const int64_t below = 2 * q + 1 < kc; /* the pair's second row */
            for (int64_t h = 0; h < NR / 16; h++) {
                const __mmask16 m = lanes(nc - 16 * h);
                const __m512 x = _mm512_maskz_loadu_ps(m, row + 16 * h);
                const __m512 y = _mm512_maskz_loadu_ps(below ? m : 0, row + ldb + 16 * h);
                _mm512_storeu_si512(Bp + q * NR + 16 * h, interleave_pairs(x, y));
            }
        }
        return;
    }
    /* B stored N x K: a column's pairs are side by side in its row */
    memset(Bp, 0, (size_t)(pairs * NR) * sizeof(uint32_t));
    for (int64_t j = 0; j < nc && j < NR; j++) {
        const float *col = B + (n0 + j) * ldb + k0;
        for (int64_t k = 0; k < kc; k += 32) {
            uint32_t words[16];
            const __m512 lo = _mm512_maskz_loadu_ps(lanes(kc - k), col + k);
            const __m512 hi = _mm512_maskz_loadu_ps(lanes(kc - k - 16), col + k + 16);
            _mm512_storeu_si512(words, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
            for (int64_t e = 0; e < 16 && k / 2 + e < pairs; e++)
                Bp[(k / 2 + e) * NR + j] = words[e];
        }
    }
}

/* Rows m0.. m0+mc of op(A), columns k0.. k0+kc, as micro-panels of MR
 * rows of (kc + 1) / 2 words, each a pair of columns (broadcast to every
 * lane); word (i, q) of a panel at i * row_step + q * pair_step, zeros
 * past the edges.  Stored M x K, a row's pairs are side by side: rows of
 * words (row_step = pairs); stored K x M, MR rows' pairs are side by side
 * in two rows of A: pair by pair (pair_step = MR). */
FNN_BF16_TARGET static void pack_a(uint32_t *Ap, const float *A, int64_t lda, int trans_a,
                                   int64_t m0, int64_t mc, int64_t k0, int64_t kc) {
    const int64_t pairs = (kc + 1) / 2, tiles = (mc + MR - 1) / MR;
    for (int64_t t = 0; t < tiles; t++) {
        uint32_t *panel = Ap + t * pairs * MR;
        if (!trans_a) {
            for (int64_t i = 0; i < MR; i++) {
                const int64_t m = t * MR + i;
                uint32_t *words = panel + i * pairs;
                if (m >= mc) {
                    memset(words, 0, (size_t)pairs * sizeof(uint32_t));
                    continue;
                }
                const float *row = A + (m0 + m) * lda + k0;
                for (int64_t k = 0; k < kc; k += 32) {
                    const __m512 lo = _mm512_maskz_loadu_ps(lanes(kc - k), row + k);
                    const __m512 hi = _mm512_maskz_loadu_ps(lanes(kc - k - 16), row + k + 16);
                    _mm512_mask_storeu_epi32(words + k / 2, lanes(pairs - k / 2),
                                             (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
                }
            }
            continue;
        }
        const __mmask16 m = lanes(mc - t * MR > MR ? MR : mc - t * MR);
        for (int64_t q = 0; q < pairs; q++) {
            const float *row = A + (k0 + 2 * q) * lda + m0 + t * MR;
            const __m512 x = _mm512_maskz_loadu_ps(m, row);
            const __m512 y = _mm512_maskz_loadu_ps(2 * q + 1 < kc ? m : 0, row + lda);
            _mm256_storeu_si256((__m256i *)(panel + q * MR),
                                _mm512_castsi512_si256(interleave_pairs(x, y)));
        }
    }
}

/* C's rows x cols tile (at most MR x NR) = alpha Ap Bp + beta C (C not
 * read when beta is 0). */
FNN_BF16_TARGET static void kernel(int64_t pairs, const uint32_t *Ap, int64_t row_step,
                                   int64_t pair_step, const uint32_t *Bp, float *C,
                                   int64_t ldc, int64_t rows, int64_t cols, float alpha,
                                   float beta) {
    __m512 acc[MR][2];
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (int64_t q = 0; q < pairs; q++) {
        const __m512bh b0 = (__m512bh)_mm512_loadu_si512(Bp + q * NR);
        const __m512bh b1 = (__m512bh)_mm512_loadu_si512(Bp + q * NR + 16);
        const uint32_t *a = Ap + q * pair_step;
        for (int i = 0; i < MR; i++) {
            const __m512bh ai = (__m512bh)_mm512_set1_epi32((int)a[i * row_step]);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], ai, b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], ai, b1);
        }
    }
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int64_t i = 0; i < rows; i++)
        for (int64_t h = 0; h < 2; h++) {
            const int64_t left = cols - 16 * h;
            if (left <= 0) break;
            const __mmask16 mask = lanes(left);
            float *c = C + i * ldc + 16 * h;
            __m512 v = _mm512_mul_ps(acc[i][h], va);
            if (beta != 0) v = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, c), v);
            _mm512_mask_storeu_ps(c, mask, v);
        }
}

#endif

fnn_status fnn_gemm_bf16(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K,
                         float alpha, const float *A, int64_t lda, const float *B,
                         int64_t ldb, float beta, float *C, int64_t ldc, int n_threads) {
#if FNN_HAVE_BF16_KERNEL
    if (M < 0 || N < 0 || K < 0 || !fnn_bf16_supported()) return FNN_ERR_ARG;
    if (M == 0 || N == 0) return FNN_OK;
    const int64_t m_blocks = (M + MC - 1) / MC;
    int parts = n_threads > 1 ? n_threads : 1;
    if (parts > m_blocks) parts = (int)m_blocks;
    /* one block of op(B): KC x NC, as NC / NR panels */
    _Static_assert(NC % NR == 0, "whole panels");
    uint32_t Bp[KC / 2 * NC] __attribute__((aligned(64)));
#pragma omp parallel num_threads(parts)
    {
        uint32_t Ap[MC * KC / 2] __attribute__((aligned(64)));
        for (int64_t n0 = 0; n0 < N; n0 += NC) {
            const int64_t nc = N - n0 < NC ? N - n0 : NC, panels = (nc + NR - 1) / NR;
            /* K == 0: one pass that only scales C by beta */
            for (int64_t k0 = 0; k0 < K || (K == 0 && k0 == 0); k0 += KC) {
                const int64_t kc = K - k0 < KC ? K - k0 : KC, pairs = (kc + 1) / 2;
                int64_t p;
#pragma omp for schedule(static)
                for (p = 0; p < panels; p++)
                    pack_b_panel(Bp + p * pairs * NR, B, ldb, trans_b, k0, kc,
                                 n0 + p * NR, nc - p * NR);
                int64_t mb;
#pragma omp for schedule(static)
                for (mb = 0; mb < m_blocks; mb++) {
                    const int64_t m0 = mb * MC, mc = M - m0 < MC ? M - m0 : MC;
                    pack_a(Ap, A, lda, trans_a, m0, mc, k0, kc);
                    for (int64_t t = 0; t * MR < mc; t++)
                        for (p = 0; p < panels; p++)
                            kernel(pairs, Ap + t * pairs * MR, trans_a ? 1 : pairs,
                                   trans_a ? MR : 1, Bp + p * pairs * NR,
                                   C + (m0 + t * MR) * ldc + n0 + p * NR, ldc,
                                   mc - t * MR < MR ? mc - t * MR : MR,
                                   nc - p * NR < NR ? nc - p * NR : NR, alpha,
                                   k0 ? 1.0f : beta);
                }
            }
        }
    }
    return FNN_OK;
#else
    (void)trans_a, (void)trans_b, (void)M, (void)N, (void)K, (void)alpha, (void)A;
    (void)lda, (void)B, (void)ldb, (void)beta, (void)C, (void)ldc, (void)n_threads;
    return FNN_ERR_ARG;
#endif
}
