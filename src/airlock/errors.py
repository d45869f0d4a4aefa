"""One error base for everything Airlock reports to a user.

Each interface gets a subclass. Only ``airlock.cli`` turns these into exit codes; library code
raises them and never prints or exits.
"""

from __future__ import annotations


class AirlockError(Exception):
    """Base of every error Airlock raises on purpose."""

    def diagnostics(self) -> str:
        """One line for the user: what went wrong and where."""
        return str(self)


class InputError(AirlockError):
    """Bad user input: a file that is missing, malformed or not what it claims to be.

    ``path`` names the file and ``line`` the line (1-based) where it is known.
    """

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        super().__init__(self.diagnostics())

    def diagnostics(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


class UsageError(AirlockError):
    """A command-line option that makes no sense (unknown regime, bad region list...)."""


class SourceError(AirlockError):
    """A live source could not be read at all (no credentials, no such bucket)."""


class TrailError(AirlockError):
    """The audit trail could not be ingested, verified or queried."""


class PolicyError(AirlockError):
    """A policy document that cannot be parsed at all."""
