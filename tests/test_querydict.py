"""The light query-time dictionary segments exactly as jieba's fully loaded one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEED
from stdsearch import analysis, querydict

QUERIES = [
    "产品质量 监督抽查", "明厨亮灶", "质量奖评定管理办法", "老公欠的钱我要还吗", "GB/T 19001-2016 质量管理体系",
    "食品安全法第148条", "标准化工作导则", "公司法定代表人变更需要什么材料", "建筑设计防火规范 5.1.2",
]


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A dictionary copy written from the fully loaded dictionary, in a private cache dir."""
    monkeypatch.setenv(querydict.CACHE_ENV, str(tmp_path))
    analysis.load_dictionary()
    path = querydict.dictionary_path(analysis.USER_DICT)
    querydict.write_dictionary(path, analysis.TOKENIZER.FREQ, analysis.TOKENIZER.total)
    return path


def test_light_segmentation_equals_the_full_one(copy: Path) -> None:
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = QUERIES + [analysis.normalize(line)[: querydict.LIGHT_MAX_CHARS] for line in lines]
    assert len(texts) > 40
    for text in texts:
        light = querydict.light_tokenizer(copy, text)
        assert list(light.tokenize(text)) == list(analysis.TOKENIZER.tokenize(text)), text


def test_without_a_copy_there_is_no_light_tokenizer(tmp_path: Path) -> None:
    assert querydict.light_tokenizer(tmp_path / "missing.sqlite3", "质量") is None


def test_a_query_in_a_fresh_process_does_not_load_the_whole_dictionary(copy: Path) -> None:
    probe = (
        "from stdsearch import analysis\n"
        "print(analysis.query_terms('产品质量 监督抽查 明厨亮灶'), analysis.TOKENIZER.initialized)\n"
    )
    env_cache = str(copy.parent)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, querydict.CACHE_ENV: env_cache},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{analysis.query_terms('产品质量 监督抽查 明厨亮灶')} False"


def test_a_question_in_a_fresh_process_does_not_load_the_whole_dictionary(copy: Path) -> None:
    probe = (
        "from stdsearch.query import parse_query\n"
        "from stdsearch.search import words\n"
        "from stdsearch import analysis\n"
        "print(words.question_words(parse_query('老公欠的钱我要还吗')), analysis.TOKENIZER.initialized)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, querydict.CACHE_ENV: str(copy.parent)},
    )
    assert done.returncode == 0, done.stderr
    from stdsearch.query import parse_query
    from stdsearch.search import words

    assert done.stdout.strip() == f"{words.question_words(parse_query('老公欠的钱我要还吗'))} False"


def test_light_subwords_equal_the_full_ones(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    words = ["质量管理体系", "食品安全监督管理", "中华人民共和国", "标准化工作导则", "明厨亮灶", "GB19001"]
    full = [analysis.subwords(word) for word in words]
    assert any(full)
    monkeypatch.setattr(analysis.TOKENIZER, "initialized", False)
    monkeypatch.setattr(analysis, "_light_lookups", [0])
    assert [analysis.subwords(word) for word in words] == full


def test_many_light_lookups_load_the_whole_dictionary(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[bool] = []
    monkeypatch.setattr(analysis.TOKENIZER, "initialized", False)
    monkeypatch.setattr(analysis, "_light_lookups", [analysis.LIGHT_LOOKUPS])
    monkeypatch.setattr(analysis, "load_dictionary", lambda: loaded.append(True))
    analysis.known_words(["质量"])
    assert loaded == [True]
