"""Saving and loading fastnn models with skops, without pickle.

Loading a pickle runs whatever code the file names, so a pickle from
anyone but yourself is a program you run.  `skops.io` stores a model as
arrays and plain values plus the names of the types to rebuild, and
refuses a file that names a type the caller has not said they trust.
This module is skops with fastnn's types trusted (``TRUSTED_TYPES``):
``dump`` writes a file that ``load`` accepts, and ``load`` refuses any
file that needs more.

What a fitted fastnn model holds, as skops sees it (what
``skops.io.get_untrusted_types`` reports for its file):

- the estimator's own class, e.g. ``fastnn.mlp.MLPClassifier``;
- the layer classes of its ``layers`` parameter, e.g.
  ``fastnn.layers.Dense`` (each is rebuilt through its constructor, so
  its checks run on load);
- ``fastnn.callbacks.ReduceLROnPlateau`` where it is a callback;
- ``fastnn.transfer.Pretrained`` (a layer holding a fitted fastnn
  estimator, itself trusted) and ``fastnn.transfer.NetTransformer``.

Nothing else: the engine's buffer and networks are rebuilt from
``coefs_``, ``intercepts_`` and ``batch_norm_`` on load, and the layer
specs and the solver's state are saved as plain dicts and arrays
(``__getstate__`` in fastnn/_base.py), each checked when it is read back.
The classifiers' ``LabelBinarizer`` is a scikit-learn estimator and the
``numpy.random.RandomState`` a fit keeps has a loader of skops's own, both
trusted by skops already, so no scikit-learn or NumPy name is added.

``fastnn.callbacks.ModelCheckpoint`` is left out on purpose: it holds a
path that the next fit writes to, so a doctored file could make a later
fit overwrite any file.  A model with one (or with a callback of your own)
is refused by ``dump``; set ``callbacks=None`` before saving, or save it
with ``skops.io.dump`` and pass its type in ``trusted`` when loading.

The module is named for what it does rather than for skops, so that the
same entry points can stay if another safe format is added.  It needs
skops (``pip install skops``, or ``pip install -e ".[skops]"`` in a checkout);
``import fastnn`` does not import
it.
"""
try:
    import skops.io as _skops_io
except ImportError:  # an optional dependency: say how to get it
    raise ImportError('fastnn.persistence needs skops: pip install skops (in a fastnn '
                      'checkout: pip install -e ".[skops]").') from None

from . import layers as _layers
from .autoencoder import AutoencoderTransformer
from .callbacks import ReduceLROnPlateau
from .conv import ConvClassifier, ConvRegressor
from .mlp import MLPClassifier, MLPRegressor
from .net import NetClassifier, NetRegressor
from .rnn import RNNClassifier, RNNRegressor
from .text import SequenceVectorizer
from .transformer import TransformerClassifier, TransformerRegressor
from .transfer import NetTransformer, Pretrained

__all__ = ["TRUSTED_TYPES", "dump", "load"]


def _type_name(cls):
    return cls.__module__ + "." + cls.__qualname__


def _public_layer_classes():
    """Every layer a user can put in ``layers`` (the public classes of
    fastnn.layers), so that a new one is trusted as soon as it exists."""
    return [cls for name, cls in vars(_layers).items()
            if isinstance(cls, type) and issubclass(cls, _layers.Layer)
            and cls is not _layers.Layer and not name.startswith("_")]


#: The fully qualified names of the types ``load`` trusts besides skops's
#: defaults: fastnn's estimators, the public layer classes and
#: ``ReduceLROnPlateau``.  A tuple, not a list: a shared list that any
#: caller could extend would widen what every later load trusts.
TRUSTED_TYPES = tuple(sorted(_type_name(cls) for cls in [
    # the estimators: hyperparameters and fitted arrays, nothing callable
    MLPClassifier, MLPRegressor, ConvClassifier, ConvRegressor, RNNClassifier,
    RNNRegressor, TransformerClassifier, TransformerRegressor, NetClassifier, NetRegressor,
    AutoencoderTransformer, SequenceVectorizer,
    # the values of a `layers` parameter, rebuilt through their constructors
    # (Pretrained's checks that it holds a fitted fastnn estimator)
    *_public_layer_classes(), Pretrained, NetTransformer,
    # numbers only; ModelCheckpoint is left out (see the module's docstring)
    ReduceLROnPlateau,
]))


def _trusted_list(trusted):
    """TRUSTED_TYPES plus the caller's extra types, as skops takes them."""
    if trusted is None:
        return list(TRUSTED_TYPES)
    if isinstance(trusted, (str, type)):
        trusted = [trusted]
    if not isinstance(trusted, (list, tuple)):
        raise TypeError("trusted must be None or a list of type names (or types) to trust "
                        "besides fastnn's, got %r." % (trusted,))
    return list(TRUSTED_TYPES) + list(trusted)


def dump(estimator, file):
    """Save a fastnn estimator (or a Pipeline of them) in skops's format.

    The file holds arrays and plain values; ``load`` rebuilds the model
    without running code named by the file.  An object that ``load``
    would refuse (a callback of your own, a ModelCheckpoint, a type from
    another library that skops does not trust) is refused here, before
    anything is written.

    Parameters
    ----------
    estimator : object
        The estimator to save, fitted or not.
    file : str, path-like or binary file object
        Where to write (by convention a ``.skops`` file).

    Returns
    -------
    None

    Raises
    ------
    TypeError
        If the saved object would name types outside ``TRUSTED_TYPES``
        and skops's own trusted types.

    See Also
    --------
    load : Read a model that ``dump`` wrote.
    skops.io.dump : The writer underneath, for objects that need other
        types trusted.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from fastnn import MLPClassifier
    >>> from fastnn.persistence import dump, load
    >>> X, y = load_iris(return_X_y=True)
    >>> model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=300, random_state=0).fit(X, y)
    >>> buffer = io.BytesIO()
    >>> dump(model, buffer)
    >>> _ = buffer.seek(0)
    >>> np.array_equal(load(buffer).predict(X), model.predict(X))
    True
    """
    data = _skops_io.dumps(estimator)
    untrusted = sorted(set(_skops_io.get_untrusted_types(data=data)) - set(TRUSTED_TYPES))
    if untrusted:
        raise TypeError(
            "fastnn.persistence.load would refuse this object: it holds %s, which fastnn "
            "does not trust by default.  Remove them (e.g. callbacks=None), or save with "
            "skops.io.dump and load with load(file, trusted=[...]) after reviewing them."
            % ", ".join(untrusted))
    if hasattr(file, "write"):
        file.write(data)
    else:
        with open(file, "wb") as f:
            f.write(data)


def load(file, *, trusted=None):
    """Load a model saved by ``dump`` (or ``skops.io.dump``), trusting only
    fastnn's types and those skops trusts by default.

    Parameters
    ----------
    file : str, path-like or binary file object
        The skops file to read.
    trusted : list of str or type, default=None
        Types to trust besides ``TRUSTED_TYPES``, by fully qualified name
        (as ``skops.io.get_untrusted_types`` reports them) or as the type.
        Review a type before you trust it: loading one may run its code.

    Returns
    -------
    estimator : object
        The model as it was saved: it predicts the same values and goes on
        training (``partial_fit``, ``warm_start``) as the original would.

    Raises
    ------
    skops.io.exceptions.UntrustedTypesFoundException
        If the file names a type that is not trusted; nothing of the file
        is built.

    See Also
    --------
    dump : Save a model for this function.
    skops.io.get_untrusted_types : What a file would need trusted.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> from fastnn import NetRegressor
    >>> from fastnn.layers import Dense
    >>> from fastnn.persistence import dump, load
    >>> X = np.linspace(0, 1, 40).reshape(-1, 2)
    >>> model = NetRegressor([Dense(4)], max_iter=5, random_state=0).fit(X, X.sum(axis=1))
    >>> buffer = io.BytesIO()
    >>> dump(model, buffer)
    >>> _ = buffer.seek(0)
    >>> np.array_equal(load(buffer).predict(X), model.predict(X))
    True
    """
    return _skops_io.load(file, trusted=_trusted_list(trusted))
