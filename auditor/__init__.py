"""Audit affiliate content: affiliate links, disclosures and their placement, repetition and selling density."""

__version__ = "0.1.0"

from auditor.config import Config  # noqa: E402
from auditor.config import load as load_config  # noqa: E402
from auditor.errors import AuditError, ConfigError, FetchError, InputError  # noqa: E402
from auditor.fetch import audit_file, audit_url  # noqa: E402
from auditor.models import PageResult  # noqa: E402
from auditor.pipeline import audit_html  # noqa: E402
from auditor.report.json import to_dict  # noqa: E402

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
