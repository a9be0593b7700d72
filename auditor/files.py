"""Files the auditor writes for the user (a report, a baseline): written whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

from auditor.errors import AuditError


def write_whole(path: Path, text: str, what: str = "") -> None:
    """Write the text to a temporary file beside `path`, then rename it over `path`: a crash leaves the old file or
    the new one, never half of one. A failure is one AuditError naming `what` the file is and why."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise AuditError(f"cannot write {what + ' ' if what else ''}{path}: {exc.strerror or exc}") from None
