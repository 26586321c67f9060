"""Raw text to the integer token sequences an Embedding layer reads."""
import re
import warnings
from collections import Counter
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

__all__ = ["SequenceVectorizer", "embedding_weights", "read_word_vectors", "sample_text"]

# Words, and each punctuation mark as a token of its own.
WORD_PATTERN = re.compile(r"\w+|[^\w\s]")

PADDING, UNKNOWN = 0, 1
RESERVED = ("<pad>", "<unk>")


class SequenceVectorizer(TransformerMixin, BaseEstimator):
    """Turn strings into padded sequences of token ids.

    fit learns the vocabulary: the most frequent tokens (ties: the first
    seen), numbered from 2 in that order.  Id 0 pads, id 1 stands for a
    token outside the vocabulary.  transform returns an int32 array of
    shape (n_samples, max_length) to feed an ``Embedding(vocab_size_,
    ...)`` layer.

    Parameters
    ----------
    analyzer : {'char', 'word'}, default='char'
        Tokens are characters, or words and punctuation marks.
    max_length : int or None, default=None
        Tokens kept per text (the first ones); None: the longest text in
        fit.  Shorter texts are padded with 0.
    max_tokens : int or None, default=None
        Largest vocabulary, the two reserved ids included; None: every
        token seen in fit.
    lowercase : bool, default=True
        Lowercase the text before splitting it.
    padding : {'post', 'pre'}, default='post'
        Where the padding goes: after the tokens, or before them.

    Attributes
    ----------
    vocabulary_ : dict
        Token to id (ids from 2).
    vocab_size_ : int
        Ids in use, the reserved ones included: the Embedding's vocab_size.
    max_length_ : int
        The length of every sequence transform returns.

    See Also
    --------
    fastnn.layers.Embedding : The layer that reads the ids.
    sample_text : Text written by a model trained on the ids.
    sklearn.feature_extraction.text.CountVectorizer : Texts as token counts.

    Examples
    --------
    >>> from fastnn.text import SequenceVectorizer
    >>> vectorizer = SequenceVectorizer(analyzer="word").fit(["a cat sat", "a dog"])
    >>> vectorizer.transform(["a cat ran"])
    array([[2, 3, 1]], dtype=int32)
    >>> vectorizer.inverse_transform(vectorizer.transform(["the dog"]))
    [['<unk>', 'dog']]
    """

    _parameter_constraints: dict = {
        "analyzer": [StrOptions({"char", "word"})],
        "max_length": [None, Interval(Integral, 1, None, closed="left")],
        "max_tokens": [None, Interval(Integral, 3, None, closed="left")],
        "lowercase": ["boolean"],
        "padding": [StrOptions({"post", "pre"})],
    }

    def __init__(self, analyzer="char", max_length=None, max_tokens=None, lowercase=True,
                 padding="post"):
        self.analyzer = analyzer
        self.max_length = max_length
        self.max_tokens = max_tokens
        self.lowercase = lowercase
        self.padding = padding

    def _tokens(self, text):
        if not isinstance(text, str):
            raise ValueError("SequenceVectorizer takes strings, got %r." % (type(text).__name__,))
        if self.lowercase:
            text = text.lower()
        return list(text) if self.analyzer == "char" else WORD_PATTERN.findall(text)

    def _documents(self, X):
        if isinstance(X, str):
            raise ValueError("SequenceVectorizer takes an iterable of strings, got one string; "
                             "wrap it in a list.")
        if getattr(X, "ndim", 1) != 1:
            # iterating a DataFrame gives its column names, not its texts
            raise ValueError("SequenceVectorizer takes a 1-D iterable of strings, got %s of "
                             "shape %r; pass one column (df['text'])."
                             % (type(X).__name__, getattr(X, "shape", None)))
        return [self._tokens(text) for text in X]

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the vocabulary (and max_length, when None) from the
        strings in X."""
        documents = self._documents(X)
        if not documents:
            raise ValueError("SequenceVectorizer needs at least one text to fit.")
        counts = Counter()
        for tokens in documents:
            counts.update(tokens)
        # Counter keeps first-seen order, and a stable sort keeps it for ties
        ranked = sorted(counts, key=counts.get, reverse=True)
        if self.max_tokens is not None:
            ranked = ranked[:self.max_tokens - len(RESERVED)]
        self.vocabulary_ = {token: i for i, token in enumerate(ranked, len(RESERVED))}
        self.vocab_size_ = len(RESERVED) + len(ranked)
        longest = max(len(tokens) for tokens in documents)
        self.max_length_ = int(self.max_length or max(longest, 1))
        return self

    def transform(self, X):
        """(n_samples, ``max_length_``) int32 token ids."""
        check_is_fitted(self)
        documents = self._documents(X)
        out = np.full((len(documents), self.max_length_), PADDING, dtype=np.int32)
        for row, tokens in zip(out, documents):
            ids = [self.vocabulary_.get(t, UNKNOWN) for t in tokens[:self.max_length_]]
            if ids:
                if self.padding == "post":
                    row[:len(ids)] = ids
                else:
                    row[-len(ids):] = ids
        return out

    def inverse_transform(self, X):
        """The tokens of each row of ids, padding left out, unknown ones as
        '<unk>' (characters joined into a string for analyzer='char')."""
        check_is_fitted(self)
        names = self.get_feature_names_out()
        X = np.asarray(X)
        if X.ndim != 2 or not np.issubdtype(X.dtype, np.integer) or (
                X.size and (X.min() < 0 or X.max() >= self.vocab_size_)):
            raise ValueError("Expected a 2-D array of ids in [0, %d)." % self.vocab_size_)
        rows = [[names[i] for i in row if i != PADDING] for row in X]
        return ["".join(r) for r in rows] if self.analyzer == "char" else rows

    def get_feature_names_out(self, input_features=None):
        """Every token by its id: entry i is the token of id i ('<pad>' and
        '<unk>' first), so names[ids] decodes a sequence."""
        check_is_fitted(self)
        names = np.empty(self.vocab_size_, dtype=object)
        names[:len(RESERVED)] = RESERVED
        for token, i in self.vocabulary_.items():
            names[i] = token
        return names

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags


def sample_text(model, vectorizer, seed, length=200, temperature=1.0, random_state=None):
    """Text a next-token model writes after `seed`, one token at a time.

    Each step feeds the model the last ``steps`` ids (padding in front
    while there are fewer) and draws the next token from ``predict_proba``.

    Parameters
    ----------
    model : fitted classifier
        Reads (n, steps) token ids; its classes are the next token's id (a
        NetClassifier starting with an Embedding, trained on windows of a
        text, e.g. from ``make_windows``).
    vectorizer : fitted SequenceVectorizer
        The one that made the model's ids.
    seed : str
        The text to continue.
    length : int, default=200
        Tokens to write.
    temperature : float, default=1.0
        The probabilities are raised to 1 / temperature: below 1 sharper,
        more common tokens; 0 always the likeliest.
    random_state : int, numpy Generator or None, default=None
        Seeds the draws.

    Returns
    -------
    str
        seed followed by the tokens written (characters joined as they are,
        words with spaces).

    See Also
    --------
    SequenceVectorizer : Texts to the ids the model reads.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnn import NetClassifier, make_windows
    >>> from fastnn.layers import Embedding, Flatten
    >>> from fastnn.text import SequenceVectorizer, sample_text
    >>> text = "abcabcabcabcabcabc"
    >>> vectorizer = SequenceVectorizer().fit([text])
    >>> X, y = make_windows(vectorizer.transform([text])[0], window=2)
    >>> model = NetClassifier([Embedding(vectorizer.vocab_size_, 4), Flatten()],
    ...                       solver="lbfgs", random_state=0).fit(X[:, :, 0], y)
    >>> sample_text(model, vectorizer, "ab", length=6, temperature=0)
    'abcabcab'
    """
    check_is_fitted(vectorizer)
    if not isinstance(seed, str):
        raise ValueError("seed must be a string, got %r." % (seed,))
    if temperature < 0:
        raise ValueError("temperature must be >= 0, got %r." % (temperature,))
    rng = np.random.default_rng(random_state)
    names = vectorizer.get_feature_names_out()
    steps = model.n_features_in_
    ids = [vectorizer.vocabulary_.get(t, UNKNOWN) for t in vectorizer._tokens(seed)]
    window = np.zeros((1, steps))
    tokens = []
    for _ in range(length):
        recent = ids[-steps:]
        window[0, :] = PADDING
        if recent:
            window[0, -len(recent):] = recent
        p = model.predict_proba(window)[0]
        if temperature == 0:
            pick = int(np.argmax(p))
        else:
            p = np.exp(np.log(np.maximum(p, 1e-300)) / temperature)
            pick = rng.choice(p.size, p=p / p.sum())
        ids.append(int(model.classes_[pick]))
        tokens.append(names[ids[-1]])
    sep = "" if vectorizer.analyzer == "char" else " "
    return seed + sep.join([""] + tokens if sep else tokens)


def read_word_vectors(path, vocabulary=None, lowercase=False):
    """Pretrained word vectors from a text file in word2vec's or GloVe's
    format: a word and its values on each line, separated by spaces, after
    an optional "count dimension" header line (word2vec's).

    Parameters
    ----------
    path : str or path-like
        The file (UTF-8).
    vocabulary : container of str, default=None
        Keep only these words (a SequenceVectorizer's ``vocabulary_``), so
        that a large file takes little memory; None: every word.
    lowercase : bool, default=False
        Lowercase the file's words (keeping a word's first vector), to
        match a SequenceVectorizer that lowercases.

    Returns
    -------
    vectors : dict
        Word to float32 vector, all of one length.

    See Also
    --------
    embedding_weights : The vectors lined up with a vectorizer's ids.

    Examples
    --------
    >>> import tempfile, os
    >>> from fastnn.text import read_word_vectors
    >>> path = os.path.join(tempfile.mkdtemp(), "vectors.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("2 3\\ncat 0.1 0.2 0.3\\ndog 0.4 0.5 0.6\\n")
    >>> read_word_vectors(path)["dog"]
    array([0.4, 0.5, 0.6], dtype=float32)
    """
    vectors, dim = {}, None
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            fields = line.rstrip().split(" ")
            if number == 1 and len(fields) == 2 and all(f.isdigit() for f in fields):
                continue  # word2vec's header
            if not fields[0]:
                continue
            word = fields[0].lower() if lowercase else fields[0]
            if (vocabulary is not None and word not in vocabulary) or word in vectors:
                continue
            try:
                vector = np.array(fields[1:], dtype=np.float32)
            except ValueError:
                raise ValueError("%s, line %d: %r is not a word and its numbers."
                                 % (path, number, line[:60])) from None
            if dim is None:
                dim = vector.size
            if vector.size != dim or dim == 0 or not np.isfinite(vector).all():
                raise ValueError("%s, line %d: %d values, where the file's vectors have %s."
                                 % (path, number, vector.size, dim))
            vectors[word] = vector
    return vectors


def embedding_weights(vectorizer, vectors, random_state=None):
    """An Embedding's starting weights from pretrained vectors, row i for
    the vectorizer's id i.

    Padding (id 0) gets zeros; the unknown-token id and every word without
    a vector get random values of the vectors' own spread, and a warning
    says how many words had none.

    Parameters
    ----------
    vectorizer : fitted SequenceVectorizer
    vectors : dict
        Word to vector (read_word_vectors), all of one length.
    random_state : int, RandomState instance or None, default=None
        Draws the rows of the words without a vector.

    Returns
    -------
    weights : ndarray of shape (``vectorizer.vocab_size_``, dim)
        For ``Embedding(vectorizer.vocab_size_, dim, weights=weights)``.

    See Also
    --------
    read_word_vectors : Reads the vectors from a file.
    fastnn.layers.Embedding : The layer they start.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnn.layers import Embedding
    >>> from fastnn.text import SequenceVectorizer, embedding_weights
    >>> vectorizer = SequenceVectorizer(analyzer="word").fit(["a cat", "a dog"])
    >>> vectors = {"a": np.ones(2), "cat": np.zeros(2), "dog": -np.ones(2)}
    >>> weights = embedding_weights(vectorizer, vectors, random_state=0)
    >>> weights[vectorizer.vocabulary_["dog"]]
    array([-1., -1.])
    >>> layer = Embedding(vectorizer.vocab_size_, 2, weights=weights, trainable=False)
    """
    check_is_fitted(vectorizer)
    if not vectors:
        raise ValueError("embedding_weights needs at least one vector.")
    table = np.array(list(vectors.values()), dtype=np.float64)
    if table.ndim != 2:
        raise ValueError("The vectors must all have the same length.")
    rng = check_random_state(random_state)
    weights = rng.normal(table.mean(), table.std() or 1.0,
                         (vectorizer.vocab_size_, table.shape[1]))
    weights[PADDING] = 0
    missing = 0
    for token, i in vectorizer.vocabulary_.items():
        if token in vectors:
            weights[i] = vectors[token]
        else:
            missing += 1
    if missing:
        warnings.warn("%d of the vectorizer's %d tokens have no pretrained vector; their rows "
                      "are random." % (missing, len(vectorizer.vocabulary_)))
    return weights
