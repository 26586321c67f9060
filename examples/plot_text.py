"""
Text: a character CNN and a language model
==========================================

Lines of Python's own help texts (shipped with Python): is a line code or
English?  Characters go through ``SequenceVectorizer`` into an
``Embedding``, a ``Conv1D`` and global max pooling.  Then a GRU learns to
continue the Zen of Python one character at a time.
"""
import codecs
import contextlib
import io
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from fastnn import NetClassifier, make_windows
from fastnn.datasets import load_python_help
from fastnn.layers import GRU, Conv1D, Dense, Embedding, GlobalMaxPool
from fastnn.text import SequenceVectorizer, sample_text

# the fits below stop at max_iter on purpose: no need to say so
warnings.filterwarnings("ignore", category=ConvergenceWarning)

lines, is_code = [], []
for text in load_python_help("all").data:
    for line in text.splitlines():
        if len(line.strip()) >= 20:
            lines.append(line.strip())  # the indent would give code away
            is_code.append(line.startswith("   "))
train, test, y_train, y_test = train_test_split(lines, is_code, train_size=4000,
                                                test_size=2000, random_state=0)
cnn = make_pipeline(SequenceVectorizer(max_length=60, max_tokens=100, lowercase=False),
                    NetClassifier([Embedding(100, 16), Conv1D(64, 3), GlobalMaxPool(),
                                   Dense(32)], max_iter=10, learning_rate_init=3e-3,
                                  random_state=0))
print("code or prose, test accuracy %.3f (always 'prose': %.3f)"
      % (cnn.fit(train, y_train).score(test, y_test), 1 - np.mean(y_test)))

with contextlib.redirect_stdout(io.StringIO()):  # importing it prints the Zen
    import this  # the Zen of Python, rot13-encoded in this.s
zen = codecs.decode(this.s, "rot13").lower()
chars = SequenceVectorizer(max_length=len(zen)).fit([zen])
X, y = make_windows(chars.transform([zen])[0], 12, 1)
writer = NetClassifier([Embedding(chars.vocab_size_, 12), GRU(64)], max_iter=30,
                       learning_rate_init=0.01, random_state=0).fit(X, y.ravel())
print(sample_text(writer, chars, "errors should ", length=80, temperature=0.3,
                  random_state=0))
