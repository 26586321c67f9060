"""The C engine's declarations (src_c/fastnn.h), for _engine.pyx."""
from libc.stdint cimport int32_t, int64_t, uint64_t

ctypedef fused real:
    float
    double

cdef extern from "fastnn.h" nogil:
    ctypedef enum fnn_status:
        FNN_OK
        FNN_ERR_ARG
        FNN_ERR_NONFINITE
    # The named lists (activations, outputs, layer kinds, cells, solvers)
    # are numbers here: _engine.pyx reads their names from the engine
    # (fnn_name), so they are written once, in fastnn.h.
    double FNN_LEAKY_SLOPE
    double FNN_NORM_EPS
    double FNN_NORM_MOMENTUM
    ctypedef int fnn_activation
    ctypedef int fnn_output
    ctypedef int fnn_solver
    ctypedef int fnn_layer_kind
    ctypedef int fnn_cell
    ctypedef void (*fnn_sgemm_fn)(char*, char*, int*, int*, int*, float*,
                                  float*, int*, float*, int*, float*, float*,
                                  int*) noexcept nogil
    ctypedef void (*fnn_dgemm_fn)(char*, char*, int*, int*, int*, double*,
                                  double*, int*, double*, int*, double*,
                                  double*, int*) noexcept nogil
    ctypedef void (*fnn_sgemv_fn)(char*, int*, int*, float*, float*, int*, float*, int*,
                                  float*, float*, int*) noexcept nogil
    ctypedef void (*fnn_dgemv_fn)(char*, int*, int*, double*, double*, int*, double*, int*,
                                  double*, double*, int*) noexcept nogil
    ctypedef struct fnn_ctx:
        int n_threads
        fnn_sgemm_fn sgemm
        fnn_dgemm_fn dgemm
        fnn_sgemv_fn sgemv
        fnn_dgemv_fn dgemv
        void *scratch
        int64_t scratch_bytes
        int bf16
    ctypedef struct fnn_csr:
        const void *data
        const int32_t *indptr
        const int32_t *indices
    ctypedef struct fnn_layer:
        fnn_layer_kind kind
        int64_t h, w, c, oh, ow, oc, kh, kw, sh, sw, ph, pw
        fnn_activation activation
        fnn_cell cell
        int64_t dirs
        double dropout
        int batch_norm
        int64_t vocab
        int masked
        int64_t src, src_at, heads
        int causal
        int frozen
    ctypedef struct fnn_net:
        int n_layers
        const fnn_layer *layers
        fnn_output output
        const int64_t *spans
        int n_spans
    ctypedef struct fnn_optim:
        fnn_solver solver
        double learning_rate
        double alpha
        double momentum
        int nesterov
        double beta_1, beta_2, epsilon
        double rho
        int64_t t
        double clip_norm

    uint64_t fnn_mix64(uint64_t x)
    int fnn_max_threads()
    int fnn_num_procs()
    int fnn_has_openmp()
    int fnn_bf16_supported()
    fnn_status fnn_gemm_bf16(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K,
                             float alpha, const float *A, int64_t lda, const float *B,
                             int64_t ldb, float beta, float *C, int64_t ldc,
                             int n_threads) noexcept nogil
    fnn_status fnn_layer_check(const fnn_layer *g)
    fnn_status fnn_net_check(const fnn_net *net)
    fnn_status fnn_layer_param_counts(int64_t *counts, const fnn_layer *g)
    int64_t fnn_net_n_params(const fnn_net *net)
    int64_t fnn_net_n_coefs(const fnn_net *net)
    int fnn_net_trainable_spans(int64_t *spans, const fnn_net *net)
    int64_t fnn_net_n_trainable(const fnn_net *net)
    fnn_status fnn_net_param_blocks(int64_t *blocks, const fnn_net *net)
    int64_t fnn_net_workspace_size(const fnn_net *net, int64_t n, int n_threads)
    int64_t fnn_net_scratch_bytes(const fnn_net *net, int n_threads)
    ctypedef struct fnn_layer_ops:
        int64_t (*weight_count)(const fnn_layer *g) noexcept nogil
        int64_t (*bias_count)(const fnn_layer *g) noexcept nogil
        int64_t (*kept_size)(const fnn_layer *g) noexcept nogil
    const fnn_layer_ops *fnn_layer_ops_of(int kind)
    const char *fnn_name(int table, int i)
    int64_t fnn_cell_gates(int cell)
    int64_t fnn_optim_state_size(const fnn_optim *opt, int64_t n_params)
    fnn_status fnn_gather_csr_index(int32_t *out_indptr, int32_t *out_indices,
                                    int64_t *src_pos, const int32_t *indptr,
                                    const int32_t *indices,
                                    const int64_t *rows, int64_t n,
                                    int64_t n_src, int64_t cap)

    # float and double twins of every kernel
    fnn_status fnn_gemm_f32(int, int, int64_t, int64_t, int64_t, float,
                            const float*, int64_t, const float*, int64_t,
                            float, float*, int64_t, const fnn_ctx*)
    fnn_status fnn_gemm_f64(int, int, int64_t, int64_t, int64_t, double,
                            const double*, int64_t, const double*, int64_t,
                            double, double*, int64_t, const fnn_ctx*)
    fnn_status fnn_dense_forward_f32(float*, const float*, const float*,
                                     const float*, int64_t, int64_t, int64_t,
                                     const fnn_ctx*)
    fnn_status fnn_dense_forward_f64(double*, const double*, const double*,
                                     const double*, int64_t, int64_t, int64_t,
                                     const fnn_ctx*)
    fnn_status fnn_dense_backward_f32(float*, float*, float*, const float*,
                                      const float*, const float*, int64_t,
                                      int64_t, int64_t, const fnn_ctx*)
    fnn_status fnn_dense_backward_f64(double*, double*, double*,
                                      const double*, const double*,
                                      const double*, int64_t, int64_t,
                                      int64_t, const fnn_ctx*)
    fnn_status fnn_activation_forward_f32(float*, int64_t, fnn_activation,
                                          const fnn_ctx*)
    fnn_status fnn_activation_forward_f64(double*, int64_t, fnn_activation,
                                          const fnn_ctx*)
    fnn_status fnn_activation_backward_f32(float*, const float*, const float*,
                                           int64_t, fnn_activation,
                                           const fnn_ctx*)
    fnn_status fnn_activation_backward_f64(double*, const double*,
                                           const double*, int64_t,
                                           fnn_activation, const fnn_ctx*)
    fnn_status fnn_activation_backward_from_input_f32(
        float*, const float*, const float*, int64_t, fnn_activation,
        const fnn_ctx*)
    fnn_status fnn_activation_backward_from_input_f64(
        double*, const double*, const double*, int64_t, fnn_activation,
        const fnn_ctx*)
    fnn_status fnn_output_forward_f32(float*, int64_t, int64_t, fnn_output,
                                      const fnn_ctx*)
    fnn_status fnn_output_forward_f64(double*, int64_t, int64_t, fnn_output,
                                      const fnn_ctx*)
    fnn_status fnn_loss_f32(double*, float*, const float*, const float*,
                            const float*, int64_t, int64_t, fnn_output,
                            const fnn_ctx*)
    fnn_status fnn_loss_f64(double*, double*, const double*, const double*,
                            const double*, int64_t, int64_t, fnn_output,
                            const fnn_ctx*)
    fnn_status fnn_optim_step_f32(float*, float*, double*, const float*,
                                  int64_t, int64_t, const int64_t*, int, double,
                                  fnn_optim*, const fnn_ctx*)
    fnn_status fnn_optim_step_f64(double*, double*, double*, const double*,
                                  int64_t, int64_t, const int64_t*, int, double,
                                  fnn_optim*, const fnn_ctx*)
    fnn_status fnn_gather_rows_f32(float*, const float*, const int64_t*,
                                   int64_t, int64_t, int64_t, const fnn_ctx*)
    fnn_status fnn_gather_rows_f64(double*, const double*, const int64_t*,
                                   int64_t, int64_t, int64_t, const fnn_ctx*)
    fnn_status fnn_gather_values_f32(float*, const float*, const int64_t*,
                                     int64_t, int64_t)
    fnn_status fnn_gather_values_f64(double*, const double*, const int64_t*,
                                     int64_t, int64_t)
    fnn_status fnn_net_forward_f32(float*, float*, const float*, const float*,
                                   const fnn_csr*, int64_t, int64_t, int64_t,
                                   const fnn_net*, const fnn_ctx*)
    fnn_status fnn_net_forward_f64(double*, double*, const double*,
                                   const double*, const fnn_csr*, int64_t,
                                   int64_t, int64_t, const fnn_net*,
                                   const fnn_ctx*)
    fnn_status fnn_net_loss_grad_f32(double*, float*, float*, const float*,
                                     const float*, const fnn_csr*,
                                     const float*, const float*, int64_t,
                                     int64_t, int64_t, uint64_t,
                                     const fnn_net*, const fnn_ctx*)
    fnn_status fnn_net_loss_grad_f64(double*, double*, double*,
                                     const double*, const double*,
                                     const fnn_csr*, const double*,
                                     const double*, int64_t, int64_t,
                                     int64_t, uint64_t, const fnn_net*,
                                     const fnn_ctx*)
    fnn_status fnn_net_train_step_f32(double*, double*, float*, float*,
                                      float*, float*, const float*,
                                      const fnn_csr*, const float*,
                                      const float*, int64_t, int64_t,
                                      int64_t, int64_t, double, uint64_t,
                                      const fnn_net*, fnn_optim*,
                                      const fnn_ctx*)
    fnn_status fnn_net_train_step_f64(double*, double*, double*, double*,
                                      double*, double*, const double*,
                                      const fnn_csr*, const double*,
                                      const double*, int64_t, int64_t,
                                      int64_t, int64_t, double, uint64_t,
                                      const fnn_net*, fnn_optim*,
                                      const fnn_ctx*)
    fnn_status fnn_conv_forward_f32(float*, float*, const float*, const float*,
                                    const float*, int64_t, const fnn_layer*,
                                    const fnn_ctx*)
    fnn_status fnn_conv_forward_f64(double*, double*, const double*,
                                    const double*, const double*, int64_t,
                                    const fnn_layer*, const fnn_ctx*)
    fnn_status fnn_conv_backward_f32(float*, float*, float*, float*,
                                     const float*, const float*, const float*,
                                     int64_t, const fnn_layer*, const fnn_ctx*)
    fnn_status fnn_conv_backward_f64(double*, double*, double*, double*,
                                     const double*, const double*,
                                     const double*, int64_t, const fnn_layer*,
                                     const fnn_ctx*)
    fnn_status fnn_im2col_f32(float*, const float*, int64_t, const fnn_layer*,
                              const fnn_ctx*)
    fnn_status fnn_im2col_f64(double*, const double*, int64_t, const fnn_layer*,
                              const fnn_ctx*)
    fnn_status fnn_recurrent_forward_f32(float*, float*, const float*,
                                         const float*, const float*, const float*,
                                         int64_t, const fnn_layer*, const fnn_ctx*)
    fnn_status fnn_recurrent_forward_f64(double*, double*, const double*,
                                         const double*, const double*, const double*,
                                         int64_t, const fnn_layer*, const fnn_ctx*)
    fnn_status fnn_recurrent_infer_f32(float*, float*, const float*,
                                       const float*, const float*, const float*,
                                       int64_t, const fnn_layer*, const fnn_ctx*)
    fnn_status fnn_recurrent_infer_f64(double*, double*, const double*,
                                       const double*, const double*, const double*,
                                       int64_t, const fnn_layer*, const fnn_ctx*)
    fnn_status fnn_recurrent_backward_f32(float*, float*, float*, float*,
                                          const float*, const float*,
                                          const float*, const float*, int64_t,
                                          const fnn_layer*, const fnn_ctx*)
    fnn_status fnn_recurrent_backward_f64(double*, double*, double*, double*,
                                          const double*, const double*,
                                          const double*, const double*, int64_t,
                                          const fnn_layer*, const fnn_ctx*)
    fnn_status fnn_pool_forward_f32(float*, const float*, int64_t,
                                    const fnn_layer*, const fnn_ctx*)
    fnn_status fnn_pool_forward_f64(double*, const double*, int64_t,
                                    const fnn_layer*, const fnn_ctx*)
    fnn_status fnn_pool_backward_f32(float*, const float*, const float*,
                                     int64_t, const fnn_layer*, const fnn_ctx*)
    fnn_status fnn_pool_backward_f64(double*, const double*, const double*,
                                     int64_t, const fnn_layer*, const fnn_ctx*)


# fnn_*_f32 / fnn_*_f64 behind one name over `real`
include "_float_double.pxi"

# The engine's context, layer and solver structs made from Python values,
# defined in _engine.pyx and shared with the tests' kernel extension
# (tests/kernels), so both follow one thread policy.
cdef check(fnn_status status)
cdef fnn_ctx make_ctx(int n_threads)
cdef fnn_ctx with_scratch(fnn_ctx ctx, unsigned char[::1] scratch)
cdef fnn_optim make_optim(settings) except *
cdef fnn_layer make_layer(spec) except *
