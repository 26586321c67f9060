"""English text that ships with every CPython: the help topics of its
documentation (the pydoc_data package behind help('topics'))."""
import numpy as np
from sklearn.utils import Bunch

DESCR = """Python's help topics
====================

The text of the help topics in CPython's documentation (pydoc_data.topics,
what help('FOR'), help('if'), ... print): about 80 topics, some 460,000
characters of technical English with code, in whatever version of Python
is running (the PSF licence).  Split by topic, sorted by name: every fifth
topic (the 5th, 10th, ...) is the test subset, the others the train
subset.  data: the texts; target: their topic names.
"""


def load_python_help(subset="train", *, return_X_y=False):
    """Python's documentation help topics as a text corpus (a Bunch).

    Parameters
    ----------
    subset : {'train', 'test', 'all'}, default='train'
        Topics sorted by name; every fifth one is in 'test'.
    return_X_y : bool, default=False
        Return (data, target) instead of the Bunch.

    Returns
    -------
    Bunch with ``data`` (list of str, one text per topic), ``target``
    (array of the topic names) and ``DESCR``; or (data, target).

    See Also
    --------
    fastnn.text.SequenceVectorizer : The texts as token ids.

    Examples
    --------
    >>> from fastnn.datasets import load_python_help
    >>> corpus = load_python_help("all")
    >>> len(corpus.data) == len(corpus.target) > 50
    True
    """
    from pydoc_data.topics import topics

    if subset not in ("train", "test", "all"):
        raise ValueError("subset must be 'train', 'test' or 'all', got %r." % (subset,))
    names = sorted(topics)
    chosen = [name for i, name in enumerate(names)
              if subset == "all" or (i % 5 == 4) == (subset == "test")]
    data = [topics[name] for name in chosen]
    target = np.array(chosen)
    if return_X_y:
        return data, target
    return Bunch(data=data, target=target, DESCR=DESCR)
