"""File permissions: one mode for every file of a home, and jieba's cache in a private folder."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from stdsearch import files
from stdsearch.settings import Home

PROJECT = Path(__file__).resolve().parents[1]


def mode(path: Path) -> int:
    """The permission bits of a path."""
    return stat.S_IMODE(path.stat().st_mode)


def test_every_file_of_an_ingested_home_has_the_default_mode(seed_home: Home) -> None:
    written = [p for p in seed_home.root.rglob("*") if p.is_file() and "LOCK" not in p.name]
    assert seed_home.documents in written, "documents were written"
    assert any("index" in p.parts for p in written), "the index was written"
    modes = {str(p.relative_to(seed_home.root)): oct(mode(p)) for p in written}
    assert set(modes.values()) == {oct(files.default_file_mode())}, modes


def test_default_mode_follows_the_umask() -> None:
    assert files.default_file_mode() == 0o666 & ~files.process_umask()
    probe = subprocess.run(
        [sys.executable, "-c", "from stdsearch import files; print(oct(files.default_file_mode()))"],
        env={**os.environ, "PYTHONPATH": str(PROJECT / "src")},
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=lambda: os.umask(0o077),
    )
    assert probe.stdout.strip() == "0o600"


def test_jieba_cache_goes_to_a_private_folder_of_the_user(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src"), "XDG_CACHE_HOME": str(tmp_path)}
    env.pop(files.CACHE_ENV, None)
    script = "from stdsearch import analysis; analysis.load_dictionary(); print(analysis.TOKENIZER.tmp_dir)"
    printed = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    folder = tmp_path / "stdsearch" / "jieba"
    assert Path(printed) == folder
    assert mode(folder) == 0o700
    assert [p.name for p in folder.iterdir()] == ["jieba.cache"]


def test_a_private_folder_open_to_others_is_closed(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o777)
    os.chmod(folder, 0o777)
    assert files.private_directory(folder) == folder and mode(folder) == 0o700
    (tmp_path / "plain").write_text("x")
    with pytest.raises(OSError):
        files.private_directory(tmp_path / "plain")


def test_cache_folder_setting_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(files.CACHE_ENV, str(tmp_path / "mine"))
    assert files.private_cache("jieba") == tmp_path / "mine" / "jieba"
    monkeypatch.setenv(files.CACHE_ENV, str(tmp_path / "plain"))
    (tmp_path / "plain").write_text("not a folder")
    fallback = files.private_cache("jieba")
    assert fallback.is_dir() and mode(fallback) == 0o700
    fallback.rmdir()
