"""What the report's tagged PDF needs beyond WeasyPrint's own tagging (WeasyPrint 70).

WeasyPrint tags a PDF/UA document from the HTML, page by page. Three things a
screen reader or a PDF/UA checker meets in its output are put right here,
while ``write_pdf`` runs:

- The page margins (the running header, "Page X of Y") are drawn as marked
  content hanging off structure elements that nothing in the tree reaches;
  PDF/UA-1 (7.8) wants them artifacts. They are drawn as ``/Artifact`` and
  left out of the structure tree.
- An element that runs over a page break (a section, a list) becomes one
  structure element per page: the second a section with no heading. The
  pieces after the first are folded into the first.
- An element's ``lang`` (a place's name in local script, ``<span lang="ja">``)
  is not carried into the structure tree, so a screen reader reads 豊田市 as
  English. It becomes the structure element's ``/Lang``.

Each change wraps a WeasyPrint function for the length of one ``write_pdf``
and is undone after it; the tests read the structure tree of the PDFs made,
so a WeasyPrint that changes these internals fails them rather than silently
untagging the reports.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Structure types never folded across a page break: a table's cells are tied to
# their headers page by page, and a link's content is referenced by page.
NOT_FOLDED = {"/Table", "/THead", "/TBody", "/TFoot", "/TR", "/TH", "/TD", "/Link", "/Figure", "/Caption"}

_patching = threading.Lock()


@contextmanager
def report_tagging(document: Any) -> Iterator[None]:
    """While it is open, ``document.write_pdf`` tags margins as artifacts, folds elements
    split by a page break and carries ``lang`` into the structure tree."""
    from pydyf import Array, String
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import stream as stream_module
    from weasyprint.pdf import tags as tags_module

    in_margins = {id(box) for page in document.pages for box in _margin_boxes(page._page_box, boxes)}
    first_pieces: dict[tuple[int, int], tuple[Any, int]] = {}
    original_marked = stream_module.Stream.marked
    original_build = tags_module._build_box_tree

    def marked(stream: Any, box: Any, tag: str) -> Any:
        if id(box) in in_margins:
            return stream.artifact()
        return original_marked(stream, box, tag)

    def build_box_tree(box: Any, parent: Any, pdf: Any, page_number: int, *rest: Any) -> Iterator[Any]:
        if isinstance(box, boxes.MarginBox):
            return  # drawn as artifacts: nothing of it belongs in the tree
        for element in original_build(box, parent, pdf, page_number, *rest):
            language = box.element.get("lang") if box.element is not None else None
            if language and box.element_tag not in ("html", "body"):
                element["Lang"] = String(language)
            if box.element is None or element["S"] in NOT_FOLDED:
                yield element
                continue
            # A box carried over a page break keeps its element and its style object.
            key = (id(box.element), id(box.style))
            first = first_pieces.get(key)
            if first is None or first[1] == page_number:
                first_pieces[key] = (element, page_number)
                yield element
                continue
            _fold(pdf, first[0], element, Array)

    with _patching:
        stream_module.Stream.marked = marked
        tags_module._build_box_tree = build_box_tree
        try:
            yield
        finally:
            stream_module.Stream.marked = original_marked
            tags_module._build_box_tree = original_build


def _margin_boxes(page_box: Any, boxes: Any) -> Iterator[Any]:
    """Every box drawn in the page's margins, the margin boxes themselves included."""
    for child in page_box.children:
        if isinstance(child, boxes.MarginBox):
            yield from _descendants(child)


def _descendants(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _descendants(child)


def _fold(pdf: Any, first: Any, later: Any, array: Any) -> None:
    """Moves the children of a later piece of an element into its first piece."""
    for kid in later["K"]:
        if isinstance(kid, bytes):  # a reference: to a structure element, or to an annotation
            referenced = pdf.objects[int(kid.split()[0])]
            if referenced.get("Type") == "/StructElem":
                referenced["P"] = first.reference
        first["K"].append(kid)
    later["K"] = array([])
