"""The pages `auditor audit` is given: files, URLs, globs or stdin, audited one by one into one report.

Linters and Lighthouse CI take many paths and globs; so does the audit. One page keeps its own report; several (or a
glob) give one result each and the exit status of the worst."""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from auditor.config import Config
from auditor.errors import AuditError, ConfigError, InputError
from auditor.models import PageResult

if TYPE_CHECKING:
    from auditor.addresses import Addresses
    from auditor.baseline import Known

# Characters that make a TARGET a pattern (as in the glob module); a path that exists is taken as it is.
GLOB_CHARS = frozenset("*?[")


def is_pattern(target: str) -> bool:
    """Whether TARGET is a glob to expand: not a URL, stdin or a path that exists (a file may be named a[1].html)."""
    if target == "-" or "://" in target or not GLOB_CHARS & set(target):
        return False
    return not Path(target).exists()


def expand(targets: tuple[str, ...]) -> list[str]:
    """The pages the TARGETs name, each once, in order. Globs are expanded here, so that a quoted one works and
    '**' reaches into subfolders whatever the shell; one that matches no file is an error, as in eslint."""
    pages: list[str] = []
    for target in targets:
        if not is_pattern(target):
            pages.append(target)
            continue
        found = [name for name in sorted(glob.glob(target, recursive=True)) if Path(name).is_file()]
        if not found:
            raise InputError(f"{target}: no file matches this pattern")
        pages.extend(found)
    if "-" in pages and len(pages) > 1:
        raise InputError("-: stdin is audited alone, not with other TARGETs")
    return list(dict.fromkeys(pages))


def audit_target(
    target: str, url: str | None, config: Config, encoding: str | None, addresses: Addresses | None = None
) -> PageResult:
    """One page: fetched when TARGET is an http(s) URL (`addresses`: --resolve), read when it is a file or -
    (stdin)."""
    from auditor.fetch import audit_file, audit_url

    if target.startswith(("http://", "https://")):
        return audit_url(target, config, encoding, addresses)
    if target == "-" or Path(target).exists():
        return audit_file(target, url or "", config, encoding)
    if "://" in target:
        raise AuditError(f"{target}: only http:// and https:// URLs can be fetched")
    hint = " (for a URL, start it with https://)" if "." in target and "/" not in target[:1] else ""
    raise AuditError(f"{target}: no such file{hint}")


def audit_each(
    pages: list[str], config: Config, encoding: str | None, addresses: Addresses | None = None
) -> list[PageResult]:
    """Every page's result. A page that cannot be audited is said on stderr as it happens and kept as a failed
    result: one bad file or dead link must not cost the rest of the run."""
    from auditor.contract import error_result
    from auditor.report.text import visible

    results = []
    for target in pages:
        try:
            results.append(audit_target(target, None, config, encoding, addresses))
        except AuditError as exc:
            click.echo(f"error: {visible(str(exc))}", err=True)  # a file's name may hold an escape, or a newline
            # the result names the page already; its error says only what went wrong, as a crawl's do
            results.append(error_result(target, str(exc).removeprefix(f"{target}: ")))
    return results


def render_many(pages: list[dict[str, Any]], fmt: str, terminal: bool, verbose: bool, config: Config) -> str:
    """Several pages' results, in the renderers of one page or of a site: text one page after another, json as
    JSON Lines (one page result a line, as `auditor batch` writes), csv the rows of every page, html the report
    `auditor report` makes of JSON Lines."""
    from auditor.report.render import render

    if fmt == "text":
        return "\n".join(render(page, fmt, terminal, verbose) for page in pages)
    if fmt in ("json", "jsonl"):
        return "".join(render(page, "jsonl") for page in pages)
    if fmt == "csv":
        from auditor.report import csv as csv_report

        return csv_report.render(pages)
    if fmt == "html":
        from auditor import site

        if all(page["error"] for page in pages):  # a report over no audited page would show a perfect score
            raise InputError("no page could be audited, so there is no report to write")
        return render(site.assemble(site.from_results(pages), config), fmt)
    raise ConfigError(f"--format {fmt} takes one TARGET")


def exit_status(pages: list[dict[str, Any]], failed: int) -> int:
    """The worst over the pages: 2 if one could not be audited, else 1 if `failed` findings fail the run (`gate`)."""
    if any(page.get("error") for page in pages):
        return 2
    return 1 if failed else 0


def count_failing(findings: Iterable[dict[str, Any]], fail_on: str) -> int:
    """How many findings fail the run: at or above fail_on and not known from a baseline."""
    from auditor.models import SEVERITY_RANK

    level = SEVERITY_RANK[fail_on]
    return sum(1 for f in findings if SEVERITY_RANK.get(str(f.get("severity")), 0) >= level and not f.get("baseline"))


def read_baseline(baseline: Path | None, write_to: Path | None) -> Known | None:
    """The baseline's findings, and the new baseline's folder checked: before the run, so that a bad file or a
    missing folder costs one line and not a whole crawl first."""
    from auditor import baseline as baselines

    if write_to is not None and not write_to.resolve().parent.is_dir():
        raise InputError(f"--write-baseline {write_to}: no such folder")
    return baselines.read(baseline) if baseline is not None else None


def result_parts(result: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A page or site result's pages and site findings."""
    from auditor.contract import pages_of, site_findings_of

    return pages_of(result), site_findings_of(result)


def gate(
    pages: Iterable[dict[str, Any]],
    site_findings: list[dict[str, Any]],
    config: Config,
    known: Known | None,
    write_to: Path | None,
) -> int:
    """Apply a baseline to a run's results, one page at a time (a batch streams them): mark the findings it knows,
    write every finding to `write_to` as the new baseline, and return how many findings fail the run. A run that
    writes the baseline fails on none of its findings, since from then on they are all known (as ESLint's
    --suppress-all and ruff's --add-noqa pass the run they record)."""
    from auditor import baseline as baselines

    records: list[dict[str, Any]] = []
    count = 0
    for page in pages:
        if known is not None:
            baselines.mark(known, [page])
        if write_to is not None:
            records.extend(baselines.entries([page]))
        count += count_failing(page.get("findings") or [], config.fail_on)
    if known is not None:
        baselines.mark(known, [], site_findings)
    if write_to is not None:
        records.extend(baselines.entries([], site_findings))
    count += count_failing(site_findings, config.fail_on)
    if write_to is None:
        return count
    written = baselines.write(write_to, records)
    click.echo(f"baseline: {written:,} findings written to {write_to}", err=True)
    return 0


def say_failing(where: str, failed: int, config: Config, baseline: bool, shows: str) -> None:
    """One line on stderr on why a run whose report is elsewhere (a crawl, a batch) fails, and where to look."""
    from auditor.wording import count

    if failed:
        new = " not in the baseline" if baseline else ""
        click.echo(
            f"{where}: {count(failed, 'finding')} at or above {config.fail_on}{new}; {shows} shows them", err=True
        )
