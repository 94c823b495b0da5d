"""Bytes → str for Chinese documents: BOM, then a verified declaration, then detection.

Order: a byte-order mark wins; bytes that are valid UTF-8 are UTF-8 (a page that declares
gb2312 but is UTF-8 is common, the reverse decoding strictly as UTF-8 is vanishingly rare);
then the declared charset (HTTP header, ``<meta charset>``, XML declaration), used only if it
decodes strictly and plausibly; then statistical detection (charset-normalizer).
GB2312/GBK labels are decoded as GB18030 (their superset), Big5 as cp950, then Big5-HKSCS.
EUC-TW (CNS 11643, older Taiwan text), which Python has no codec for, is decoded by the C
library's iconv, when declared, and last when nothing else decoded the bytes.
"""

from __future__ import annotations

import codecs
import ctypes
import functools
import re

from charset_normalizer import from_bytes

from stdsearch.errors import ParseError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: Declared labels → the codecs tried, in order (supersets first).
_ALIASES: dict[str, tuple[str, ...]] = {
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "gb18030": ("gb18030",),
    "x-gbk": ("gb18030",),
    "cp936": ("gb18030",),
    "euc-cn": ("gb18030",),
    "hz-gb-2312": ("hz",),
    "big5": ("cp950", "big5hkscs"),
    "big5-hkscs": ("big5hkscs",),
    "cp950": ("cp950", "big5hkscs"),
    "x-euc-tw": (),
    "euc-tw": (),
}

_DECLARATION = re.compile(
    rb"""(?:<meta[^>]{0,200}?charset\s*=\s*["']?|<\?xml[^>]{0,100}?encoding\s*=\s*["'])"""
    rb"""([A-Za-z0-9_.:-]{2,40})""",
    re.IGNORECASE,
)

_UNSUPPORTED = "EUC-TW (CNS 11643) is not valid here or this C library cannot convert it; convert the file to UTF-8 or Big5 first"


def decode(data: bytes, declared: str = "") -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding used)`` or raise ParseError.

    ``declared`` is a charset from outside the bytes (an HTTP Content-Type); when empty, a
    ``<meta charset>`` or XML declaration in the first 2 KB is used instead.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding), encoding
    if b"\x00" in data[:4096]:
        raise ParseError("not valid text in any supported encoding (binary data: NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    label = (declared or sniff_declared_charset(data)).strip().lower()
    if label:
        decoded = _try_declared(data, label)
        if decoded:
            return decoded
    return _detect(data)


def sniff_declared_charset(data: bytes) -> str:
    """The charset declared by a ``<meta>`` tag or XML declaration near the start, or ''."""
    match = _DECLARATION.search(data[:2048])
    return match.group(1).decode("ascii").lower() if match else ""


def codecs_for(label: str) -> tuple[str, ...]:
    """The Python codecs to try for a declared charset label ('' codecs = unsupported)."""
    label = label.strip().lower()
    if label in _ALIASES:
        return _ALIASES[label]
    try:
        return (codecs.lookup(label).name,)
    except LookupError:
        return ()


def _try_declared(data: bytes, label: str) -> tuple[str, str] | None:
    """Decode with the declared charset if it decodes strictly and plausibly."""
    if label in ("euc-tw", "x-euc-tw"):
        return _euc_tw(data)
    for encoding in codecs_for(label):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if is_plausible(text):
            return text, encoding
    return None


def _detect(data: bytes) -> tuple[str, str]:
    """Statistical detection, mapped to our preferred supersets and verified."""
    best = from_bytes(data).best()
    if best is not None and best.encoding:
        for encoding in codecs_for(best.encoding) or (best.encoding,):
            try:
                text = data.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                continue
            if is_plausible(text) and not _japanese_without_kana(encoding, text):
                return text, encoding
    # last, EUC-TW: its plane-1 characters are byte pairs a detector takes for GB2312 or EUC-JP
    euc_tw = iconv_decode(data, "EUC-TW")
    if euc_tw is not None and is_plausible(euc_tw):
        return euc_tw, "euc-tw"
    if _looks_like_euc_tw(data):
        raise ParseError(f"not valid text in any supported encoding: {_UNSUPPORTED}")
    raise ParseError("not valid text in any supported encoding")


def _euc_tw(data: bytes) -> tuple[str, str]:
    """EUC-TW bytes decoded by the C library's iconv, strictly and verified as plausible text."""
    text = iconv_decode(data, "EUC-TW")
    if text is None or not is_plausible(text):
        raise ParseError(f"not valid text in any supported encoding: {_UNSUPPORTED}")
    return text, "euc-tw"


def iconv_decode(data: bytes, encoding: str) -> str | None:
    """``data`` decoded from ``encoding`` by the C library's iconv(3) (glibc knows charsets
    Python does not, such as EUC-TW); None when the bytes are not valid in it or the library
    cannot convert from it."""
    libc = _libc_iconv()
    if libc is None:
        return None
    handle = libc.iconv_open(b"UTF-8", encoding.encode("ascii"))
    if handle in (None, ctypes.c_void_p(-1).value):
        return None
    try:
        source = ctypes.create_string_buffer(data, len(data))
        target = ctypes.create_string_buffer(2 * len(data) + 16)  # no EUC-TW character grows more in UTF-8
        in_pointer, out_pointer = ctypes.c_char_p(ctypes.addressof(source)), ctypes.c_char_p(ctypes.addressof(target))
        in_left, out_left = ctypes.c_size_t(len(data)), ctypes.c_size_t(len(target))
        result = libc.iconv(handle, ctypes.byref(in_pointer), ctypes.byref(in_left), ctypes.byref(out_pointer), ctypes.byref(out_left))
        if result == ctypes.c_size_t(-1).value or in_left.value:
            return None  # an invalid or incomplete sequence
        return target.raw[: len(target) - out_left.value].decode("utf-8")
    finally:
        libc.iconv_close(handle)


@functools.cache
def _libc_iconv() -> ctypes.CDLL | None:
    """The C library with iconv_open/iconv/iconv_close typed, or None without them."""
    try:
        libc = ctypes.CDLL(None)
        libc.iconv_open.restype, libc.iconv_open.argtypes = ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_char_p]
        pointer, size = ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_size_t)
        libc.iconv.restype, libc.iconv.argtypes = ctypes.c_size_t, [ctypes.c_void_p, pointer, size, pointer, size]
        libc.iconv_close.argtypes = [ctypes.c_void_p]
    except (OSError, AttributeError):
        return None
    return libc


def _looks_like_euc_tw(data: bytes) -> bool:
    """EUC-TW's 4-byte plane prefix (SS2 0x8E + plane 0xA1–0xB0) appears in the bytes."""
    return re.search(rb"\x8e[\xa1-\xb0][\xa1-\xfe]{2}", data) is not None


def is_plausible(text: str) -> bool:
    """True unless the text is full of control characters or private-use code points."""
    if not text:
        return True
    odd = sum(1 for ch in text if _is_odd(ch))
    return odd / len(text) < 0.01


def _japanese_without_kana(encoding: str, text: str) -> bool:
    """A Japanese codec guessed for text with (almost) no kana: a misdetection of Chinese."""
    japanese = ("euc_j", "shift_jis", "cp932", "iso2022_jp", "euc-j", "sjis")
    if not encoding.lower().startswith(japanese):
        return False
    kana = len(re.findall(r"[\u3041-\u3096\u30a1-\u30fa]", text))
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    return kana < max(1, han // 20)


def _is_odd(ch: str) -> bool:
    """A character that real documents almost never contain."""
    code = ord(ch)
    if code < 32:
        return ch not in "\t\n\r\f"
    return 0xE000 <= code <= 0xF8FF or ch == "\ufffd"
