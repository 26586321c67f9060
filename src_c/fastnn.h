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

/* A loop taking the largest of its values (a > b ? a : b) vectorises only
 * where the compiler may ignore NaN and the sign of zero, which the vector
 * max instruction orders its own way; such a loop starts from FNN_LOWEST,
 * not -infinity.  A NaN value still leaves a NaN result downstream. */
#if defined(__GNUC__) && !defined(__clang__)
#define FNN_MAX_LOOPS __attribute__((optimize("finite-math-only", "no-signed-zeros")))
#else
#define FNN_MAX_LOOPS
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
    /* 2 is unused: no kernel allocates (the caller's scratch, fnn_ctx) */
    FNN_ERR_NONFINITE = 3  /* the loss became NaN or infinite */
} fnn_status;

/* Every name the engine shares with Python is listed once, below, as
 * X(SUFFIX, "name"): each list makes its enum here and its name table in
 * registry.c, which the Cython binding reads at import (fnn_names). */
#define FNN_ENUM_ENTRY(prefix, suffix) prefix##suffix,
#define FNN_COUNT_ONE(...) +1 /* counts a list's entries, apart from its enum */

/* leaky_relu's slope below 0; batch norm's epsilon, added to the variance
 * (PyTorch's), and the weight of a batch in its running statistics.  The
 * ONNX export and the CUDA kernels read them from here. */
#define FNN_LEAKY_SLOPE 0.01
#define FNN_NORM_EPS 1e-5
#define FNN_NORM_MOMENTUM 0.1

/* Hidden-layer activations.  leaky_relu has slope FNN_LEAKY_SLOPE below 0; elu has
 * alpha 1; gelu is the exact z * Phi(z) (Phi the standard normal CDF);
 * softplus is log(1 + e^z). */
#define FNN_ACTIVATIONS(X)                                                  \
    X(IDENTITY, "identity") X(LOGISTIC, "logistic") X(TANH, "tanh")         \
    X(RELU, "relu") X(LEAKY_RELU, "leaky_relu") X(ELU, "elu")               \
    X(GELU, "gelu") X(SOFTPLUS, "softplus")
typedef enum {
#define FNN_X(suffix, name) FNN_ENUM_ENTRY(FNN_ACT_, suffix)
    FNN_ACTIVATIONS(FNN_X)
#undef FNN_X
} fnn_activation;
enum { FNN_ACT_COUNT = 0 FNN_ACTIVATIONS(FNN_COUNT_ONE), FNN_ACT_LAST = FNN_ACT_COUNT - 1 };

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
#define FNN_OUTPUTS(X)                                                      \
    X(SQUARED, "identity")  /* identity, half squared error */              \
    X(BINARY, "logistic")   /* logistic, binary cross-entropy per output */ \
    X(SOFTMAX, "softmax")   /* softmax, categorical cross-entropy */        \
    X(POISSON, "exp")       /* exp, half Poisson deviance */                \
    X(ABSOLUTE, "absolute_error") /* identity, absolute error */            \
    X(HUBER, "huber") /* identity, Huber with delta 1: r^2 / 2 for |r| <= 1, \
                       * else |r| - 1/2 */
typedef enum {
#define FNN_X(suffix, name) FNN_ENUM_ENTRY(FNN_OUT_, suffix)
    FNN_OUTPUTS(FNN_X)
#undef FNN_X
} fnn_output;
enum { FNN_OUT_COUNT = 0 FNN_OUTPUTS(FNN_COUNT_ONE), FNN_OUT_LAST = FNN_OUT_COUNT - 1 };

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
    /* float32 products from bfloat16 operands (fnn_gemm_bf16), where
     * fnn_bf16_supported(); 0: float32 operands through BLAS */
    int bf16;
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
/* Layer kinds, X(SUFFIX, "name", ops): each kind's operations (check,
 * sizes, forward, backward) are the fnn_layer_ops `fnn_<ops>_ops` that its
 * own file defines; registry.c lists them in this order.  An embedding is
 * first only: h ids per sample (c = 1) to h x oc. */
#define FNN_LAYER_KINDS(X)                                                  \
    X(DENSE, "dense", dense) X(CONV, "conv", conv)                          \
    X(MAXPOOL, "maxpool", maxpool) X(AVGPOOL, "avgpool", avgpool)           \
    X(RECURRENT, "recurrent", recurrent) X(EMBED, "embedding", embedding)     \
    X(LAYERNORM, "layernorm", layernorm) X(TAKE, "take", take)               \
    X(ADD, "add", add) X(CONCAT, "concat", concat)                           \
    X(ATTENTION, "attention", attention) X(POSITION, "position", position)     \
    X(SINUSOID, "sinusoid", sinusoid)
typedef enum {
#define FNN_X(suffix, name, ops) FNN_ENUM_ENTRY(FNN_, suffix)
    FNN_LAYER_KINDS(FNN_X)
#undef FNN_X
} fnn_layer_kind;
enum { FNN_LAYER_KIND_COUNT = 0 FNN_LAYER_KINDS(FNN_COUNT_ONE) };

/* Recurrent cells, X(SUFFIX, "name", gates).  Gate order inside a cell's
 * block of columns follows PyTorch: lstm (i, f, g, o), gru (r, z, n); the
 * gru resets after the recurrent product, n = tanh(x Wn + bn + r * (h Wh_n
 * + b_hn)); the rnn is h = tanh(x Wx + h Wh + b). */
#define FNN_CELLS(X) X(RNN, "rnn", 1) X(LSTM, "lstm", 4) X(GRU, "gru", 3)
typedef enum {
#define FNN_X(suffix, name, gates) FNN_ENUM_ENTRY(FNN_CELL_, suffix)
    FNN_CELLS(FNN_X)
#undef FNN_X
} fnn_cell;
enum { FNN_CELL_COUNT = 0 FNN_CELLS(FNN_COUNT_ONE) };

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
    int64_t src;         /* join (take, add, concat): the earlier tensor it
                          * reads, 0 the network's input, t the output of
                          * layer t - 1 (other kinds: 0) */
    int64_t src_at;      /* take: the first feature of src it takes */
    int64_t heads;       /* attention: heads (c a multiple of them) */
    int causal;          /* attention: a step attends to itself and before */
    int frozen;          /* transfer learning: optimizers leave its weights,
                          * biases and batch norm block as they are, and its
                          * batch norm normalises by the running statistics
                          * in training too (its input gradient is still
                          * computed, its own gradients need not be) */
} fnn_layer;

/* One layer kind's operations: its own file defines them, registry.c
 * lists them (FNN_LAYER_KINDS), and the network loops over that table.
 * forward: Y: N x out, kept: N x kept_size(g) of the kind's own data for
 * backward (NULL when it keeps none), X: N x in (or Xs, CSR rows, for a
 * first layer that takes them), ids: the network's input ids for a masked
 * layer (else NULL), W, b: its weights and biases (b NULL: none, as under
 * batch norm), keep_all: backward follows (a recurrent layer then keeps
 * every step).  backward: dX (overwritten; NULL: not needed), dW, db
 * (+=; db NULL: none), the rest as forward's; dY may be overwritten.  A
 * device variant (CUDA) takes its place beside the CPU functions. */
typedef fnn_status (*fnn_layer_forward_f32)(float *Y, float *kept, const float *X,
                                            const fnn_csr *Xs, const float *ids,
                                            const float *W, const float *b, int keep_all,
                                            int64_t N, const fnn_layer *g,
                                            const fnn_ctx *ctx);
typedef fnn_status (*fnn_layer_forward_f64)(double *Y, double *kept, const double *X,
                                            const fnn_csr *Xs, const double *ids,
                                            const double *W, const double *b, int keep_all,
                                            int64_t N, const fnn_layer *g,
                                            const fnn_ctx *ctx);
typedef fnn_status (*fnn_layer_backward_f32)(float *dX, float *dW, float *db, float *kept,
                                             const float *dY, const float *X,
                                             const fnn_csr *Xs, const float *ids,
                                             const float *W, int64_t N,
                                             const fnn_layer *g, const fnn_ctx *ctx);
typedef fnn_status (*fnn_layer_backward_f64)(double *dX, double *dW, double *db,
                                             double *kept, const double *dY,
                                             const double *X, const fnn_csr *Xs,
                                             const double *ids, const double *W,
                                             int64_t N, const fnn_layer *g,
                                             const fnn_ctx *ctx);
/* A join kind's passes (join.c): Y: N x out, X: N x in (the previous
 * layer's output), S: the tensor number g->src, S_width its last axis;
 * backward: dX (overwritten; NULL: not needed), dS (+=; NULL: not
 * needed). */
typedef fnn_status (*fnn_join_forward_f32)(float *Y, const float *X, const float *S,
                                           int64_t S_width, int64_t N, const fnn_layer *g,
                                           const fnn_ctx *ctx);
typedef fnn_status (*fnn_join_forward_f64)(double *Y, const double *X, const double *S,
                                           int64_t S_width, int64_t N, const fnn_layer *g,
                                           const fnn_ctx *ctx);
typedef fnn_status (*fnn_join_backward_f32)(float *dX, float *dS, const float *dY,
                                            int64_t S_width, int64_t N, const fnn_layer *g,
                                            const fnn_ctx *ctx);
typedef fnn_status (*fnn_join_backward_f64)(double *dX, double *dS, const double *dY,
                                            int64_t S_width, int64_t N, const fnn_layer *g,
                                            const fnn_ctx *ctx);
typedef struct {
    /* FNN_OK when the kind's own fields are consistent (fnn_layer_check
     * adds the checks every kind shares) */
    fnn_status (*check)(const fnn_layer *g);
    int64_t (*weight_count)(const fnn_layer *g);
    int64_t (*bias_count)(const fnn_layer *g);
    int64_t (*kept_size)(const fnn_layer *g); /* per sample */
    double (*macs)(const fnn_layer *g);       /* per sample, forward */
    int batch_norm; /* may be batch-normalised */
    int reads_ids;  /* first only: its input is token ids, whose padding
                     * (id 0) masked layers after it skip */
    int reads_csr;  /* as a first layer, takes CSR rows */
    fnn_layer_forward_f32 forward_f32;
    fnn_layer_forward_f64 forward_f64;
    fnn_layer_backward_f32 backward_f32;
    fnn_layer_backward_f64 backward_f64;
    /* A join kind has these instead of forward and backward: src_fits
     * says whether a tensor of H x W x C per sample is one it can read. */
    int (*src_fits)(const fnn_layer *g, int64_t H, int64_t W, int64_t C);
    fnn_join_forward_f32 join_forward_f32;
    fnn_join_forward_f64 join_forward_f64;
    fnn_join_backward_f32 join_backward_f32;
    fnn_join_backward_f64 join_backward_f64;
} fnn_layer_ops;

#define FNN_X(suffix, name, ops) extern const fnn_layer_ops fnn_##ops##_ops;
FNN_LAYER_KINDS(FNN_X)
#undef FNN_X

/* registry.c: a kind's operations, NULL for an unknown kind. */
const fnn_layer_ops *fnn_layer_ops_of(int kind);
/* The name of entry i of a list: table is 0 activations, 1 outputs, 2
 * layer kinds, 3 cells, 4 solvers; NULL past its end. */
const char *fnn_name(int table, int i);
/* Gates of a recurrent cell (FNN_CELLS). */
int64_t fnn_cell_gates(int cell);

/* Largest per-sample size (elements) a layer may have, so that the
 * engine's size arithmetic (sums and products of a layer's sizes, times
 * the rows of a batch that fits in memory) stays far below 2^63: 2^40
 * elements is 4 TiB of float per sample. */
#define FNN_MAX_SIZE ((int64_t)1 << 40)

/* 1 when a, b, c > 0 and a * b * c <= FNN_MAX_SIZE (in double: the product
 * itself may not fit). */
static inline int fnn_fits3(int64_t a, int64_t b, int64_t c) {
    return a > 0 && b > 0 && c > 0 &&
           (double)a * (double)b * (double)c <= (double)FNN_MAX_SIZE;
}

/* The checks every kind shares: sizes, activation, dropout rate, and batch
 * norm or masking only where the kind allows them.  A kind's own check
 * starts with it, so its kernels need nothing from elsewhere. */
static inline int fnn_layer_common_ok(const fnn_layer *g, int kind, int batch_norm,
                                      int maskable) {
    return g != NULL && (int)g->kind == kind && fnn_fits3(g->h, g->w, g->c) &&
           fnn_fits3(g->oh, g->ow, g->oc) && (int)g->activation >= 0 &&
           (int)g->activation <= FNN_ACT_LAST && g->dropout >= 0 && g->dropout < 1 &&
           (batch_norm || !g->batch_norm) && (maskable || !g->masked);
}

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
    /* the values optimizers update: n_spans [start, end) pairs of the flat
     * buffer, in order (fnn_net_trainable_spans; NULL: all of it); their
     * state holds those values only, back to back */
    const int64_t *spans;
    int n_spans;
} fnn_net;

/* Optimizer settings and step count; the caller owns it across steps.
 * adamw is adam on the data gradient plus decoupled weight decay (alpha);
 * rmsprop and adagrad divide by the root of a running (rho) or total
 * average of squared gradients, plus epsilon. */
#define FNN_SOLVERS(X)                                                      \
    X(SGD, "sgd") X(ADAM, "adam") X(ADAMW, "adamw") X(RMSPROP, "rmsprop")   \
    X(ADAGRAD, "adagrad")
typedef enum {
#define FNN_X(suffix, name) FNN_ENUM_ENTRY(FNN_, suffix)
    FNN_SOLVERS(FNN_X)
#undef FNN_X
} fnn_solver;
enum { FNN_SOLVER_COUNT = 0 FNN_SOLVERS(FNN_COUNT_ONE) };
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

/* registry.c: FNN_OK when one layer's own sizes are positive, consistent
 * with its kind and small enough that no size product overflows (the
 * per-layer half of fnn_net_check). */
fnn_status fnn_layer_check(const fnn_layer *g);
/* net.c */
/* FNN_OK when every layer passes fnn_layer_check and they chain together. */
fnn_status fnn_net_check(const fnn_net *net);
int64_t fnn_net_n_params(const fnn_net *net);
int64_t fnn_net_n_coefs(const fnn_net *net);
/* The blocks of the flat buffer that are not frozen (the weights, biases
 * and batch norm blocks of layers whose `frozen` is 0), as [start, end)
 * pairs in buffer order, neighbours merged, into spans (room for 6
 * n_layers values); returns how many pairs, -1 for a bad net. */
int fnn_net_trainable_spans(int64_t *spans, const fnn_net *net);
/* The values those spans hold. */
int64_t fnn_net_n_trainable(const fnn_net *net);
/* The layout of the flat parameter buffer, defined here only: for layer
 * l, blocks[6 l .. 6 l + 5] = its weights' offset and count, its biases'
 * offset and count, its batch norm block's offset and count (counts 0
 * where it has none). */
fnn_status fnn_net_param_blocks(int64_t *blocks, const fnn_net *net);
/* One layer's share of that buffer: counts[0..2] = its weights, biases and
 * batch norm values. */
fnn_status fnn_layer_param_counts(int64_t *counts, const fnn_layer *g);
/* Bytes of scratch (fnn_ctx) that any pass of the network on n_threads
 * threads can use: per-thread copies of the largest layer's weights and
 * biases, and batch norm's sums. */
int64_t fnn_net_scratch_bytes(const fnn_net *net, int n_threads);
/* Elements of workspace that fnn_net_forward, _loss_grad and _train_step
 * need for n rows on n_threads threads (training splits a batch's rows
 * across threads, each band with its own gradient block). */
int64_t fnn_net_workspace_size(const fnn_net *net, int64_t n, int n_threads);

/* Elements of optimizer state for n_params parameters. */
int64_t fnn_optim_state_size(const fnn_optim *opt, int64_t n_params);
/* After an update: adam and adamw count their steps (bias correction). */
void fnn_optim_count_step(fnn_optim *opt);

/* gather.c: the CSR structure of a mini-batch of rows. */
fnn_status fnn_gather_csr_index(int32_t *out_indptr, int32_t *out_indices,
                                int64_t *src_pos, const int32_t *indptr,
                                const int32_t *indices, const int64_t *rows,
                                int64_t n, int64_t n_src, int64_t cap);

/* gemm_bf16.c: C (M x N, row-major) = alpha op(A) op(B) + beta C with A
 * and B rounded to bfloat16, float32 sums, on n_threads; FNN_ERR_ARG
 * where fnn_bf16_supported() is 0 (no AVX512-BF16, or a build without
 * the kernel). */
int fnn_bf16_supported(void);
fnn_status fnn_gemm_bf16(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K,
                         float alpha, const float *A, int64_t lda, const float *B,
                         int64_t ldb, float beta, float *C, int64_t ldc, int n_threads);

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
