"""Audit affiliate content: affiliate links, disclosures and their placement, repetition and selling density.

The public names below load on first use (PEP 562), so that a process that needs one module (the crawler's own
process fetches and records; its workers audit) does not import the whole pipeline to start."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from auditor.config import Config
    from auditor.config import load as load_config
    from auditor.contract import to_dict
    from auditor.errors import AuditError, ConfigError, FetchError, InputError
    from auditor.fetch import audit_file, audit_url
    from auditor.models import PageResult
    from auditor.pipeline import audit_html

_WHERE = {
    "AuditError": ("auditor.errors", "AuditError"),
    "Config": ("auditor.config", "Config"),
    "ConfigError": ("auditor.errors", "ConfigError"),
    "FetchError": ("auditor.errors", "FetchError"),
    "InputError": ("auditor.errors", "InputError"),
    "PageResult": ("auditor.models", "PageResult"),
    "audit_file": ("auditor.fetch", "audit_file"),
    "audit_html": ("auditor.pipeline", "audit_html"),
    "audit_url": ("auditor.fetch", "audit_url"),
    "load_config": ("auditor.config", "load"),
    "to_dict": ("auditor.contract", "to_dict"),
}

__all__ = [
    "AuditError",
    "Config",
    "ConfigError",
    "FetchError",
    "InputError",
    "PageResult",
    "__version__",
    "audit_file",
    "audit_html",
    "audit_url",
    "load_config",
    "to_dict",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'auditor' has no attribute {name!r}")
    module, attribute = _WHERE[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
