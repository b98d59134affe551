"""Every error refbridge raises, and the collector for problems that are only worth a warning.

The tree, so callers can catch at the level they care about::

    RefbridgeError
    ├── InputError            bad input from the user: exit code 2
    │   ├── InvalidArxivId
    │   ├── BibParseError     a .bib that cannot be read (file and line)
    │   ├── UnreadableInput   missing, binary, badly encoded or empty input
    │   ├── UnwritableOutput  an output path that cannot be written
    │   ├── UnknownFormat     a --format or suffix no reader/writer knows
    │   └── ConfigError       a bad setting in a config file or the environment
    └── ServiceError          a service failed after retries: exit code 3
        ├── HttpError         (bridge._http) what the shared HTTP policy raises; each client
        │                     turns it into its own error below
        ├── ArxivError        url, retry count, HTTP status
        └── ZoteroError       method, url, status, body (the API key is never in any of them)
            └── ZoteroAuthError   wrong, missing or read-only key (also exit code 2)

Every SQLite error on the cache file becomes a ConfigError (bridge._sqlite); an unusable
endpoint URL too.

The library never prints and never exits; `bridge.cli` turns these into one-line messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "ArxivError",
    "BibParseError",
    "ConfigError",
    "InputError",
    "InvalidArxivId",
    "Problem",
    "Problems",
    "RefbridgeError",
    "ServiceError",
    "UnknownFormat",
    "UnreadableInput",
    "UnwritableOutput",
    "ZoteroAuthError",
    "ZoteroError",
    "redact",
]


class RefbridgeError(Exception):
    """Base class of every error refbridge raises on purpose."""


class InputError(RefbridgeError):
    """The input (a file, an argument, a setting) is wrong; fixing it is the user's move."""


class InvalidArxivId(InputError):
    """A string that should be an arXiv identifier is not one."""

    def __init__(self, text: str):
        self.text = text
        super().__init__(
            f"{text!r} is not an arXiv identifier "
            "(expected e.g. 2310.13798, 2310.13798v2 or hep-th/9901001)"
        )


class UnreadableInput(InputError):
    """An input file is missing, binary, badly encoded or empty."""

    def __init__(self, source: str, reason: str, line: int | None = None):
        self.source = source
        self.reason = reason
        self.line = line
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {reason}")


class UnwritableOutput(InputError):
    """An output file cannot be written where it was asked for."""

    def __init__(self, target: str, reason: str):
        self.target = target
        self.reason = reason
        super().__init__(f"{target}: cannot write here: {reason}")


class BibParseError(InputError):
    """A .bib file has a syntax error we cannot read past (only raised with --strict)."""

    def __init__(self, source: str, line: int | None, reason: str):
        self.source = source
        self.line = line
        self.reason = reason
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {reason}")


class UnknownFormat(InputError):
    """No reader or writer is registered under a name or file suffix."""

    def __init__(self, what: str, known: list[str]):
        self.what = what
        self.known = known
        super().__init__(f"unknown format {what!r}; known formats: {', '.join(sorted(known))}")


class ConfigError(InputError):
    """A setting in a config file or the environment cannot be used."""


class ServiceError(RefbridgeError):
    """A remote service (arXiv, Zotero) failed, and retrying did not help."""


class ArxivError(ServiceError):
    """The arXiv API failed after retries."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None,
                 retry: int = 0):
        self.message = message
        self.url = url
        self.status = status
        self.retry = retry
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.message} ({self.url})" if self.url else self.message


class ZoteroError(ServiceError):
    """The Zotero Web API refused or failed a request. Never carries the API key."""

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None,
                 status: int | None = None, body: str | None = None):
        self.message = message
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        super().__init__(message)

    def __str__(self) -> str:
        if self.method and self.url:
            return f"{self.message} ({self.method} {self.url})"
        return self.message


class ZoteroAuthError(ZoteroError):
    """The Zotero API key is missing, wrong, or may not write to the library."""


_KEYLIKE = re.compile(r"(?i)((?:key|token|authorization)[\"'=:\s]+)([A-Za-z0-9]{8,})")


def redact(text: str, *secrets: str | None) -> str:
    """Remove every given secret, and anything that looks like a key assignment, from text.

    >>> redact("bad key P9NiFoyLeZu2bZNvvuQPDWsd for user", "P9NiFoyLeZu2bZNvvuQPDWsd")
    'bad key [redacted] for user'
    >>> redact("url?key=abcdef1234567890")
    'url?key=[redacted]'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return _KEYLIKE.sub(lambda m: m.group(1) + "[redacted]", text)


@dataclass(frozen=True)
class Problem:
    """A recoverable problem found while reading: worth a warning, not worth stopping for."""

    message: str
    source: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        if self.source and self.line:
            return f"{self.source}:{self.line}: {self.message}"
        if self.source:
            return f"{self.source}: {self.message}"
        return self.message


@dataclass
class Problems:
    """Collects `Problem`s; readers are handed one instead of writing to global state.

    With `strict=True` the first problem is raised as a `BibParseError` instead.
    """

    strict: bool = False
    items: list[Problem] = field(default_factory=list)

    def add(self, message: str, source: str | None = None, line: int | None = None) -> None:
        if self.strict:
            raise BibParseError(source or "<input>", line, message)
        self.items.append(Problem(message, source, line))

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
