"""Compare PDF text extractors (pypdf, pdfplumber) on Chinese PDFs made here.

The PDFs are built with reportlab from real texts (the seed Xiamen policy and a national law
from ../shared/data/laws), in the two ways Chinese government PDFs usually carry their fonts:
an embedded TrueType CJK font (WenQuanYi Zen Hei, Debian package fonts-wqy-zenhei) and the
non-embedded Adobe CID font STSong-Light (UniGB-UCS2-H). Each page has a running header and a
page number, as official documents do. For each extractor: character accuracy (difflib ratio
of the text without whitespace and without header/footer lines against the source), whether
the source's paragraphs come out in order, and time.

    python scripts/measure_pdf.py            # prints a table
"""

from __future__ import annotations

import difflib
import io
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    PageTemplate,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared" / "data"
WQY = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
LAW = SHARED / "laws" / "经济法" / "产品质量法(2018-12-29).md"


def source_texts() -> dict[str, tuple[str, list[str]]]:
    """name → (title, paragraphs) of the real texts used."""
    seed = PROJECT / "corpus" / "samples" / "000_60e92da960188409.txt"
    lines = [x.strip() for x in seed.read_text(encoding="utf-8").splitlines() if x.strip()][1:]
    texts = {"seed-policy": (lines[0], lines[1:])}
    if LAW.exists():
        body = LAW.read_text(encoding="utf-8").split("<!-- INFO END -->")[-1]
        paragraphs = [x.strip().lstrip("#").strip() for x in body.splitlines() if x.strip()]
        texts["product-quality-law"] = ("中华人民共和国产品质量法", paragraphs)
    return texts


def build_pdf(title: str, paragraphs: list[str], font: str, columns: int = 1) -> bytes:
    """A4 PDF: title, wrapped paragraphs, running header and page numbers (1 or 2 columns)."""
    out = io.BytesIO()
    body = ParagraphStyle(
        "body", fontName=font, fontSize=12, leading=20, firstLineIndent=24, wordWrap="CJK"
    )
    head = ParagraphStyle(
        "title", parent=body, fontSize=18, leading=28, alignment=1, firstLineIndent=0
    )

    def furniture(canvas, doc):  # type: ignore[no-untyped-def]
        canvas.setFont(font, 9)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 15 * mm, "厦门市人民政府文件")
        canvas.drawCentredString(A4[0] / 2, 12 * mm, f"— {doc.page} —")

    story = [Paragraph(title, head), Spacer(1, 8)]
    story += [Paragraph(p, body) for p in paragraphs]
    if columns == 1:
        SimpleDocTemplate(out, pagesize=A4, title=title).build(
            story, onFirstPage=furniture, onLaterPages=furniture
        )
        return out.getvalue()
    width = (A4[0] - 50 * mm) / 2
    frames = [
        Frame(20 * mm + i * (width + 10 * mm), 20 * mm, width, A4[1] - 45 * mm) for i in range(2)
    ]
    template = BaseDocTemplate(out, pagesize=A4, title=title)
    template.addPageTemplates([PageTemplate("two", frames=frames, onPage=furniture)])
    template.build(story)
    return out.getvalue()


def with_pypdf(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def with_pdfplumber(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def squash(text: str) -> str:
    """Text without whitespace, header and page-number lines."""
    lines = [x for x in text.splitlines() if x.strip() not in ("厦门市人民政府文件",)]
    lines = [x for x in lines if not re.fullmatch(r"\s*—\s*\d+\s*—\s*", x)]
    return re.sub(r"\s+", "", "".join(lines))


def in_order(extracted: str, paragraphs: list[str]) -> float:
    """Share of paragraphs whose first 12 characters are found after the previous one's."""
    flat, position, hits = squash(extracted), 0, 0
    for paragraph in paragraphs:
        probe = re.sub(r"\s+", "", paragraph)[:12]
        found = flat.find(probe, position)
        if found >= 0:
            hits, position = hits + 1, found
    return hits / max(1, len(paragraphs))


def measure(
    extract: Callable[[bytes], str], data: bytes, title: str, paragraphs: list[str]
) -> tuple[float, float, float]:
    """(character accuracy, paragraph order, seconds)."""
    started = time.perf_counter()
    text = extract(data)
    seconds = time.perf_counter() - started
    expected = squash(title + "".join(paragraphs))
    ratio = difflib.SequenceMatcher(None, expected, squash(text), autojunk=False).ratio()
    return ratio, in_order(text, paragraphs), seconds


def main() -> int:
    pdfmetrics.registerFont(TTFont("WQY", str(WQY), subfontIndex=0))
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    print("| text | layout | KB | extractor | char accuracy | paragraphs in order | seconds |")
    print("|---|---|---|---|---|---|---|")
    for name, (title, paragraphs) in source_texts().items():
        for font, columns in (("WQY", 1), ("STSong-Light", 1), ("STSong-Light", 2)):
            data = build_pdf(title, paragraphs, font, columns)
            for label, extract in (("pypdf", with_pypdf), ("pdfplumber", with_pdfplumber)):
                ratio, order, seconds = measure(extract, data, title, paragraphs)
                print(
                    f"| {name} | {font}, {columns} col | {len(data) // 1024} | {label} | "
                    f"{ratio:.4f} | {order:.3f} | {seconds:.2f} |"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
