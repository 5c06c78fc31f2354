"""Partner Center answers JSON or XML, as the client's Accept header asks."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any
from xml.etree import ElementTree

import mimeparse
from fastapi.responses import Response

from licensehub.kit.errors import NotAcceptable

# On a tie (e.g. */*), mimeparse picks the last listed: JSON is the default.
SUPPORTED = ["text/xml", "application/xml", "text/json", "application/json"]
XML_TYPES = {"text/xml", "application/xml"}


# A client sends the same Accept with every request: parsed once (a refused one is not kept).
@lru_cache(maxsize=256)
def negotiate(accept: str | None) -> str:
    if not accept or not accept.strip():
        return "application/json"
    try:
        chosen = mimeparse.best_match(SUPPORTED, accept)
    except ValueError:
        chosen = ""
    if not chosen:
        raise NotAcceptable(
            f"Cannot answer in {accept!r}: this resource is served as "
            "application/json, text/json, application/xml or text/xml."
        )
    return str(chosen)


def singular(name: str) -> str:
    """The element name of one member of a list: servicePlans -> ServicePlan."""
    base = name[:-1] if name.endswith("s") else name
    return base[:1].upper() + base[1:]


def element(name: str, value: Any) -> ElementTree.Element:
    node = ElementTree.Element(name)
    if isinstance(value, dict):
        for key, child in value.items():
            node.append(element(key, child))
    elif isinstance(value, list):
        for item in value:
            kind = item.get("attributes", {}).get("objectType") if isinstance(item, dict) else None
            node.append(element(kind or singular(name), item))
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = str(value)
    return node


def to_xml(body: dict[str, Any]) -> bytes:
    """The JSON tree as XML: the root named after its objectType, lists as repeated
    elements named after each member's objectType (or the list's name, singular)."""
    root_name = body.get("attributes", {}).get("objectType", "Resource")
    document: bytes = ElementTree.tostring(
        element(root_name, body), encoding="utf-8", xml_declaration=True
    )
    return document


def respond(body: str, media_type: str) -> Response:
    """The body, JSON text, in the negotiated media type."""
    if media_type in XML_TYPES:
        xml = to_xml(json.loads(body))
        return Response(xml, media_type=f"{media_type}; charset=utf-8")
    return Response(body.encode(), media_type=media_type)
