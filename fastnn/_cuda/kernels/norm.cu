/* Batch normalisation of a layer's output, per feature over the rows M
 * (samples, times pixels for a convolution), as the CPU engine's
 * norm.inc: stats is the layer's block of 3F values, gamma, running mean
 * and running variance; beta (F) the layer's bias, the shift.  The
 * features' sums come from column_sums (reduce.cu), in double.  Included
 * once per dtype by kernels.cu. */

/* Training, first half: from sums (2F: the features' sums of Y and of
 * Y^2), each feature's batch mean and variance into moments (2F, double),
 * inv (F) = 1 / sqrt(var + eps), and with update (3F, or NULL) the running
 * statistics moved towards the batch's (the variance unbiased).  A thread
 * per feature. */
FNN_KERNEL FNN_FN(batchnorm_moments)(double *moments, fnn_real *inv, fnn_real *update,
                                     const double *sums, fnn_i64 M, fnn_i64 F) {
    FNN_EACH(j, F) {
        const double mean = sums[j] / M;
        double var = sums[F + j] / M - mean * mean;
        if (var < 0) var = 0; /* rounding */
        moments[j] = mean;
        moments[F + j] = var;
        inv[j] = (fnn_real)(1 / sqrt(var + FNN_NORM_EPS));
        if (update) {
            const double m = FNN_NORM_MOMENTUM;
            update[F + j] = (fnn_real)((1 - m) * update[F + j] + m * mean);
            update[2 * F + j] = (fnn_real)((1 - m) * update[2 * F + j] +
                                           m * var * (M > 1 ? (double)M / (M - 1) : 1));
        }
    }
}

/* Training, second half: Y (M x F) normalised in place, then gamma * Yhat
 * + beta; Zh: Yhat, kept.  A thread per value. */
FNN_KERNEL FNN_FN(batchnorm_apply)(fnn_real *Y, fnn_real *Zh, const double *moments,
                                   const fnn_real *inv, const fnn_real *stats,
                                   const fnn_real *beta, fnn_i64 M, fnn_i64 F) {
    FNN_EACH(i, M * F) {
        const fnn_i64 j = i % F;
        const fnn_real z = (fnn_real)(Y[i] - moments[j]) * inv[j];
        Zh[i] = z;
        Y[i] = stats[j] * z + beta[j];
    }
}

/* Inference: Y normalised by the running statistics, scaled, shifted */
FNN_KERNEL FNN_FN(batchnorm_infer)(fnn_real *Y, const fnn_real *stats, const fnn_real *beta,
                                   fnn_i64 M, fnn_i64 F) {
    FNN_EACH(i, M * F) {
        const fnn_i64 j = i % F;
        const fnn_real scale = stats[j] / FNN_SQRT(stats[2 * F + j] + (fnn_real)FNN_NORM_EPS);
        Y[i] = (Y[i] - stats[F + j]) * scale + beta[j];
    }
}

/* Backward: dY in place, to the input's gradient, gamma inv / M (M dY -
 * sum dY - Yhat sum(dY Yhat)), the sums (2F) from column_sums.  A thread
 * per value. */
FNN_KERNEL FNN_FN(batchnorm_input_grad)(fnn_real *dY, const double *sums, const fnn_real *Zh,
                                        const fnn_real *inv, const fnn_real *stats,
                                        fnn_i64 M, fnn_i64 F) {
    FNN_EACH(i, M * F) {
        const fnn_i64 j = i % F;
        const fnn_real k = stats[j] * inv[j] / (fnn_real)M;
        dY[i] = k * ((fnn_real)M * dY[i] - (fnn_real)sums[j] - Zh[i] * (fnn_real)sums[F + j]);
    }
}

/* Backward through inference's normalisation (a frozen layer's) */
FNN_KERNEL FNN_FN(batchnorm_infer_back)(fnn_real *dY, const fnn_real *stats, fnn_i64 M,
                                        fnn_i64 F) {
    FNN_EACH(i, M * F) {
        const fnn_i64 j = i % F;
        dY[i] *= stats[j] / FNN_SQRT(stats[2 * F + j] + (fnn_real)FNN_NORM_EPS);
    }
}
