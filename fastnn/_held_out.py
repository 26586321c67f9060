"""The validation rows of a fit, read a chunk at a time.

Early stopping holds rows of X out by their index, as the training rows
are read by index too, so neither part of X is ever copied whole: X may be
a memory-mapped file larger than memory.  An eval_set is read as given.
"""
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

# Values of X gathered per chunk: 4 MB of float32.
CHUNK_VALUES = 1 << 20


def split_by_index(n_samples, validation_fraction, random_state, stratify=None):
    """(training rows, validation rows) as int64 indices: the split that
    scikit-learn's train_test_split makes with the same arguments (the same
    splitter, drawing from the same random state)."""
    Splitter = ShuffleSplit if stratify is None else StratifiedShuffleSplit
    splitter = Splitter(n_splits=1, test_size=validation_fraction, random_state=random_state)
    rows = np.empty((n_samples, 0))  # the splitters only count the rows
    train, validation = next(splitter.split(rows, stratify))
    return train.astype(np.int64), validation.astype(np.int64)


@dataclass
class HeldOut:
    """A validation set: rows of `X` (those at `index`, or all of X when
    index is None), their targets as the score takes them (`labels`,
    `sample_weight`) and as the engine reads them (`Y`, `weights`)."""
    X: object
    index: object
    labels: object
    sample_weight: object
    Y: np.ndarray
    weights: object

    def __len__(self):
        return self.Y.shape[0]

    def chunks(self):
        """(start, stop, rows) over the validation rows, in order."""
        n_features = max(1, self.X.shape[1])
        step = max(1, CHUNK_VALUES // n_features)
        for start in range(0, len(self), step):
            stop = min(len(self), start + step)
            rows = (self.X[start:stop] if self.index is None
                    else self.X[self.index[start:stop]])
            yield start, stop, rows
