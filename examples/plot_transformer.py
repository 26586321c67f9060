"""
Attention and residual blocks: a Transformer on Python's help texts
===================================================================

The code-or-prose task of the text example, with a Transformer encoder
instead of the character CNN: ``TransformerClassifier`` embeds the
characters, adds their positions and runs pre-norm encoder blocks
(self-attention and a per-step feed-forward part, each inside a residual
connection).  The same blocks written out as ``fastnn.layers``
(``Residual``, ``LayerNorm``, ``MultiHeadAttention``) give the same
network; the plot compares the training curves with the GRU's.
"""
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from fastnn import NetClassifier, TransformerClassifier
from fastnn.datasets import load_python_help
from fastnn.layers import GRU, Embedding, GlobalMaxPool
from fastnn.text import SequenceVectorizer

# the fits below stop at max_iter on purpose: no need to say so
warnings.filterwarnings("ignore", category=ConvergenceWarning)

lines, is_code = [], []
for text in load_python_help("all").data:
    for line in text.splitlines():
        if len(line.strip()) >= 20:
            lines.append(line.strip())
            is_code.append(line.startswith("   "))
train, test, y_train, y_test = train_test_split(lines, is_code, train_size=3000,
                                                test_size=1500, random_state=0)
models = {
    "Transformer (2 blocks, 4 heads)": TransformerClassifier(
        vocab_size=100, d_model=32, heads=4, encoder_layers=2, positions="learned",
        max_iter=10, learning_rate_init=3e-3, random_state=0),
    "GRU": NetClassifier([Embedding(100, 32), GRU(32, return_sequences=True),
                          GlobalMaxPool()], max_iter=10, learning_rate_init=3e-3,
                         random_state=0),
}
fig, ax = plt.subplots(figsize=(6, 4))
for name, model in models.items():
    pipe = make_pipeline(SequenceVectorizer(max_length=60, max_tokens=100, lowercase=False),
                         model).fit(train, y_train)
    print("%s: test accuracy %.3f" % (name, pipe.score(test, y_test)))
    ax.plot(np.arange(1, model.n_iter_ + 1), model.loss_curve_, label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.legend()
plt.show()
