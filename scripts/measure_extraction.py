"""Measure main-text extraction on the real saved pages: our lxml rule vs trafilatura vs readability.

For every page in ../shared/data/html-gov (and the JSP regulation pages in ../shared/data/html)
prints, per extractor: characters extracted, how many key sentences of the body are present,
which page-noise markers leaked (分享, 登录, 版权所有 …) and how many lines start with an article
label (第X条), which is what clause splitting needs.

Usage: python scripts/measure_extraction.py [DATA_DIR]
trafilatura and readability-lxml are optional (evaluation only); missing ones are skipped.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import lxml.html

from stdsearch.parse.encoding import decode
from stdsearch.parse.html import _parse_tree, main_text_lines

DATA = (
    Path(sys.argv[1])
    if len(sys.argv) > 1
    else Path(__file__).resolve().parents[2] / "shared" / "data"
)

#: Sentences (fragments) that the body of each page contains: first, middle, last.
KEY_SENTENCES: dict[str, list[str]] = {
    "gne_cmse-gov_press-conference.html": ["很高兴又一次和大家见面", "首次航天员手控交会对接试验取得圆满成功", "我愿意回答大家的提问"],
    "gne_deqing-gov_statistics.html": ["全县固定资产投资完成246.79亿元", "位列三县两区第一"],
    "gne_govcn_npc-decision.html": ["第二十八次会议通过", "听取了财政部部长金人庆", "调整2007年末国债余额限额"],
    "gne_people_declared-gb2312-actually-utf8.html": ["父亲的教诲像一盏灯", "纸上得来终觉浅", "字里行间都是对儿子的爱"],
    "gne_shanxi-gov_news.html": ["跨越千山万水", "中国驻圣保罗总领馆副总领事孙仁安", "先后在巴西、乌拉圭、阿根廷举行"],
    "gne_sxmu_jianchafa-law-text.html": ["第一条　为了深化国家监察体制改革", "第三十条", "第六十九条　本法自公布之日起施行"],
    "magichtml_kepu-gov.html": ["新华社上海11月30日电", "长三角区域要加强生态环境共保联治", "李干杰、何立峰、吴政隆"],
}  # fmt: skip
NOISE = (
    "分享",
    "登录",
    "版权所有",
    "ICP备",
    "网站地图",
    "联系我们",
    "设为首页",
    "热点排行",
    "责任编辑",
    "扫一扫",
)
ARTICLE_LINE = re.compile(r"^\s*第[零〇一二三四五六七八九十百千]+条", re.M)

Extractor = Callable[[str], str]


def ours(html: str) -> str:
    """Our rule: known content container, else the densest paragraph block."""
    return "\n".join(main_text_lines(_parse_tree(html)))


def with_trafilatura(html: str) -> str:
    """trafilatura.extract with tables, no comments."""
    import trafilatura

    return trafilatura.extract(html, include_comments=False, include_tables=True) or ""


def with_readability(html: str) -> str:
    """readability-lxml's summary, as text with line breaks at blocks."""
    from readability import Document as Readable

    summary = Readable(html).summary(html_partial=True)
    tree = lxml.html.fragment_fromstring(summary, create_parent="div")
    for br in tree.iter("br", "p", "div", "tr", "li"):
        br.tail = "\n" + (br.tail or "")
    return tree.text_content()


def extractors() -> dict[str, Extractor]:
    """The extractors whose libraries are installed."""
    found: dict[str, Extractor] = {"ours": ours}
    for name, module, func in (
        ("trafilatura", "trafilatura", with_trafilatura),
        ("readability", "readability", with_readability),
    ):
        try:
            __import__(module)
        except ImportError:
            print(f"({name} not installed: skipped)")
            continue
        found[name] = func
    return found


def measure(page: Path, name: str, extract: Extractor) -> tuple[int, str, str, int, float]:
    """(chars, key sentences found, noise leaked, article lines, seconds) for one page."""
    html = _strip_jsp(decode(page.read_bytes())[0])
    started = time.perf_counter()
    try:
        text = extract(html)
    except Exception as error:  # noqa: BLE001 - a crash is a measurement result
        return 0, f"error {type(error).__name__}", "", 0, 0.0
    seconds = time.perf_counter() - started
    keys = KEY_SENTENCES.get(page.name, [])
    found = sum(1 for key in keys if _norm(key) in _norm(text))
    leaked = ",".join(n for n in NOISE if n in text)
    return (
        len(text),
        f"{found}/{len(keys)}" if keys else "-",
        leaked,
        len(ARTICLE_LINE.findall(text)),
        seconds,
    )


def _strip_jsp(html: str) -> str:
    """Remove JSP directives so that every extractor gets plain HTML."""
    return re.sub(r"<%[@=!]?.*?%>", "", html, flags=re.DOTALL)


def _norm(text: str) -> str:
    """Whitespace-free form for containment tests (full-width spaces become plain)."""
    return re.sub(r"[\s\u3000\xa0]+", "", text)


def pages() -> list[Path]:
    """The real pages to measure (not the chardet fixtures: those are feeds and snippets)."""
    gov = sorted((DATA / "html-gov").glob("[gm]*.html"))
    jsp = sorted((DATA / "html").rglob("*.jsp"), key=lambda p: int(re.sub(r"\D", "", p.stem) or 0))
    return gov + jsp


def main() -> None:
    """Print one row per page and extractor, then totals."""
    chosen = extractors()
    totals: dict[str, list[float]] = {name: [0, 0, 0, 0, 0.0] for name in chosen}
    print(
        f"{'page':48} {'extractor':12} {'chars':>7} {'keys':>5} {'arts':>5} {'ms':>6}  noise leaked"
    )
    for page in pages():
        for name, extract in chosen.items():
            chars, keys, leaked, articles, seconds = measure(page, name, extract)
            print(
                f"{page.name[:48]:48} {name:12} {chars:7d} {keys:>5} {articles:5d} {seconds * 1000:6.0f}  {leaked}"
            )
            total = totals[name]
            if "/" in keys:
                got, want = keys.split("/")
                total[0] += int(got)
                total[1] += int(want)
            total[2] += bool(leaked)
            total[3] += articles
            total[4] += seconds
    print()
    for name, (got, want, noisy, articles, seconds) in totals.items():
        print(
            f"{name:12} key sentences {int(got)}/{int(want)}  pages with noise {int(noisy)}  article lines {int(articles)}  total {seconds:.2f}s"
        )


if __name__ == "__main__":
    main()
