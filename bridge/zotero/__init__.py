"""Zotero: the Web API v3 client (`api`); items and sync live beside it."""

from .api import KeyInfo, WriteFailure, WriteResult, ZoteroClient, new_object_key

__all__ = ["KeyInfo", "WriteFailure", "WriteResult", "ZoteroClient", "new_object_key"]
