"""
Transfer learning: new clothes from a few images
================================================

A conv net fitted on five classes of Fashion-MNIST (T-shirt, trouser,
pullover, dress, coat) has learned edges and textures that the other five
(sandal, shirt, sneaker, bag, ankle boot) are made of as well.
``fastnn.transfer.Pretrained`` puts its layers up to ``Flatten``, with
their fitted values and frozen, in front of a new head; the plot compares
that with the same kind of network trained from scratch, for 2 to 20
training images of each new class.
"""
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from fastnn import ConvClassifier, NetClassifier
from fastnn.datasets import load_fashion_mnist
from fastnn.layers import Dense
from fastnn.transfer import Pretrained

# the few-image fits stop at max_iter on purpose: no need to say so
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_fashion_mnist("train", return_X_y=True)
X = X.reshape(-1, 1, 28, 28) / 255
first = ConvClassifier(filters=(16, 32), hidden_layer_sizes=(64,), max_iter=2,
                       random_state=0).fit(X[y < 5][:20000], y[y < 5][:20000])

X_new, y_new = X[y >= 5], y[y >= 5]
rng = np.random.default_rng(0)
scored = rng.permutation(len(y_new))[:3000]
shots = [2, 5, 10, 20]
results = {"layers of the first model, frozen": [], "from scratch": []}
for n in shots:
    # n images of each new class, none of them scored
    few = np.concatenate([rng.permutation(np.setdiff1d(np.flatnonzero(y_new == c), scored))[:n]
                          for c in range(5, 10)])
    scores = {name: [] for name in results}
    for seed in range(2):
        models = {
            "layers of the first model, frozen": NetClassifier(
                [Pretrained(first, upto="Flatten"), Dense(64)], max_iter=100,
                random_state=seed),
            "from scratch": ConvClassifier(filters=(16, 32), hidden_layer_sizes=(64,),
                                           max_iter=100, random_state=seed)}
        for name, model in models.items():
            model.fit(X_new[few], y_new[few])
            scores[name].append(model.score(X_new[scored], y_new[scored]))
    for name in results:
        results[name].append(np.mean(scores[name]))
        print("%2d per class, %s: %.3f" % (n, name, results[name][-1]))

fig, ax = plt.subplots(figsize=(6, 4))
for name, accuracy in results.items():
    ax.plot(shots, accuracy, marker="o", label=name)
ax.set_xscale("log")
ax.set_xticks(shots, [str(n) for n in shots])
ax.set_xlabel("training images per new class")
ax.set_ylabel("accuracy on 3,000 other images")
ax.legend()
fig.tight_layout()
plt.show()
