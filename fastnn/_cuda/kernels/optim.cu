/* The optimizer steps (the CPU engine's optim.inc), an element per
 * thread, over one range of the flat parameter buffer: the caller
 * launches one per trainable range, weights (with decay, the L2 term)
 * apart from biases (decay 0).  The gradient used is
 * g = scale * (grad + decay * p).  Included once per dtype by kernels.cu. */

/* sgd with momentum mu (nesterov: the look-ahead form) */
FNN_KERNEL FNN_FN(sgd_step)(fnn_real *params, fnn_real *vel, const fnn_real *grad,
                            fnn_i64 n, fnn_real decay, fnn_real scale, fnn_real lr,
                            fnn_real mu, int nesterov) {
    FNN_EACH(i, n) {
        const fnn_real p = params[i];
        const fnn_real g = scale * (grad[i] + decay * p);
        const fnn_real v = mu * vel[i] - lr * g;
        vel[i] = v;
        params[i] = p + (nesterov ? mu * v - lr * g : v);
    }
}

/* adam, and adamw with wd = learning_rate * weight decay (0 for adam):
 * p - wd p - lr_t m / (sqrt(v) + eps), lr_t bias-corrected by the caller */
FNN_KERNEL FNN_FN(adam_step)(fnn_real *params, fnn_real *m, fnn_real *v, const fnn_real *grad,
                             fnn_i64 n, fnn_real decay, fnn_real scale, fnn_real lr_t,
                             fnn_real b1, fnn_real b2, fnn_real eps, fnn_real wd) {
    FNN_EACH(i, n) {
        const fnn_real p = params[i];
        const fnn_real g = scale * (grad[i] + decay * p);
        const fnn_real mi = b1 * m[i] + (1 - b1) * g;
        const fnn_real vi = b2 * v[i] + (1 - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        params[i] = (p - wd * p) - lr_t * mi / (FNN_SQRT(vi) + eps);
    }
}

/* rmsprop (keep = rho, add = 1 - rho) and adagrad (keep = add = 1):
 * v = keep v + add g^2; p -= lr g / (sqrt(v) + eps) */
FNN_KERNEL FNN_FN(rms_step)(fnn_real *params, fnn_real *v, const fnn_real *grad, fnn_i64 n,
                            fnn_real decay, fnn_real scale, fnn_real lr, fnn_real keep,
                            fnn_real add, fnn_real eps) {
    FNN_EACH(i, n) {
        const fnn_real p = params[i];
        const fnn_real g = scale * (grad[i] + decay * p);
        const fnn_real vi = keep * v[i] + add * g * g;
        v[i] = vi;
        params[i] = p - lr * g / (FNN_SQRT(vi) + eps);
    }
}
