"""How long-running library calls report progress without knowing who is watching.

The library calls `Progress` methods; the CLI passes one that draws a rich progress bar with
an ETA on stderr, and everyone else gets `NO_PROGRESS`.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["NO_PROGRESS", "Progress"]


class Progress(Protocol):
    def start(self, description: str, total: int | None) -> None:
        """A new stage begins; `total` steps, or None when unknown."""

    def advance(self, steps: int = 1) -> None:
        """`steps` more steps of the current stage are done."""

    def finish(self) -> None:
        """The current stage is over."""

    def note(self, message: str) -> None:
        """Tell the user something worth knowing now (a long wait and its reason)."""


class _NoProgress:
    def start(self, description: str, total: int | None) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass

    def note(self, message: str) -> None:
        pass


NO_PROGRESS: Progress = _NoProgress()
