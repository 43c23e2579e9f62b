"""Attachments (附件), images with captions, and the language of an article.

Pure functions over an lxml tree; the cues are data at the top of the module.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

# Files, not pages: what a link to one of these is (also used by the crawler's discovery).
ATTACHMENT_EXTENSIONS: frozenset[str] = frozenset(
    {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".wps", ".et", ".ofd",
     ".zip", ".rar", ".7z", ".txt", ".csv", ".jpg", ".jpeg", ".png", ".gif", ".bmp",
     ".mp4", ".mp3"}
)
# Document attachments only (an article's linked images are not its 附件).
DOCUMENT_EXTENSIONS: frozenset[str] = frozenset(
    {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".wps", ".et", ".ofd",
     ".zip", ".rar", ".7z", ".txt", ".csv"}
)
# Download endpoints of CMS families whose URLs carry no file extension.
DOWNLOAD_PATHS: tuple[str, ...] = ("/module/download/downfile.jsp", "/attachment.jspx",
                                   "/download.jsp", "/downfile.jsp")
ATTACHMENT_LABEL = re.compile(r"^\s*附件\s*\d*\s*[:：.、]?\s*")
# Alt texts that are file names or placeholders, not captions.
NON_CAPTION_ALT = re.compile(r"^(?:[\w\-. ]+\.(?:png|jpe?g|gif|bmp|webp)|image|img|图片|\d+)$",
                             re.I)
CAPTION_PREFIXES: tuple[str, ...] = ("图为", "图：", "图:", "图片：", "▲", "△", "（图", "(图")
CAPTION_MAX_CHARS = 80
ICON_MAX_PX = 40  # images declared this small are icons, not article images
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
ZH_SHARE = 0.3


def _extension(url: str) -> str:
    path = urlsplit(url).path.lower()
    dot = path.rfind(".")
    return path[dot:] if dot > path.rfind("/") else ""


def is_attachment_url(url: str) -> bool:
    return _extension(url) in ATTACHMENT_EXTENSIONS


def _text(el: etree._Element) -> str:
    if not isinstance(el.tag, str):  # comments and processing instructions
        return ""
    return " ".join("".join(el.itertext()).split())


FOLLOWING_BLOCKS = 3  # blocks after the body where 附件 lines sit


def _attachment_anchors(root: etree._Element, scope: etree._Element | None):
    """Links in the body and in the few blocks after it or after its parent (附件 boxes
    beside the body's wrapper), and any link labelled 附件 on the page."""
    if scope is None:
        yield from root.iter("a")
        return
    yield from scope.iter("a")
    parent = scope.getparent()
    for holder in (scope, parent) if parent is not None else (scope,):
        for count, block in enumerate(holder.itersiblings()):
            if count >= FOLLOWING_BLOCKS:
                break
            if isinstance(block.tag, str):
                yield from block.iter("a")
    for anchor in root.iter("a"):
        if ATTACHMENT_LABEL.match(_text(anchor)):
            yield anchor


def _names_a_document(text: str) -> bool:
    """Link text or title that is a file name ("评标报告.pdf"): download endpoints without
    an extension in the URL (Epoint ``downloadZtbAttach.jspx?attachGuid=…``)."""
    dot = text.rfind(".")
    return dot > 0 and text[dot:].strip().lower() in DOCUMENT_EXTENSIONS


def find_attachments(root: etree._Element, base_url: str | None,
                     scope: etree._Element | None = None) -> list[dict[str, str]]:
    """Document links of the article: name (link text without 附件1：) and absolute URL.

    With a body ``scope``: links inside it and in the few blocks after it, plus links
    labelled 附件 anywhere; without one, every document link of the page.
    """
    found: dict[str, dict[str, str]] = {}
    for anchor in _attachment_anchors(root, scope):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = urljoin(base_url or "", href)
        path = urlsplit(url).path.lower()
        name = ATTACHMENT_LABEL.sub("", _text(anchor) or anchor.get("title") or "").strip()
        if not (_extension(url) in DOCUMENT_EXTENSIONS or path.endswith(DOWNLOAD_PATHS)
                or _names_a_document(name) or _names_a_document(anchor.get("title") or "")):
            continue
        found.setdefault(url, {"name": name or path.rsplit("/", 1)[-1], "url": url})
    return list(found.values())


def _is_icon(img: etree._Element) -> bool:
    for attr in ("width", "height"):
        value = (img.get(attr) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) <= ICON_MAX_PX:
            return True
    return False


def _in_document_link(img: etree._Element) -> bool:
    """A file-type icon in or beside a link to a file (the 附件 line), not an article image."""
    holder = next(img.iterancestors("a"), None)
    if holder is None:
        holder = img.getparent()
    if holder is None:
        return False
    anchors = [holder] if holder.tag == "a" else list(holder.iter("a"))
    return any(_extension(a.get("href") or "") in DOCUMENT_EXTENSIONS for a in anchors)


def _caption(img: etree._Element) -> str | None:
    figure = next((a for a in img.iterancestors("figure")), None)
    if figure is not None:
        caption = figure.find(".//figcaption")
        if caption is not None and _text(caption):
            return _text(caption)
    holder = img.getparent()
    while holder is not None and holder.tag in ("a", "span", "strong", "center", "font"):
        holder = holder.getparent()
    if holder is not None:
        own = _text(holder)
        if own and len(own) <= CAPTION_MAX_CHARS:
            return own
        following = holder.getnext()
        if following is not None:
            text = _text(following)
            if text.startswith(CAPTION_PREFIXES) and len(text) <= CAPTION_MAX_CHARS:
                return text
    alt = (img.get("alt") or img.get("title") or "").strip()
    return alt if alt and not NON_CAPTION_ALT.match(alt) else None


def find_images(scope: etree._Element | None, base_url: str | None) -> list[dict[str, str]]:
    """Images of the article body: absolute src and caption (figcaption, 图为…, or alt)."""
    if scope is None:
        return []
    images: dict[str, dict[str, str]] = {}
    for img in scope.iter("img"):
        src = (img.get("src") or img.get("data-src") or "").strip()
        if not src or src.startswith("data:") or _is_icon(img) or _in_document_link(img):
            continue
        url = urljoin(base_url or "", src)
        caption = _caption(img)
        images.setdefault(url, {"src": url, **({"caption": caption} if caption else {})})
    return list(images.values())


def body_scope(root: etree._Element, first_line: str, last_line: str) -> etree._Element | None:
    """The smallest element holding the body's first and last lines."""
    head, tail = first_line[:12].strip(), last_line[-12:].strip()
    if not head:
        return None
    for start in root.xpath("//*[contains(text(), $head)]", head=head):
        for el in (start, *start.iterancestors()):
            if tail in _text(el):
                return el
    return None


def detect_language(root: etree._Element, body: str) -> str | None:
    """"zh" when Chinese characters make up a fair share of the body's letters."""
    cjk, latin = len(CJK.findall(body)), len(LATIN.findall(body))
    if cjk + latin:
        if cjk / (cjk + latin) >= ZH_SHARE:
            return "zh"
    declared = (root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
                or "").strip().lower()
    if declared:
        return declared.split("-")[0]
    return "en" if latin > cjk else None
