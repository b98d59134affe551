"""Zotero item JSON input: the mirror of `bridge.zotero.items.reference_to_item`.

A file of Zotero items (what the Web API returns for `/items`: objects with `key`,
`version` and `data`, or the bare `data` objects; one item alone is accepted too) becomes
one `Reference` per regular item; notes, attachments and annotations are not references.
The mapping itself is `bridge.zotero.items.item_to_reference`, which the Zotero sync uses
too; this reader only adds the file as the provenance, with each item's key and version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ..errors import Problems
from ..model import Provenance, Reference
from . import Reader
from .csljson import load_json_items

__all__ = ["ZoteroJsonReader"]


class ZoteroJsonReader(Reader):
    """Zotero item JSON (by name, or a `.json` file whose items have `itemType`)."""

    name = "zotero-json"
    suffixes = ()

    def read(self, text: str, source: str, problems: Problems) -> list[Reference]:
        from ..zotero.items import is_regular_item, item_to_reference

        items = load_json_items(text, source, "Zotero item JSON", one_item=True)
        refs = []
        for position, item in enumerate(items, 1):
            if not isinstance(item, Mapping):
                problems.add(f"item {position} is not a Zotero item; skipped", source)
                continue
            if not is_regular_item(item):
                continue
            ref = item_to_reference(item)
            if ref.provenance is not None:  # the item's key and version, from the file
                ref.provenance = replace(ref.provenance, source=source)
            else:
                ref.provenance = Provenance(source)
            refs.append(ref)
        return refs
