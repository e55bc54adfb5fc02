"""Training: fit the linear model on the project's labelled examples.

scikit-learn (a development dependency) fits the weights; they are then
copied into a LinearModel and saved as JSON, so the run-time classifier
needs only numpy. The solver is deterministic and the weights are quantised
before saving, so two runs on the same examples write the same bytes.

The category and external heads add a complement naive Bayes term to the
logistic regression. Both models are linear in the same TF-IDF features, so
their sum is one weight matrix and scoring costs nothing more. Logistic
regression learns the phrases of the training set very well, and the
training set is written by hand, while real letters word the same problems
in other ways. Naive Bayes weighs every n-gram by its share in each
category, without fitting weights against each other, and so leans
less on any one phrase.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB

from nlp.cues import find_cues
from nlp.dataset import LabelledExample, read_examples
from nlp.features import message_features
from nlp.labels import CATEGORIES, CHAT, EXTERNAL_SENSITIVE
from nlp.model import LinearModel
from nlp.normalize import normalize

logger = logging.getLogger("nlp")

DATA_DIR = Path(__file__).with_name("data")
MODEL_PATH = Path(__file__).with_name("model") / "classifier.json.gz"

# A feature seen in fewer examples than this is dropped: it would only
# memorise one phrase.
MIN_FEATURE_COUNT = 2
# Inverse L2 strength for each head. The features are L2-normalised, so
# these are on scikit-learn's usual scale for TF-IDF text models. The
# category head is regularised a little more than the default because its
# phrases are rendered several times each, which invites memorising the
# phrase rather than its words. The external head learns a narrow question
# (is the cause outside the compound) from only the categories where it
# matters, and a few place words (工地, 底商, 马路) decide it; with stronger
# L2 those words were shrunk until compound-internal n-grams outvoted them.
CATEGORY_C = 5.0
URGENT_C = 10.0
EXTERNAL_C = 100.0
# Naive Bayes: additive smoothing of each category's summed TF-IDF
# values, and the weight of its log-probabilities in the sum with the
# logistic regression's logits. On real messages outside the training set,
# every weight from 0.3 to 1.0 beat logistic regression alone. From 0.8 up,
# more chat lines were taken for problems, so 0.4 sits in the safe middle.
NB_ALPHA = 0.3
NB_WEIGHT = 0.4
# Rows written in one run of text, as letters and subject lines are, weigh
# this many times a row broken into fragments by spaces, as group-chat lines
# are. Letters word a problem at length and their n-grams are what the model
# handles worst, while the many short chat rows already teach the chat
# voice. See letter_like for the test and docs/classifier.md for the
# weights measured.
LETTER_WEIGHT = 3.0
# The shortest row that counts as letter-like: shorter rows without spaces
# are fragments ("电梯坏了"), not letters.
LETTER_MIN_CHARS = 12


def training_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """Return the labelled CSV files of a data folder, sorted by name."""
    return sorted(data_dir.glob("*.csv"))


def examples_digest(examples: list[LabelledExample]) -> str:
    """Return a SHA-256 of the labelled rows, stored with the model to tie it to its data."""
    digest = hashlib.sha256()
    for example in examples:
        row = f"{example.text}\t{example.category}\t{example.urgency}\t{example.route}\n"
        digest.update(row.encode("utf-8"))
    return digest.hexdigest()


def letter_like(text: str) -> bool:
    """Tell whether a training row is written in one run, as a letter or a subject line is."""
    stripped = text.strip()
    return len(stripped) >= LETTER_MIN_CHARS and not any(char.isspace() for char in stripped)


def sample_weights(examples: list[LabelledExample]) -> np.ndarray:
    """Return each example's weight in fitting: LETTER_WEIGHT for letter-like rows, 1 for the others."""
    return np.array([LETTER_WEIGHT if letter_like(e.text) else 1.0 for e in examples])


def featurize(examples: list[LabelledExample]) -> list[list[str]]:
    """Return each example's feature keys, as the classifier computes them."""
    rows = []
    for example in examples:
        text = normalize(example.text)
        rows.append(message_features(text, find_cues(text)))
    return rows


def _tfidf_matrix(rows: list[list[str]], vocabulary: dict[str, int], idf: np.ndarray) -> csr_matrix:
    """Build the example-by-feature matrix that LinearModel.score computes.

    Each known feature counts once with its idf as value, and every row is
    scaled to unit L2 norm.
    """
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for features in rows:
        known = sorted({vocabulary[f] for f in features if f in vocabulary})
        values = idf[known]
        norm = float(np.sqrt((values**2).sum())) or 1.0
        indices.extend(known)
        data.extend((values / norm).tolist())
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(rows), len(vocabulary)))


def _category_weights(labels: list[str]) -> dict[str, float]:
    """Weight each category inversely to its example count, chat excepted.

    The generator makes far more repair lines than committee or care lines,
    and that count does not reflect how often each category is raised.
    Chat keeps its full weight, because a chat line taken for a problem
    opens a case, the costlier mistake.
    """
    counts = Counter(labels)
    weights = {label: len(labels) / (len(counts) * count) for label, count in counts.items()}
    weights[CHAT] = max(weights[CHAT], 1.0)
    return weights


def _fit(
    matrix: csr_matrix,
    labels: list[str] | list[bool],
    c: float,
    weights: np.ndarray,
    class_weight: dict[str, float] | None = None,
) -> LogisticRegression:
    model = LogisticRegression(
        C=c, max_iter=5000, solver="lbfgs", tol=1e-6, class_weight=class_weight
    )
    model.fit(matrix, labels, sample_weight=weights)
    return model


def _naive_bayes(
    matrix: csr_matrix, labels: list[str] | list[bool], classes: list, weights: np.ndarray
) -> np.ndarray:
    """Return complement naive Bayes weights, one column per class in `classes`.

    Each row is centred on its mean. Adding the same number to every class's
    logit leaves a softmax unchanged, and smaller numbers survive the int16
    quantisation of the saved model.
    """
    model = ComplementNB(alpha=NB_ALPHA)
    model.fit(matrix, labels, sample_weight=weights)
    order = [list(model.classes_).index(label) for label in classes]
    weights = model.feature_log_prob_[order].T
    return weights - weights.mean(axis=1, keepdims=True)


def train(examples: list[LabelledExample]) -> LinearModel:
    """Fit the category, urgent and external heads on labelled examples.

    Args:
        examples: Labelled examples; every category should appear.

    Raises:
        ValueError: A category has no example.
    """
    missing = sorted(set(CATEGORIES) - {example.category for example in examples})
    if missing:
        msg = f"以下类别没有训练样本：{', '.join(missing)}"
        raise ValueError(msg)
    rows = featurize(examples)

    document_counts = Counter(feature for features in rows for feature in set(features))
    features = sorted(f for f, n in document_counts.items() if n >= MIN_FEATURE_COUNT)
    vocabulary = {feature: index for index, feature in enumerate(features)}
    # Smoothed idf, as scikit-learn's TfidfVectorizer computes it.
    frequencies = np.array([document_counts[f] for f in features], dtype=np.float64)
    idf = np.log((1.0 + len(rows)) / (1.0 + frequencies)) + 1.0
    matrix = _tfidf_matrix(rows, vocabulary, idf)

    n = len(CATEGORIES)
    weights = np.zeros((len(features), n + 2))
    intercepts = np.zeros(n + 2)

    labels = [e.category for e in examples]
    row_weights = sample_weights(examples)
    category_model = _fit(matrix, labels, CATEGORY_C, row_weights, _category_weights(labels))
    for column, category in enumerate(CATEGORIES):
        source = list(category_model.classes_).index(category)
        weights[:, column] = category_model.coef_[source]
        intercepts[column] = category_model.intercept_[source]
    weights[:, :n] += NB_WEIGHT * _naive_bayes(matrix, labels, list(CATEGORIES), row_weights)

    urgent_model = _fit(matrix, [e.urgent for e in examples], URGENT_C, row_weights)
    weights[:, n] = urgent_model.coef_[0]
    intercepts[n] = urgent_model.intercept_[0]

    sensitive = [i for i, e in enumerate(examples) if e.category in EXTERNAL_SENSITIVE]
    external_labels = [examples[i].route == "party" for i in sensitive]
    external_model = _fit(matrix[sensitive], external_labels, EXTERNAL_C, row_weights[sensitive])
    external_nb = _naive_bayes(matrix[sensitive], external_labels, [False, True], row_weights[sensitive])
    weights[:, n + 1] = external_model.coef_[0] + NB_WEIGHT * (external_nb[:, 1] - external_nb[:, 0])
    intercepts[n + 1] = external_model.intercept_[0]

    metadata = {
        "examples": len(examples),
        "urgent_examples": sum(e.urgent for e in examples),
        "features": len(features),
        "examples_sha256": examples_digest(examples),
    }
    logger.info("trained on %d examples, %d features", len(examples), len(features))
    return LinearModel(list(CATEGORIES), features, idf, weights, intercepts, {}, metadata)


def train_files(paths: list[Path], output: Path) -> LinearModel:
    """Train on the examples of several CSV files and save the model.

    Args:
        paths: Labelled CSV files (columns text, category, urgency, route).
        output: Where to write the gzipped JSON model.

    Raises:
        ValueError: No file was given, or a file has bad labels.
    """
    if not paths:
        msg = "没有给出训练用的 CSV 文件"
        raise ValueError(msg)
    examples = [example for path in paths for example in read_examples(path)]
    model = train(examples)
    model.save(output)
    return model
