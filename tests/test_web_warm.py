"""A server builds what its pages derive from the whole corpus before anyone asks: at start, and
again after an ingest changes the corpus (stdsearch.web.warm). Checked by making a request that
would read the whole manifest fail: a warm server's pages do not need to."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from stdsearch import pipeline
from stdsearch.settings import Home
from stdsearch.store import Store
from stdsearch.web import create_app, warm

SAMPLES = Path(__file__).resolve().parents[1] / "corpus" / "samples"
PAGES = ["/doc/gb-50016-2014", "/api/doc/gb-50016-2014", "/?q=建筑设计防火规范", "/?q=产品质量法第二十六条"]


@pytest.fixture
def home(tmp_path: Path) -> Home:
    """The bundled sample's catalogues and laws."""
    home = Home.resolve(tmp_path / "home")
    assert pipeline.ingest(home, [SAMPLES]).failed == 0
    return home


def pages_answer(home: Home) -> bool:
    """True when every page answers without reading the whole manifest (a request that reads it
    fails; the warming thread still may)."""
    whole = Store.manifest

    def manifest(store: Store) -> dict:
        if threading.current_thread() is threading.main_thread():
            raise AssertionError("a request read the whole manifest")
        return whole(store)

    client = create_app({"HOME": home, "TESTING": True}).test_client()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Store, "manifest", manifest)
        try:
            return all(client.get(page).status_code == 200 for page in PAGES)
        except AssertionError:
            return False


def test_a_warmed_home_serves_its_pages_without_reading_the_whole_manifest(home: Home) -> None:
    assert not pages_answer(home), "the pages do read the whole manifest when nothing is warm"
    warm.warm(home)
    assert pages_answer(home)


def test_the_server_warms_again_after_an_ingest(home: Home, tmp_path: Path) -> None:
    stop = threading.Event()
    warm.keep_warm(home, poll=0.05, stop=stop)
    try:
        assert wait_for(lambda: pages_answer(home))
        policy = tmp_path / "关于推进标准化工作的若干措施.txt"
        policy.write_text("关于推进标准化工作的若干措施\n一、加快制定团体标准。\n二、推动企业标准自我声明公开。\n", encoding="utf-8")
        assert pipeline.ingest(home, [policy]).added == 1  # a new corpus state: the caches are stale
        assert wait_for(lambda: pages_answer(home))
    finally:
        stop.set()


def wait_for(condition, seconds: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    """True once ``condition()`` holds (polled), False when ``seconds`` pass first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False
