"""Convolutional networks for images: ConvClassifier and ConvRegressor.

Blocks of convolution + activation + pooling, then a dense head, trained by
the same machinery (solvers, schedules, early stopping, partial_fit...) as
the MLPs.  Images enter as (n, h, w), (n, c, h, w) or flat rows; inside,
the engine works on NHWC rows.
"""
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._network import conv_layer, dense_layers, pool_layer
from ._shaped_input import ShapedInputMixin
from ._tasks import ClassifierNetwork, RegressorNetwork


# Activations that never decrease: max(f(a), f(b)) = f(max(a, b)).  Not
# gelu: it dips below 0 (minimum near z = -0.75), so max-pooling after it
# is not the same as before it.
MONOTONE = frozenset({"identity", "logistic", "tanh", "relu", "leaky_relu", "elu", "softplus"})


def _pair(value, name):
    """An int or a pair of ints -> a pair of positive ints."""
    pair = (value, value) if isinstance(value, Integral) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, Integral) and v >= 1 for v in pair):
        raise ValueError("%s must be a positive int or a pair of them, got %r" % (name, value))
    return tuple(int(v) for v in pair)


class ConvMixin(ShapedInputMixin):
    """What the conv estimators add to a network: reading images and
    building the conv/pool blocks and the dense head."""

    _parameter_constraints: dict = {
        "filters": ["array-like", Interval(Integral, 1, None, closed="left")],
        "kernel_size": ["array-like", Interval(Integral, 1, None, closed="left")],
        "strides": ["array-like", Interval(Integral, 1, None, closed="left")],
        "padding": [StrOptions({"same", "valid"})],
        "pool_size": ["array-like", Interval(Integral, 1, None, closed="left")],
        "pooling": [StrOptions({"max", "avg"})],
        "input_shape": [None, "array-like"],
    }

    # ---- reading images ---------------------------------------------------
    def _image_shape(self, X):
        """(h, w, c) of the images in validated X, by the rules in the
        class docstring."""
        if X.ndim in (3, 4) and self.input_shape is not None:
            given = tuple(int(v) for v in self.input_shape)
            actual = X.shape[1:] if X.ndim == 4 else (1,) + X.shape[1:]
            if given not in (actual, actual[1:]):
                raise ValueError("input_shape=%r disagrees with images shaped %r (c, h, w)."
                                 % (self.input_shape, actual))
        if X.ndim == 4:
            return X.shape[2], X.shape[3], X.shape[1]
        if X.ndim == 3:
            return X.shape[1], X.shape[2], 1
        if X.ndim != 2:
            raise ValueError("Expected images as (n, h, w), (n, c, h, w) or flat rows "
                             "(n, c*h*w); got an array of shape %r." % (X.shape,))
        n_features = X.shape[1]
        if self.input_shape is not None:
            shape = tuple(int(v) for v in self.input_shape)
            if len(shape) == 2:
                shape = (1,) + shape
            if len(shape) != 3 or min(shape) < 1 or np.prod(shape) != n_features:
                raise ValueError(
                    "input_shape=%r does not fit rows of %d values: expected (c, h, w) "
                    "with c*h*w == %d." % (self.input_shape, n_features, n_features))
            c, h, w = shape
            return h, w, c
        side = int(round(np.sqrt(n_features)))
        if side * side == n_features:
            return side, side, 1
        # Any other length is a one-pixel-high strip (a 1-D signal); the
        # pooling windows are clipped to its height of one.
        return 1, n_features, 1

    def _engine_rows(self, X, reset):
        """Validated images -> NHWC rows.  At fit time the image shape is
        learned; at predict time it must be the same."""
        shape = self._image_shape(X)
        if reset:
            self._image_hwc = shape
        elif shape != self._image_hwc:
            raise ValueError("X holds images of shape (h, w, c) = %r; the model was "
                             "fitted on %r." % (shape, self._image_hwc))
        h, w, c = shape
        if X.ndim == 2 and c > 1:
            X = X.reshape(-1, c, h, w)
        if X.ndim == 4:
            X = X.transpose(0, 2, 3, 1)  # NCHW -> NHWC
        return np.ascontiguousarray(X, dtype=X.dtype).reshape(X.shape[0], h * w * c)

    # ---- the layers ---------------------------------------------------------
    def _layer_specs(self, n_features, n_outputs):
        h, w, c = self._image_hwc
        filters = self.filters
        filters = [filters] if isinstance(filters, Integral) else list(filters)
        if not filters:
            raise ValueError("filters must name at least one conv layer; for no conv "
                             "layers use MLPClassifier / MLPRegressor.")
        kernel = _pair(self.kernel_size, "kernel_size")
        stride = _pair(self.strides, "strides")
        pool = _pair(self.pool_size, "pool_size")
        specs = []
        for block, f in enumerate(filters, 1):
            if not (isinstance(f, Integral) and f >= 1):
                raise ValueError("filters must be positive ints, got %r" % (self.filters,))
            # max pooling commutes with a non-decreasing activation, so the
            # activation is applied after the pool: a quarter of the values,
            # and no pass over the big conv output (same network, same
            # gradients)
            # (not with batch norm, which comes before the activation and
            # may flip the order with a negative scale)
            moved = (self.pooling == "max" and pool != (1, 1) and self.activation in MONOTONE
                     and not self.batch_norm)
            conv = conv_layer(h, w, c, int(f), kernel, stride, self.padding,
                              "identity" if moved else self.activation)
            self._check_fits(block, "conv %dx%d (%s)" % (kernel + (self.padding,)), (h, w, c),
                             conv)
            specs.append(conv)
            conv["hidden"] = pool == (1, 1)  # a block's output is hidden
            h, w, c = conv["oh"], conv["ow"], conv["oc"]
            if pool != (1, 1):
                kind = "maxpool" if self.pooling == "max" else "avgpool"
                layer = pool_layer(kind, h, w, c, pool, self.activation if moved else "identity")
                specs.append(dict(layer, hidden=True))
                h, w, c = layer["oh"], layer["ow"], layer["oc"]
        return specs + dense_layers([h * w * c] + self._hidden_sizes() + [n_outputs],
                                    self.activation)

    def _check_fits(self, block, what, shape, spec):
        if spec["oh"] < 1 or spec["ow"] < 1:
            hint = ""
            if self._image_hwc[1] in (1, 3):
                hint = ("  (4-D input is read channels first, (n, c, h, w); for "
                        "channels-last images pass X.transpose(0, 3, 1, 2).)")
            raise ValueError(
                "The images (h, w, c) = %r are too small for this network: block %d's "
                "%s receives a %dx%dx%d input and would output %dx%d.  Use bigger "
                "images, padding='same', a smaller kernel_size or pool_size, or fewer "
                "filters blocks.%s" % ((self._image_hwc, block, what) + tuple(shape)
                                       + (spec["oh"], spec["ow"], hint)))


_CONV_DOC = """{title}

    Blocks of ``Conv2D(filters[i], kernel_size, strides, padding)`` ->
    ``activation`` -> ``{{max, avg}}pool(pool_size)`` (pooling stride = pool
    size; ``pool_size=1`` for none; a window larger than its input is
    clipped to the input's extent), then a dense head of
    ``hidden_layer_sizes`` -> {out}.

    Input: ``(n, h, w)``, ``(n, c, h, w)``, or flat rows ``(n, c*h*w)`` with
    ``input_shape=(c, h, w)``; a flat row whose length is a perfect square is
    read as one square channel (64 -> 8x8, 784 -> 28x28), any other length
    as a one-pixel-high strip (a 1-D signal, pooled along its length), so
    scikit-learn transformers can precede the estimator in a Pipeline.
    Float input trains in its own dtype; integer and bool input (uint8
    images) in float32, at about twice float64's speed.

    Every training parameter and fitted attribute is the MLP's (solvers,
    schedules, early stopping, partial_fit, warm_start, sample_weight,
    ``loss_curve_``, ``coefs_`` with conv kernels shaped ``(kh, kw, c,
    filters)``...), with the same defaults except ``hidden_layer_sizes``.
    ``n_features_in_`` counts one image's values (h*w*c) whatever form X
    came in; ``n_layers_`` counts the input and every conv, pool and dense
    layer.

    Solvers include 'adamw' (alpha is then the decoupled weight decay),
    'rmsprop' and 'adagrad', and ``learning_rate='cosine'`` and
    ``warmup_epochs`` give a cosine schedule and a linear warm-up, as for
    MLPClassifier; so do ``dropout`` (one rate, or one per hidden layer:
    each conv block's output (after its pool), then each dense hidden layer), ``batch_norm``, ``monitor``, ``class_weight``
    (classifier) and the attributes ``validation_loss_curve_`` and
    ``batch_norm_``.
"""


class ConvClassifier(ConvMixin, ClassifierNetwork):
    __doc__ = _CONV_DOC.format(title="Convolutional network classifier.",
                               out="softmax (or logistic units) over the classes")

    _parameter_constraints: dict = {**ClassifierNetwork._parameter_constraints,
                                    **ConvMixin._parameter_constraints}

    def __init__(self, filters=(32, 64), kernel_size=3, strides=1, padding="same",
                 pool_size=2, pooling="max", hidden_layer_sizes=(128,), activation="relu",
                 input_shape=None, *, solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 dropout=0.0, batch_norm=False, warmup_epochs=0, monitor="score",
                 class_weight=None, n_threads=None):
        self._store_params(locals())


class ConvRegressor(ConvMixin, RegressorNetwork):
    __doc__ = _CONV_DOC.format(title="Convolutional network regressor.",
                               out="identity outputs (exp for loss='poisson')")

    _parameter_constraints: dict = {**RegressorNetwork._parameter_constraints,
                                    **ConvMixin._parameter_constraints}

    def __init__(self, filters=(32, 64), kernel_size=3, strides=1, padding="same",
                 pool_size=2, pooling="max", hidden_layer_sizes=(128,), activation="relu",
                 input_shape=None, *, loss="squared_error", solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001,
                 power_t=0.5, max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 dropout=0.0, batch_norm=False, warmup_epochs=0, monitor="score", n_threads=None):
        self._store_params(locals())
