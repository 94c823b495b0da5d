"""A hostile-file corpus, generated here: each bad file fails alone with a reason, under the
limits, while the good files of the same batch land, the lock is released and no worker is
left behind (issue 16 parts 2, 3 and 7)."""

from __future__ import annotations

import gzip
import io
import os
import time
import zipfile
from pathlib import Path

import pytest

from conftest import SEED
from stdsearch import pipeline
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home
from stdsearch.store import Store

GOOD_LAW = "第一条 为了规范电动自行车停放管理，制定本办法。\n第二条 本办法适用于本市行政区域。\n"


def _docx(text: str) -> bytes:
    from docx import Document as new_docx

    word = new_docx()
    for line in text.splitlines():
        word.add_paragraph(line)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_bomb_docx(megabytes: int) -> bytes:
    """A .docx whose document part inflates to ``megabytes`` of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (megabytes * 2**20))
    return out.getvalue()


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
""" + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10)
) + """]>
<html><body><p>第一条 &lol9;</p></body></html>
"""


def hostile_corpus(folder: Path) -> dict[str, bytes]:
    """The bad files, by name."""
    docx = _docx(GOOD_LAW)
    pdf = _pdf()
    return {
        "bomb.docx": zip_bomb_docx(24),
        "bomb.jsonl.gz": gzip.compress(b"\0" * (24 * 2**20), compresslevel=1),
        "laughs.xml": BILLION_LAUGHS.encode(),
        "deep.json": b"[" * 200_000 + b"]" * 200_000,
        "deep.html": b"<html><body>" + b"<div>" * 100_000 + "第一条 深".encode() + b"</div>" * 100_000,
        "many-clauses.txt": "".join(f"第{n}条 第{n}项规定。\n" for n in range(1, 400)).encode(),
        "truncated.docx": docx[: len(docx) // 2],
        "truncated.pdf": pdf[: len(pdf) // 2],
        "binary.txt": bytes(range(256)) * 64,
        "utf16.txt": ("第一条 宽字节编码的文本。\n" * 20).encode("utf-16"),
    }


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Limits small enough that the generated bombs cross them quickly."""
    monkeypatch.setenv("STDSEARCH_PARSE_DECOMPRESSED_MB", "16")
    monkeypatch.setenv("STDSEARCH_PARSE_CLAUSES", "300")
    monkeypatch.setenv("STDSEARCH_PARSE_SECONDS", "120")


def test_bad_files_fail_alone_and_the_good_ones_land(tmp_path: Path, small_limits: None) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name, data in hostile_corpus(folder).items():
        (folder / name).write_bytes(data)
    (folder / "good.txt").write_text("电动自行车停放管理办法\n" + GOOD_LAW, encoding="utf-8")
    (folder / "gbk.txt").write_bytes(("共享单车管理规定\n" + GOOD_LAW.replace("电动自行车", "共享单车")).encode("gbk"))
    (folder / "seed.txt").write_bytes(SEED.read_bytes())
    home = Home.resolve(tmp_path / "home")

    started = time.monotonic()
    report = pipeline.ingest(home, [folder])
    assert time.monotonic() - started < 240

    reasons = {Path(f.path).name: f.reason for f in report.failures}
    assert "decompresses to more than 16 MB" in reasons["bomb.jsonl.gz"]
    assert "more than the 16 MB limit" in reasons["bomb.docx"]
    assert "(limit 300)" in reasons["many-clauses.txt"]
    assert "truncated.docx" in reasons and "truncated.pdf" in reasons and "binary.txt" in reasons
    assert all(reason.strip() for reason in reasons.values())
    assert not any(name in reasons for name in ("good.txt", "gbk.txt", "seed.txt"))
    # the good files are stored and searchable, whatever failed beside them
    assert search(home, SearchRequest(q="电动自行车停放")).total >= 1
    assert search(home, SearchRequest(q="共享单车")).total >= 1
    assert search(home, SearchRequest(q="明厨亮灶")).total >= 1
    assert len(Store(home).ids()) == report.documents
    # the lock is free: the next ingest runs (and finds the good files unchanged)
    again = pipeline.ingest(home, [folder / "good.txt"])
    assert again.unchanged == 1 and again.failed == 0


@pytest.mark.slow  # a 12 MB line, then a worker killed on its deadline
def test_a_file_over_its_time_is_stopped_and_the_batch_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STDSEARCH_PARSE_SECONDS", "1")  # cutting the line takes seconds
    slow = tmp_path / "huge-line.txt"
    slow.write_text("第一条 " + "产品质量安全监督管理" * 400_000, encoding="utf-8")  # one 12 MB line
    home = Home.resolve(tmp_path / "home")
    report = pipeline.ingest(home, [slow])
    assert report.failed == 1 and "took longer than 1 s" in report.failures[0].reason
    monkeypatch.setenv("STDSEARCH_PARSE_SECONDS", "120")
    assert pipeline.ingest(home, [SEED]).failed == 0  # lock released, workers replaced


@pytest.mark.slow  # writes a 1 GiB gzip bomb
def test_a_worker_over_its_memory_fails_that_file_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STDSEARCH_PARSE_DECOMPRESSED_MB", "4096")
    monkeypatch.setenv("STDSEARCH_PARSE_MEMORY_MB", "900")
    bomb = tmp_path / "laws.jsonl.gz"
    with gzip.open(bomb, "wb", compresslevel=1) as handle:
        block = b"\0" * 2**24
        for _ in range(64):  # 1 GiB of zeros, a 1 MB file
            handle.write(block)
    good = tmp_path / "good.txt"
    good.write_text("电动自行车停放管理办法\n" + GOOD_LAW, encoding="utf-8")
    home = Home.resolve(tmp_path / "home")
    report = pipeline.ingest(home, [bomb, good])
    assert [Path(f.path).name for f in report.failures] == ["laws.jsonl.gz"]
    assert "memory" in report.failures[0].reason
    assert search(home, SearchRequest(q="电动自行车停放")).total >= 1


def test_workers_do_not_outlive_the_ingest(tmp_path: Path) -> None:
    home = Home.resolve(tmp_path)
    before = _children()
    assert pipeline.ingest(home, [SEED]).failed == 0
    assert _children() <= before


def _children() -> set[int]:
    """Pids of this process's live children."""
    me = str(os.getpid())
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found
