"""Convolutional networks for images: ConvClassifier and ConvRegressor.

Blocks of convolution + activation + pooling, then a dense head, trained by
the same machinery (solvers, schedules, early stopping, partial_fit...) as
the MLPs.  Images enter as (n, h, w), (n, c, h, w) or flat rows; inside,
the engine works on NHWC rows.
"""
from numbers import Integral

from sklearn.utils._param_validation import Interval, StrOptions

from . import layers
from ._docstrings import attributes_section, document
from ._network import conv_layer, pool_layer
from ._shaped_input import ShapedInputMixin, image_rows, image_shape
from ._tasks import ClassifierNetwork, RegressorNetwork


def _per_block(value, name, n_blocks, owner):
    """kernel_size, strides or pool_size as one pair per conv block: a
    list gives one entry (an int or a pair) per block; an int or a tuple
    (h, w) applies to every block."""
    if isinstance(value, list):
        if len(value) != n_blocks:
            raise ValueError("%s lists %d values for %d conv blocks; give one per block, or "
                             "one int or (h, w) tuple for all of them."
                             % (name, len(value), n_blocks))
        return [layers.pair(v, name, owner) for v in value]
    return [layers.pair(value, name, owner)] * n_blocks


class ConvMixin(ShapedInputMixin):
    """What the conv estimators add to a network: reading images and
    building the conv/pool blocks and the dense head."""

    _parameter_constraints: dict = {
        "filters": ["array-like", Interval(Integral, 1, None, closed="left")],
        "kernel_size": ["array-like", Interval(Integral, 1, None, closed="left")],
        "strides": ["array-like", Interval(Integral, 1, None, closed="left")],
        "padding": [StrOptions({"same", "valid"})],
        "pool_size": ["array-like", Interval(Integral, 1, None, closed="left")],
        "pooling": [StrOptions({"max", "avg"}), None],
        "input_shape": [None, "array-like"],
    }

    # ---- reading images ---------------------------------------------------
    def _engine_rows(self, X, reset):
        """Validated images -> NHWC rows.  At fit time the image shape is
        learned; at predict time it must be the same."""
        shape = image_shape(X, self.input_shape)
        if reset:
            self._image_hwc = shape
        elif shape != self._image_hwc:
            raise ValueError("X holds images of shape (h, w, c) = %r; the model was "
                             "fitted on %r." % (shape, self._image_hwc))
        return image_rows(X, shape)

    # ---- the layers ---------------------------------------------------------
    def _layers(self):
        filters = self.filters
        filters = [filters] if isinstance(filters, Integral) else list(filters)
        if not filters:
            raise ValueError("filters must name at least one conv layer; for no conv "
                             "layers use MLPClassifier / MLPRegressor.")
        if not all(isinstance(f, Integral) and f >= 1 for f in filters):
            raise ValueError("filters must be positive ints, got %r" % (self.filters,))
        owner = type(self).__name__
        kernels = _per_block(self.kernel_size, "kernel_size", len(filters), owner)
        strides = _per_block(self.strides, "strides", len(filters), owner)
        pools = _per_block(self.pool_size, "pool_size", len(filters), owner)
        if self.pooling is None:
            pools = [(1, 1)] * len(filters)
        Pool = layers.MaxPool2D if self.pooling == "max" else layers.AvgPool2D
        sizes = self._hidden_sizes()
        rates = self._dropout_rates(len(filters) + len(sizes))
        self._check_blocks_fit(filters, kernels, strides, pools)
        stack = []
        for f, kernel, stride, pool, rate in zip(filters, kernels, strides, pools, rates):
            stack.append(layers.Conv2D(int(f), kernel, stride, self.padding, self.activation))
            if self.batch_norm:
                stack.append(layers.BatchNorm())
            if pool != (1, 1):
                stack.append(Pool(pool))
            if rate:  # on the block's output, after its pool
                stack.append(layers.Dropout(rate))
        return stack + [layers.Flatten()] + self._dense_head(sizes, rates[len(filters):])

    def _layer_input(self, n_features):
        return ("image",) + tuple(self._image_hwc)

    def _check_blocks_fit(self, filters, kernels, strides, pools):
        """The blocks' sizes, block by block, for an error that names them."""
        h, w, c = self._image_hwc
        for block, (f, kernel, stride, pool) in enumerate(zip(filters, kernels, strides, pools),
                                                         1):
            conv = conv_layer(h, w, c, int(f), kernel, stride, self.padding, "identity")
            self._check_fits(block, "conv %dx%d (%s)" % (kernel + (self.padding,)), (h, w, c),
                             conv)
            h, w, c = conv.oh, conv.ow, conv.oc
            if pool != (1, 1):
                layer = pool_layer("maxpool", h, w, c, pool)
                h, w, c = layer.oh, layer.ow, layer.oc

    def _check_fits(self, block, what, shape, spec):
        if spec.oh < 1 or spec.ow < 1:
            hint = ""
            if self._image_hwc[1] in (1, 3):
                hint = ("  (4-D input is read channels first, (n, c, h, w); for "
                        "channels-last images pass X.transpose(0, 3, 1, 2).)")
            raise ValueError(
                "The images (h, w, c) = %r are too small for this network: block %d's "
                "%s receives a %dx%dx%d input and would output %dx%d.  Use bigger "
                "images, padding='same', a smaller kernel_size or pool_size, or fewer "
                "filters blocks.%s" % ((self._image_hwc, block, what) + tuple(shape)
                                       + (spec.oh, spec.ow, hint)))


_CONV_DOC = """{title}

    Blocks of ``Conv2D(filters[i], kernel_size, strides, padding)`` ->
    ``activation`` -> ``{{max, avg}}pool(pool_size)`` (pooling stride = pool
    size; ``pool_size=1`` or ``pooling=None`` for none; a window larger than
    its input is clipped to the input's extent), then a dense head of
    ``hidden_layer_sizes`` -> {out}.  ``kernel_size``, ``strides`` and
    ``pool_size`` take an int or an ``(h, w)`` tuple for every block, or a
    list with one of those per block (``kernel_size=[5, 3]``: 5x5 in the
    first block, 3x3 in the second).  For other stacks, see NetClassifier.

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
                 class_weight=None, n_threads=None,
                 callbacks=None, device="cpu", precision=None):
        self._store_params(locals())


class ConvRegressor(ConvMixin, RegressorNetwork):
    __doc__ = _CONV_DOC.format(title="Convolutional network regressor.",
                               out="identity outputs (exp for loss='poisson'; loss may also be 'absolute_error' or 'huber', as for MLPRegressor)")

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
                 dropout=0.0, batch_norm=False, warmup_epochs=0, monitor="score", n_threads=None,
                 callbacks=None, device="cpu", precision=None):
        self._store_params(locals())


def _sections(classifier, task):
    return dict(attributes=attributes_section(
        classifier, per_sample=" (one image: h * w * c, whatever form X came in)",
        layer_count=", and every conv, pool and dense layer"),
        see_also=[("fastnn.MLP" + task, "Dense layers only, as scikit-learn's."),
                  ("fastnn.Net" + task, "Any stack of fastnn.layers (Conv2D, pools...)."),
                  ("fastnn.datasets.load_fashion_mnist", "Images to try it on.")])


document(ConvClassifier, ConvClassifier.__doc__, after="""
    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from fastnn import ConvClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> model = ConvClassifier(filters=(8,), max_iter=5, random_state=0)
    >>> model.fit(X.reshape(-1, 8, 8) / 16, y).coefs_[0].shape  # (kh, kw, c, filters)
    (3, 3, 1, 8)""", **_sections(True, "Classifier"))
document(ConvRegressor, ConvRegressor.__doc__, after="""
    Examples
    --------
    >>> import numpy as np
    >>> from fastnn import ConvRegressor
    >>> images = np.random.default_rng(0).random((50, 6, 6))
    >>> model = ConvRegressor(filters=(4,), max_iter=5, random_state=0)
    >>> model.fit(images, images.mean(axis=(1, 2))).predict(images[:2]).shape
    (2,)""", **_sections(False, "Regressor"))
