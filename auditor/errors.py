"""Errors the auditor reports to its user as one line: bad input, bad configuration, failed fetches."""

from __future__ import annotations


class AuditError(Exception):
    """An error the user can act on; its message is one line and the CLI exits with status 2."""


class InputError(AuditError):
    """The page bytes or file cannot be audited (missing, empty, binary, too large, unparseable)."""


class FetchError(AuditError):
    """The page could not be fetched (dead host, timeout, redirect loop, HTTP error, too large)."""


class ConfigError(AuditError):
    """The configuration or the rules are invalid (unknown key, unknown rule, bad value)."""
