"""Which reduced precisions this CPU runs (the estimators' precision)."""
from . import _engine


def bf16_supported():
    """Whether this CPU and build run ``precision='bf16'``.

    bfloat16 products need AVX512-BF16 instructions: Intel Cooper Lake,
    Sapphire Rapids and later Xeons, AMD Zen 4 and later, on x86-64 with
    a GCC or Clang build.

    Returns
    -------
    supported : bool
        True when an estimator may be given ``precision='bf16'``.

    See Also
    --------
    fastnn.MLPClassifier : Its ``precision`` parameter, as every estimator's.

    Examples
    --------
    >>> import fastnn
    >>> precision = "bf16" if fastnn.bf16_supported() else None
    >>> model = fastnn.MLPClassifier(precision=precision)
    """
    return _engine.bf16_supported()

