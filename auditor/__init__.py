"""Audit affiliate content: affiliate links, disclosures and their placement, repetition and selling density."""

__version__ = "0.1.0"

from auditor.config import Config
from auditor.config import load as load_config
from auditor.errors import AuditError, ConfigError, FetchError, InputError
from auditor.fetch import audit_file, audit_url
from auditor.models import PageResult
from auditor.pipeline import audit_html
from auditor.report.json import to_dict

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
