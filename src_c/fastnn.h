/* fastnn C engine: shared types, status codes and conventions.
 *
 * Conventions (docs/design.md):
 *  - One plain function per pass. Outputs first, then what backward needs
 *    saved, then inputs, then sizes, then the context.  Inputs are const.
 *  - Accumulation rule: PARAMETER gradients accumulate (+=); the caller zeroes
 *    the one flat gradient buffer once per step.  INPUT gradients (dX) are
 *    overwritten.  A NULL gradient pointer means "not needed".
 *  - Errors are values: every entry point returns an fnn_status.
 *  - No global mutable state: everything a call needs comes in through its
 *    arguments, the BLAS routines and the thread count through fnn_ctx.
 *  - Every kernel exists for float (_f32) and double (_f64) from one source:
 *    the family's .inc file is included twice, once per fnn_dtype_*.h.
 */
#ifndef FASTNN_H
#define FASTNN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus /* a CUDA (.cu) or C++ file may include this header */
extern "C" {
#endif

/* Hot element-wise loops are compiled for several instruction sets and the
 * best one for the running CPU is picked once at load time (GCC 12+ on
 * x86-64 glibc, which has the ifunc support and the arch= names this needs);
 * elsewhere they are built once, for the baseline. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && \
    defined(__x86_64__) && defined(__GLIBC__)
#define FNN_VECTOR_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FNN_VECTOR_CLONES
#endif

/* The cost model: when a loop is worth more than one thread.  Waking
 * OpenMP's threads for a parallel region costs microseconds (idle threads
 * sleep rather than spin: fastnn/_wait_policy.py), so a loop is split only
 * above these sizes, counted in elements (a pass over memory), or for a
 * matrix product in multiply-adds per thread.  Measured in
 * docs/performance.md; every threshold of the engine is one of these. */
#ifndef FNN_PAR_SCALE
#define FNN_PAR_SCALE 1
#endif
#define FNN_PAR_CHEAP (65536 * FNN_PAR_SCALE)  /* an add or multiply each */
#define FNN_PAR_MEDIUM (32768 * FNN_PAR_SCALE) /* a few operations each */
#define FNN_PAR_EXP (16384 * FNN_PAR_SCALE)    /* an exp, tanh or erf each */
#define FNN_PAR_GEMM ((double)(1 << 18) * FNN_PAR_SCALE) /* per thread */

typedef enum {
    FNN_OK = 0,
    FNN_ERR_ARG = 1,       /* a size or option is out of range */
    FNN_ERR_NOMEM = 2,     /* an allocation failed */
    FNN_ERR_NONFINITE = 3  /* the loss became NaN or infinite */
} fnn_status;

/* Hidden-layer activations.  leaky_relu has slope 0.01 below 0; elu has
 * alpha 1; gelu is the exact z * Phi(z) (Phi the standard normal CDF);
 * softplus is log(1 + e^z). */
typedef enum {
    FNN_ACT_IDENTITY = 0,
    FNN_ACT_LOGISTIC = 1,
    FNN_ACT_TANH = 2,
    FNN_ACT_RELU = 3,
    FNN_ACT_LEAKY_RELU = 4,
    FNN_ACT_ELU = 5,
    FNN_ACT_GELU = 6,
    FNN_ACT_SOFTPLUS = 7,
    FNN_ACT_LAST = FNN_ACT_SOFTPLUS /* for range checks */
} fnn_activation;

/* 1 when f'(z) cannot be written from the output f(z): gelu is not
 * monotone, so one output can come from two inputs with different slopes.
 * A network keeps such a layer's pre-activation z for backward and uses
 * fnn_activation_backward_from_input. */
static inline int fnn_activation_needs_input(fnn_activation act) {
    return act == FNN_ACT_GELU;
}

/* Output activation paired with its loss.  For the first four (each
 * activation with its canonical loss) the gradient of the loss with
 * respect to the pre-activation is (p - y); the robust regression losses
 * on an identity output have sign(p - y) and (p - y) clipped to
 * [-1, 1]. */
typedef enum {
    FNN_OUT_SQUARED = 0,   /* identity, half squared error */
    FNN_OUT_BINARY = 1,    /* logistic, binary cross-entropy per output */
    FNN_OUT_SOFTMAX = 2,   /* softmax, categorical cross-entropy */
    FNN_OUT_POISSON = 3,   /* exp, half Poisson deviance */
    FNN_OUT_ABSOLUTE = 4,  /* identity, absolute error */
    FNN_OUT_HUBER = 5,     /* identity, Huber with delta 1: r^2 / 2 for
                            * |r| <= 1, else |r| - 1/2 */
    FNN_OUT_LAST = FNN_OUT_HUBER /* for range checks */
} fnn_output;

/* BLAS gemm with the Fortran calling convention (column-major), as exported
 * by scipy.linalg.cython_blas.  Handed in at run time: nothing links BLAS. */
typedef void (*fnn_sgemm_fn)(const char *ta, const char *tb, const int *m,
                             const int *n, const int *k, const float *alpha,
                             const float *a, const int *lda, const float *b,
                             const int *ldb, const float *beta, float *c,
                             const int *ldc);
typedef void (*fnn_dgemm_fn)(const char *ta, const char *tb, const int *m,
                             const int *n, const int *k, const double *alpha,
                             const double *a, const int *lda, const double *b,
                             const int *ldb, const double *beta, double *c,
                             const int *ldc);
typedef void (*fnn_sgemv_fn)(const char *trans, const int *m, const int *n,
                             const float *alpha, const float *a,
                             const int *lda, const float *x, const int *incx,
                             const float *beta, float *y, const int *incy);
typedef void (*fnn_dgemv_fn)(const char *trans, const int *m, const int *n,
                             const double *alpha, const double *a,
                             const int *lda, const double *x, const int *incx,
                             const double *beta, double *y, const int *incy);

/* What every entry point needs besides its arrays.  Owned by the caller;
 * a future device field (CPU / CUDA stream) slots in here.  scratch is
 * the caller's memory for the per-thread partial sums of a split
 * reduction (no kernel allocates): a kernel uses as many threads as it has
 * room for there, and with no scratch (NULL) runs those reductions on one
 * thread.  On one thread a conv layer makes its weight gradient there,
 * transposed, when it fits (else it takes the slower product).
 * fnn_net_scratch_bytes says how much a network uses at most. */
typedef struct {
    int n_threads;
    fnn_sgemm_fn sgemm;
    fnn_dgemm_fn dgemm;
    fnn_sgemv_fn sgemv; /* products with one row of output */
    fnn_dgemv_fn dgemv;
    void *scratch;
    int64_t scratch_bytes;
} fnn_ctx;

/* How many blocks of `bytes` the context's scratch holds. */
static inline int64_t fnn_scratch_blocks(const fnn_ctx *ctx, int64_t bytes) {
    return ctx->scratch != NULL && bytes > 0 ? ctx->scratch_bytes / bytes : 0;
}

/* Sparse CSR rows (scipy layout, int32 indices) for first-layer input. */
typedef struct {
    const void *data;        /* float or double, matching the kernel */
    const int32_t *indptr;   /* n_rows + 1 */
    const int32_t *indices;  /* column of each stored value */
} fnn_csr;

/* Layers of a sequential network.  Images are NHWC: one sample is h*w*c
 * values with the channel varying fastest, so a conv or pool output is
 * already the flat input of a dense layer that follows it.  A recurrent
 * layer reads h time steps of c features (w = 1) and outputs, per sample,
 * oc = dirs * units values for every step (oh = h) or for the last one
 * only (oh = 1; the backward direction's last step is t = 0). */
typedef enum {
    FNN_DENSE = 0,
    FNN_CONV = 1,
    FNN_MAXPOOL = 2,
    FNN_AVGPOOL = 3,
    FNN_RECURRENT = 4,
    FNN_EMBED = 5 /* first layer only: h ids per sample (c = 1) to h x oc */
} fnn_layer_kind;

/* Recurrent cells.  Gate order inside a cell's block of columns follows
 * PyTorch: lstm (i, f, g, o), gru (r, z, n); the gru resets after the
 * recurrent product, n = tanh(x Wn + bn + r * (h Wh_n + b_hn)). */
typedef enum {
    FNN_CELL_RNN = 0,   /* h = tanh(x Wx + h Wh + b) */
    FNN_CELL_LSTM = 1,
    FNN_CELL_GRU = 2
} fnn_cell;

typedef struct {
    fnn_layer_kind kind;
    int64_t h, w, c;     /* one sample's input (dense: h = w = 1, c inputs) */
    int64_t oh, ow, oc;  /* one sample's output (pool: oc = c) */
    int64_t kh, kw;      /* conv kernel, pool window */
    int64_t sh, sw;      /* strides (pool: the window) */
    int64_t ph, pw;      /* conv: zero rows / columns added above / left */
    fnn_activation activation; /* applied to the output (identity: none) */
    fnn_cell cell;       /* recurrent: the cell */
    int64_t dirs;        /* recurrent: 1, or 2 when bidirectional */
    double dropout;      /* training: share of the outputs zeroed, in [0, 1) */
    int batch_norm;      /* dense, conv: normalise before the activation */
    int64_t vocab;       /* embedding: ids 0 .. vocab - 1 */
    int masked;          /* recurrent, global pool over steps: skip the steps
                          * whose input id (the embedding's) is 0, padding */
} fnn_layer;

/* A network: its layers in order and its output activation + loss.  Its
 * parameters live in one flat buffer laid out as scikit-learn packs an
 * MLP's: every layer's weights in layer order (dense: c x oc; conv:
 * (kh*kw*c) x oc, rows in (kh, kw, c) order; recurrent: (c + units) x
 * (dirs * gates * units), the input weights then the recurrent ones, one
 * block of columns per direction; embedding: vocab x oc), then every layer's biases (recurrent:
 * dirs * gates * units, then for the gru dirs * units of b_hn), then for
 * each batch-normalised layer a block of 3 x oc: its scale, running mean
 * and running variance (its shift is the layer's bias, applied after the
 * normalisation; the running statistics get no gradient, so optimizers
 * leave them alone, and training steps update them).
 * So the L2 penalty covers exactly a prefix of the buffer. */
typedef struct {
    int n_layers;
    const fnn_layer *layers;
    fnn_output output;
} fnn_net;

/* Optimizer settings and step count; the caller owns it across steps.
 * adamw is adam on the data gradient plus decoupled weight decay (alpha);
 * rmsprop and adagrad divide by the root of a running (rho) or total
 * average of squared gradients, plus epsilon. */
typedef enum {
    FNN_SGD = 0,
    FNN_ADAM = 1,
    FNN_ADAMW = 2,
    FNN_RMSPROP = 3,
    FNN_ADAGRAD = 4
} fnn_solver;
/* clip_norm > 0 rescales the step's gradient (without the L2 term) to at
 * most that global norm. */
typedef struct {
    fnn_solver solver;
    double learning_rate;   /* current rate (schedules change it between epochs) */
    double alpha;           /* L2 penalty on the weights, not the biases
                             * (adamw: the decoupled weight decay) */
    double momentum;        /* sgd */
    int nesterov;           /* sgd */
    double beta_1, beta_2;  /* adam, adamw */
    double epsilon;         /* adam, adamw, rmsprop, adagrad */
    double rho;             /* rmsprop: decay of the squared-gradient average */
    int64_t t;              /* adam / adamw steps taken so far */
    double clip_norm;       /* 0: no clipping */
} fnn_optim;

/* Dropout masks are a pure function of (seed, element index): the same
 * seed gives the same mask whatever the thread count, and backward
 * recomputes the mask instead of storing it.  A seed of 0 means "not
 * training": no dropout. */
static inline uint64_t fnn_mix64(uint64_t x) { /* splitmix64's finaliser */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* net.c */
/* FNN_OK when one layer's own sizes are positive, consistent with its kind
 * and small enough that no size product overflows (the per-layer half of
 * fnn_net_check).  Every kernel that takes a layer starts with it. */
fnn_status fnn_layer_check(const fnn_layer *g);
/* FNN_OK when every layer passes fnn_layer_check and they chain together. */
fnn_status fnn_net_check(const fnn_net *net);
int64_t fnn_net_n_params(const fnn_net *net);
int64_t fnn_net_n_coefs(const fnn_net *net);
/* The layout of the flat parameter buffer, defined here only: for layer
 * l, blocks[6 l .. 6 l + 5] = its weights' offset and count, its biases'
 * offset and count, its batch norm block's offset and count (counts 0
 * where it has none). */
fnn_status fnn_net_param_blocks(int64_t *blocks, const fnn_net *net);
/* Bytes of scratch (fnn_ctx) that any pass of the network on n_threads
 * threads can use: per-thread copies of the largest layer's weights and
 * biases, and batch norm's sums. */
int64_t fnn_net_scratch_bytes(const fnn_net *net, int n_threads);
/* Elements of workspace that fnn_net_forward, _loss_grad and _train_step
 * need for n rows on n_threads threads (training splits a batch's rows
 * across threads, each band with its own gradient block). */
int64_t fnn_net_workspace_size(const fnn_net *net, int64_t n, int n_threads);
/* conv.c: im2col elements per sample a conv layer uses (0: none). */
int64_t fnn_conv_col_size(const fnn_layer *g);
/* recurrent.c: gates, states and scratch per sample (kept from forward to
 * backward); the units, gate count, weight and bias sizes of a layer. */
int64_t fnn_recurrent_work_size(const fnn_layer *g);
int64_t fnn_recurrent_units(const fnn_layer *g);
int64_t fnn_recurrent_gates(const fnn_layer *g);
int64_t fnn_recurrent_weight_count(const fnn_layer *g);
int64_t fnn_recurrent_bias_count(const fnn_layer *g);

/* Elements of optimizer state for n_params parameters. */
int64_t fnn_optim_state_size(const fnn_optim *opt, int64_t n_params);
/* After an update: adam and adamw count their steps (bias correction). */
void fnn_optim_count_step(fnn_optim *opt);

/* gather.c: the CSR structure of a mini-batch of rows. */
fnn_status fnn_gather_csr_index(int32_t *out_indptr, int32_t *out_indices,
                                int64_t *src_pos, const int32_t *indptr,
                                const int32_t *indices, const int64_t *rows,
                                int64_t n, int64_t n_src, int64_t cap);

/* Threads OpenMP would use by default (1 in a serial build). */
int fnn_max_threads(void);
/* Processors this process may run on, as OpenMP counts them (1 serial). */
int fnn_num_procs(void);
/* 1 when compiled with OpenMP. */
int fnn_has_openmp(void);

#include "fnn_kernels.h"

#ifdef __cplusplus
}
#endif

#endif
