"""Every estimator parameter and fitted attribute documented once; each
estimator's docstring gets numpydoc Parameters (built from its own
signature), Attributes and See Also sections."""
import inspect
import textwrap

from . import _engine


def one_of(names):
    """A numpydoc type for one of these names (the engine's lists)."""
    return "{%s}" % ", ".join(repr(name) for name in names)


# name: (type, description); the default comes from the signature.
PARAMETERS = {
    "layers": ("list of fastnn.layers or None",
               "The network's layers in order (see fastnn.layers); shapes are inferred from "
               "the data at fit. The output layer is added after the last."),
    "decoder_layers": ("list of fastnn.layers or None",
                       "The decoder's layers, from the code to just before the output layer; "
                       "None mirrors the encoder's Dense layers but its last."),
    "input_shape": ("tuple of int or None",
                    "How to read flat rows: (c, h, w) or (h, w) for images, (steps, features) "
                    "for sequences; None reads n-D X as it is."),
    "vocab_size": ("int or None",
                   "Token ids in (0 to vocab_size - 1, 0 as padding, as SequenceVectorizer "
                   "makes them), embedded in d_model values; None: numeric sequences, "
                   "projected to d_model values per step."),
    "d_model": ("int", "Values per step inside the encoder."),
    "heads": ("int", "Attention heads; d_model must be a multiple of them."),
    "ff": ("int or None", "Units of each encoder block's feed-forward part; None: 4 * d_model."),
    "encoder_layers": ("int", "Transformer encoder blocks, one after another."),
    "positions": ("{'learned', 'sinusoidal'}",
                  "How each step's position is added before the encoder."),
    "encoder_dropout": ("float",
                        "Dropout after each attention and feed-forward part, while training "
                        "(PyTorch's default is 0.1: worth it on large data sets; with it the "
                        "noisier training loss may end a fit early, see n_iter_no_change)."),
    "causal": ("bool", "Each step attends to itself and the steps before only."),
    "filters": ("tuple of int", "Filters of each conv block, one block per entry."),
    "kernel_size": ("int, (h, w) tuple, or a list of those per block",
                    "Each block's convolution window."),
    "strides": ("int, (h, w) tuple, or a list of those per block",
                "Each block's convolution step."),
    "padding": ("{'same', 'valid'}",
                "'same' keeps ceil(size / stride) pixels (zeros added, the extra one after), "
                "'valid' only whole windows."),
    "pool_size": ("int, (h, w) tuple, or a list of those per block",
                  "Each block's pooling window (stride = window); 1 for none."),
    "pooling": ("{'max', 'avg'} or None",
                "The conv blocks' pooling (None for none); for the Transformer estimators, "
                "how the encoder's steps become one vector for the head ('avg' or 'max', "
                "padding left out)."),
    "cell": ("{'rnn', 'lstm', 'gru'}",
             "The recurrent cell: tanh RNN, LSTM or GRU (PyTorch's gate orders)."),
    "recurrent_layer_sizes": ("int or tuple of int",
                              "Units of each stacked recurrent layer; all but the last hand "
                              "their whole output sequence on."),
    "bidirectional": ("bool", "Run each recurrent layer both ways, outputs side by side."),
    "hidden_layer_sizes": ("array-like of int",
                           "Units of each dense hidden layer (for the Conv and RNN "
                           "estimators, the head after the conv or recurrent layers)."),
    "activation": (one_of(_engine.ACTIVATIONS),
                   "The hidden layers' activation. Beyond scikit-learn's: 'leaky_relu' (slope "
                   "0.01 below 0), 'elu' (exp(z) - 1 below 0), 'gelu' (the exact z * Phi(z)) "
                   "and 'softplus' (log(1 + exp(z)))."),
    "loss": ("{'squared_error', 'poisson', 'absolute_error', 'huber'}",
             "Regression loss. 'absolute_error' (abs(p - y), robust, predicts a median) and "
             "'huber' ((p - y)**2 / 2 within 1 of the target, abs(p - y) - 1/2 beyond) go "
             "beyond scikit-learn's; scale y so that an error of 1 marks an outlier."),
    "solver": (one_of(["lbfgs", *_engine.SOLVERS]),
               "The optimizer. 'adamw' is Adam plus decoupled weight decay (alpha is then "
               "the decay: each step takes learning_rate * alpha * w off every weight); "
               "'rmsprop' divides by the root of a running average of squared gradients "
               "(rho 0.9), 'adagrad' by the root of their running sum."),
    "alpha": ("float", "Strength of the L2 penalty on the weights (adamw: the weight decay)."),
    "batch_size": ("int or 'auto'", "Rows per mini-batch; 'auto' is min(200, n_samples)."),
    "learning_rate": ("{'constant', 'invscaling', 'adaptive', 'cosine'}",
                      "The schedule. 'invscaling' and 'adaptive' act on 'sgd' only, as in "
                      "scikit-learn; 'cosine' on every stochastic solver: after the warm-up "
                      "the rate falls as half a cosine to 0 at max_iter."),
    "learning_rate_init": ("float", "The initial learning rate (stochastic solvers)."),
    "power_t": ("float", "The exponent of 'invscaling' (sgd)."),
    "max_iter": ("int", "Most epochs (stochastic solvers) or iterations (lbfgs)."),
    "shuffle": ("bool", "Shuffle the rows before each epoch."),
    "random_state": ("int, RandomState instance or None",
                     "Seeds the initial weights, shuffles, validation split and dropout "
                     "masks; the same seed gives scikit-learn's MLP weights."),
    "tol": ("float", "Smallest improvement of the loss or score that counts as progress."),
    "verbose": ("bool or int",
                "1: a line per epoch (loss, validation score and loss, time); 2: also "
                "progress within each epoch (a tqdm bar on a terminal where tqdm is "
                "installed, else a line at each tenth)."),
    "warm_start": ("bool", "Start the next fit from the fitted weights."),
    "momentum": ("float", "Momentum of 'sgd'."),
    "nesterovs_momentum": ("bool", "Use Nesterov's momentum with 'sgd'."),
    "early_stopping": ("bool",
                       "Stop when the validation score (or loss, see monitor) stops "
                       "improving, and keep the best weights. The validation set is "
                       "validation_fraction of X, or fit's eval_set."),
    "validation_fraction": ("float", "Share of X held out for early stopping."),
    "beta_1": ("float", "Adam's and AdamW's first-moment decay."),
    "beta_2": ("float", "Adam's and AdamW's second-moment decay."),
    "epsilon": ("float", "Adam's, AdamW's, RMSprop's and Adagrad's numerical floor."),
    "n_iter_no_change": ("int", "Epochs without progress (by tol) before stopping."),
    "max_fun": ("int", "Most loss evaluations for 'lbfgs'."),
    "dropout": ("float or tuple of float",
                "Inverted dropout on the hidden layers' outputs while training: one rate, "
                "or one per hidden layer (Conv: each block, then each dense layer; RNN: "
                "each recurrent layer, then each dense layer). Off when predicting."),
    "batch_norm": ("bool",
                   "Batch normalisation of every hidden dense or conv layer before its "
                   "activation (running statistics for predicting)."),
    "warmup_epochs": ("int",
                      "Linear warm-up: epoch e < warmup_epochs trains with (e + 1) / "
                      "(warmup_epochs + 1) of the scheduled rate."),
    "monitor": ("{'score', 'loss'}",
                "What early stopping watches: the validation score, as scikit-learn, or "
                "the validation loss."),
    "class_weight": ("None, 'balanced' or dict",
                     "A weight per class, multiplying sample_weight (scikit-learn's rules)."),
    "clip_grad_norm": ("float or None",
                       "Rescale each mini-batch's gradient to at most this global norm."),
    "n_threads": ("int or None",
                  "Threads for the engine; None: OpenMP's default (OMP_NUM_THREADS or "
                  "threadpoolctl's limit); -1: every core."),
    "callbacks": ("list of callables or None",
                  "Run after every epoch with the estimator and the epoch's figures; one "
                  "returning True stops the fit (see fastnn.callbacks)."),
    "device": ("{'cpu', 'cuda'}",
               "Where the network trains and predicts. 'cuda' runs it on an NVIDIA GPU "
               "(``fastnn.cuda_available()`` says whether one is usable here; see "
               "docs/gpu.md)."),
    "precision": ("{'bf16'} or None",
                  "None: the input's float type, as scikit-learn's.  'bf16': float32 "
                  "values and sums, with every matrix product's operands rounded to "
                  "bfloat16 (8 bits of mantissa) and multiplied by AVX512-BF16 "
                  "instructions, about twice as fast; a ValueError on a CPU without them "
                  "(fastnn.bf16_supported())."),
}


def parameters_section(cls):
    """The numpydoc Parameters section of cls, in its signature's order."""
    lines = ["Parameters", "----------"]
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name == "self":
            continue
        kind, text = PARAMETERS[name]
        lines.append("%s : %s, default=%r" % (name, kind, parameter.default))
        lines += textwrap.wrap(text, 72, initial_indent="    ", subsequent_indent="    ")
        lines.append("")
    return "\n".join(lines)


# name: (type, description) of the fitted attributes the networks share.
ATTRIBUTES = {
    "classes_": ("ndarray or list of ndarray", "The class labels (per output, multilabel)."),
    "loss_": ("float", "The training loss at the end of the last epoch (with the L2 term)."),
    "best_loss_": ("float or None",
                   "The smallest training loss; None when early stopping watches the "
                   "validation set instead."),
    "loss_curve_": ("list of float", "The training loss after each epoch (stochastic "
                    "solvers) or iteration (lbfgs)."),
    "validation_scores_": ("list of float or None",
                           "With early stopping, the validation score after each epoch."),
    "best_validation_score_": ("float or None", "The best of ``validation_scores_``."),
    "validation_loss_curve_": ("list of float or None",
                               "With early stopping, the validation loss after each epoch."),
    "best_validation_loss_": ("float or None", "The smallest of ``validation_loss_curve_``."),
    "t_": ("int", "Training samples seen, over all epochs."),
    "coefs_": ("list of ndarray", "{coefs} Views into one flat parameter buffer."),
    "intercepts_": ("list of ndarray", "{intercepts}"),
    "batch_norm_": ("list of ndarray of shape (3, n_units)",
                    "For each batch-normalised layer: its scale, running mean and running "
                    "variance (its shift is the layer's ``intercepts_`` entry)."),
    "n_features_in_": ("int", "Values per sample seen in fit{per_sample}."),
    "feature_names_in_": ("ndarray of str",
                          "Column names of X in fit, when X was a DataFrame with string "
                          "names."),
    "n_iter_": ("int", "Epochs (or lbfgs iterations) run."),
    "n_layers_": ("int", "Layers, the input and the output counted{layer_count}."),
    "n_outputs_": ("int", "Output units."),
    "out_activation_": ("str", "The output layer's activation."),
}

MLP_COEFS = ("Entry i is the weight matrix of layer i, shape (n_in, n_out).",
             "Entry i is the bias vector of layer i + 1.")
LAYER_COEFS = ("One weight array per layer that has weights, in order: dense (n_in, "
               "n_out); conv (kh, kw, channels, filters); recurrent (inputs + units, dirs "
               "* gates * units), input weights above the recurrent ones, a block of "
               "columns per direction, gates in PyTorch's order (LSTM i, f, g, o; GRU r, "
               "z, n); embedding (vocab_size, dim).",
               "One bias vector per layer that has weights; a GRU's also holds the "
               "candidate's recurrent bias (its last dirs * units values).")


def attributes_section(classifier, coefs=LAYER_COEFS, per_sample="", layer_count=""):
    """The numpydoc Attributes section of a network estimator."""
    fill = {"coefs": coefs[0], "intercepts": coefs[1], "per_sample": per_sample,
            "layer_count": layer_count}
    lines = ["Attributes", "----------"]
    for name, (kind, text) in ATTRIBUTES.items():
        if name == "classes_" and not classifier:
            continue
        lines.append("%s : %s" % (name, kind))
        lines += textwrap.wrap(text.format(**fill), 72, initial_indent="    ",
                               subsequent_indent="    ", break_on_hyphens=False)
    return "\n".join(lines)


def see_also_section(entries):
    """numpydoc's See Also from (name, what it is) pairs."""
    lines = ["See Also", "--------"]
    for name, text in entries:
        lines += ["%s : %s" % (name, text)]
    return "\n".join(lines)


def document(cls, details, after="", attributes="", see_also=()):
    """cls.__doc__ from its docstring-shaped parts: the summary line and
    the details (indented as a docstring body), then the Parameters,
    Attributes and See Also sections, then what comes after (Examples)."""
    sections = [parameters_section(cls)]
    if attributes:
        sections.append(attributes)
    if see_also:
        sections.append(see_also_section(see_also))
    parts = [details.rstrip()] + [textwrap.indent(s, "    ").rstrip() for s in sections]
    if after:
        parts.append(after.rstrip())
    cls.__doc__ = "\n\n".join(parts) + "\n"
    return cls
