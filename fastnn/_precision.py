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


def cuda_available():
    """Whether estimators may be given ``device='cuda'`` here, and why not.

    That needs CuPy (with NVIDIA's runtime compiler and cuBLAS, all
    installed by ``pip install 'scikit-fastnn[cuda]'``), an NVIDIA driver
    and a GPU it sees.  No CUDA toolkit is needed: the kernels are
    compiled at first use.

    Returns
    -------
    available : Availability
        True or false as a bool; its ``reason`` (also its repr) says which
        GPU was found, or what is missing.

    See Also
    --------
    fastnn.MLPClassifier : Its ``device`` parameter, as every estimator's.

    Examples
    --------
    >>> import fastnn
    >>> device = "cuda" if fastnn.cuda_available() else "cpu"
    >>> model = fastnn.MLPClassifier(device=device)
    >>> isinstance(fastnn.cuda_available().reason, str)
    True
    """
    from . import _cuda
    return _cuda.availability()
