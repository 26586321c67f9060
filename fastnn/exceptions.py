"""fastnn's own warnings."""

__all__ = ["InconsistentVersionWarning"]


class InconsistentVersionWarning(UserWarning):
    """A model saved by another fastnn version was loaded.

    Its state may mean something else in this version (a changed default,
    a fixed bug), so check its predictions, or fit it again with this
    version.  As scikit-learn's warning of the same name, for fastnn's
    version.

    Parameters
    ----------
    estimator_name : str
        The loaded estimator's class name.
    current_fastnn_version : str
        The version doing the loading.
    original_fastnn_version : str or None
        The version that saved the model (None: one that did not record
        its version).

    See Also
    --------
    fastnn.persistence.load : Loads a model from a file, trusting only fastnn's types.

    Examples
    --------
    >>> import pickle, warnings
    >>> from fastnn import MLPClassifier
    >>> from fastnn.exceptions import InconsistentVersionWarning
    >>> state = MLPClassifier().__getstate__()
    >>> state["_fastnn_version"] = "0.0.1"
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     MLPClassifier().__setstate__(state)
    >>> caught[0].category is InconsistentVersionWarning
    True
    """

    def __init__(self, *, estimator_name, current_fastnn_version, original_fastnn_version):
        self.estimator_name = estimator_name
        self.current_fastnn_version = current_fastnn_version
        self.original_fastnn_version = original_fastnn_version

    def __str__(self):
        return ("Loading %s saved by fastnn %s with fastnn %s: its state may mean something "
                "else in this version. Check its predictions, or fit it again with fastnn %s."
                % (self.estimator_name, self.original_fastnn_version or "(an unrecorded version)",
                   self.current_fastnn_version, self.current_fastnn_version))
