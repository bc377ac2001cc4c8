"""What the PDF edition's structure tree needs beyond WeasyPrint's own tagging.

WeasyPrint (``pdf_variant="pdf/ua-1"``) writes the structure tree a screen reader
follows: headings, paragraphs, lists, tables with their header cells, every image a
Figure with its alternative text, the document's language and title, XMP metadata. Three
things of PDF/UA-1 it leaves undone in the pinned version, and ``pdf_ua_tagging`` adds
while a document is written:

- the running headers and footers (the page boxes' title, chapter and page number) are
  marked as pagination artifacts, which a reader skips, instead of content that belongs
  to no element of the tree;
- an element written in another language than the document's (a quoted passage,
  ``lang="fr"`` in the English edition) carries its ``/Lang``, so that it is read out in
  its own language;
- a link's description (``/Contents`` of its annotation) is the link's text, not the
  anchor it points to.

The adjustments wrap two functions of WeasyPrint's drawing and tagging for the time of
one ``write_pdf`` call and put them back after; the PDF/UA test of the suite reads the
tree they produce.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

# The attribute of an HTML element that names its language.
LANG_ATTRIBUTE = "lang"
# Elements whose language is the document's own (its catalog's /Lang).
DOCUMENT_ELEMENTS = ("html", "body")
# What each kind of list element may hold.
LIST_PARTS = {"/L": ("/LI", "/L", "/Caption"), "/LI": ("/Lbl", "/LBody")}
# A header cell's HTML scope as PDF names it (a header without one heads its column).
HEADER_SCOPES = {"col": "/Column", "row": "/Row", "colgroup": "/Column", "rowgroup": "/Row"}


@contextlib.contextmanager
def pdf_ua_tagging() -> Iterator[None]:
    """While open, WeasyPrint marks the page boxes' texts as artifacts, gives elements of
    another language their ``/Lang`` and links their text as description."""
    import pydyf
    from weasyprint import draw
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import tags

    draw_context = draw.draw_stacking_context
    build_tree = tags._build_box_tree

    def draw_stacking_context(stream: Any, context: Any) -> None:
        if not isinstance(context.box, boxes.MarginBox) or stream._tags is None:
            draw_context(stream, context)
            return
        # Drawn untagged, inside one artifact of pagination.
        stream.begin_marked_content("Artifact", pydyf.Dictionary({"Type": "/Pagination"}))
        marked, stream._tags = stream._tags, None
        try:
            draw_context(stream, context)
        finally:
            stream._tags = marked
            stream.end_marked_content()

    def build_box_tree(box: Any, parent: Any, pdf: Any, *args: Any) -> Iterator[Any]:
        if isinstance(box, boxes.MarginBox):
            return  # artifacts: no element of the tree
        for element in build_tree(box, parent, pdf, *args):
            describe_element(box, element, pydyf)
            mend_list(element, pdf, pydyf)
            yield element

    draw.draw_stacking_context = draw_stacking_context
    tags._build_box_tree = build_box_tree
    try:
        yield
    finally:
        draw.draw_stacking_context = draw_context
        tags._build_box_tree = build_tree


def mend_list(element: Any, pdf: Any, pydyf: Any) -> None:
    """Put what a list holds into its items: a list (``/L``) holds items (``/LI``) and
    lists, an item a label (``/Lbl``) and a body (``/LBody``). WeasyPrint leaves the
    block-level parts of an item (a note under a finding) beside it; they go into the
    body of the item they follow."""
    kind = element["S"]
    if kind not in ("/L", "/LI"):
        return
    kept, item = pydyf.Array(), None
    for reference in element["K"]:
        kid = resolve(pdf, reference)
        if kid is None or kid.get("S") in LIST_PARTS[kind]:
            kept.append(reference)
            if kid is not None and kid.get("S") == "/LI":
                item = kid
            continue
        if kind == "/LI":
            item = element
        elif item is None:
            item = new_element(pdf, pydyf, "/LI", element)
            kept.append(item.reference)
        body = find_body(pdf, pydyf, item)
        kid["P"] = body.reference
        body["K"].append(reference)
    element["K"] = kept


def resolve(pdf: Any, reference: Any) -> Any:
    """The structure element a reference of the tree names; None for a marked-content
    id or an annotation's reference."""
    if not isinstance(reference, bytes):
        return None
    found = pdf.objects[int(reference.split()[0])]
    return found if getattr(found, "get", None) and found.get("Type") == "/StructElem" else None


def find_body(pdf: Any, pydyf: Any, item: Any) -> Any:
    """The body (``/LBody``) of a list item, added when it has none."""
    for reference in item["K"]:
        kid = resolve(pdf, reference)
        if kid is not None and kid.get("S") == "/LBody":
            return kid
    body = new_element(pdf, pydyf, "/LBody", item)
    item["K"].append(body.reference)
    return body


def new_element(pdf: Any, pydyf: Any, kind: str, parent: Any) -> Any:
    element = pydyf.Dictionary(
        {"Type": "/StructElem", "S": kind, "K": pydyf.Array(), "P": parent.reference}
    )
    if "Pg" in parent:
        element["Pg"] = parent["Pg"]
    pdf.add_object(element)
    return element


def describe_element(box: Any, element: Any, pydyf: Any) -> None:
    """Give ``element`` (the structure element of ``box``) the language of its HTML
    element when that element names one, and a link its text as description."""
    source = getattr(box, "element", None)
    if source is None or not isinstance(getattr(source, "tag", None), str):
        return
    if source.tag in DOCUMENT_ELEMENTS:
        return
    lang = source.get(LANG_ATTRIBUTE)
    if lang:
        element["Lang"] = pydyf.String(lang)
    scope = HEADER_SCOPES.get(source.get("scope", "col"))
    if source.tag == "th" and element["S"] == "/TH" and scope:
        element["A"]["Scope"] = scope
    annotation = getattr(box, "link_annotation", None)
    if annotation is not None:
        text = " ".join("".join(source.itertext()).split())
        if text:
            annotation["Contents"] = pydyf.String(text)
