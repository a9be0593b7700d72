"""The `auditor` command line: audit a page, list the rules. Exit 0 clean, 1 findings at --fail-on, 2 errors."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from auditor import __version__
from auditor.errors import AuditError, ConfigError, InputError
from auditor.report.render import FORMATS

SEVERITY_CHOICE = click.Choice(["info", "warning", "error"])


class Failure(click.ClickException):
    """An error for the user: one line on stderr, exit status 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def _guard(fn: Callable[..., int]) -> Callable[..., None]:
    """Run a command; turn every failure into one line on stderr and exit 2 (never a traceback)."""

    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            code = fn(*args, **kwargs)
        except AuditError as exc:
            raise Failure(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug; the user still gets one line, the developer an opt-in traceback
            if os.environ.get("AUDITOR_DEBUG"):
                raise
            raise Failure(f"internal error ({type(exc).__name__}: {exc}); set AUDITOR_DEBUG=1 for details") from None
        sys.exit(code)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def write_output(text: str, output: str | None, force: bool) -> None:
    """Print, or write the file whole (temporary file then rename): never half a report, never a silent overwrite."""
    if output is None or output == "-":
        click.echo(text, nl=not text.endswith("\n"))
        return
    path = Path(output)
    if path.exists() and not force:
        raise AuditError(f"{path} exists; use --force to overwrite it")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise AuditError(f"cannot write {path}: {exc.strerror or exc}") from None


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """The version, then which implementation of the layout walk runs (compiled, or pure Python and why): the
    results are the same, the speed is not, and a build without a C compiler says so only here."""
    if not value or ctx.resilient_parsing:
        return
    from auditor import native  # only here: deciding imports lxml and the compiled module

    click.echo(f"auditor, version {__version__}\n{native.status()}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
def main() -> None:
    """Audit affiliate content: links, disclosures, repetition and selling density."""


@main.command()
@click.argument("target")
@click.option("--url", help="The page's address, to resolve relative links of a file or stdin.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="text", show_default=True)
@click.option("-o", "--output", help="Write the report to this file instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@click.option("--fail-on", type=SEVERITY_CHOICE, help="Exit 1 when a finding is at or above this severity.")
@click.option("--select", multiple=True, help="Run only rules whose id starts with this (repeatable).")
@click.option("--ignore", multiple=True, help="Skip rules whose id starts with this (repeatable).")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="auditor.toml or pyproject.toml.")
@click.option("--max-bytes", type=click.IntRange(min=1), help="Refuse pages larger than this.")
@click.option("--timeout", type=click.FloatRange(min=0.1), help="Seconds allowed for fetching a URL.")
@click.option("--user-agent", help="User-Agent header for fetching.")
@click.option("--encoding", help="The page's charset, over what the server or the page declares (e.g. utf-16-le).")
@click.option("-v", "--verbose", is_flag=True, help="Also list the affiliate links in text output.")
@_guard
def audit(
    target: str,
    url: str | None,
    fmt: str,
    output: str | None,
    force: bool,
    fail_on: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_path: Path | None,
    max_bytes: int | None,
    timeout: float | None,
    user_agent: str | None,
    encoding: str | None,
    verbose: bool,
) -> int:
    """Audit one page: TARGET is a URL, an HTML file, or - for stdin."""
    from auditor.config import load
    from auditor.contract import to_dict
    from auditor.document import codec_of
    from auditor.engine import worst
    from auditor.fetch import audit_file, audit_url
    from auditor.models import SEVERITY_RANK
    from auditor.report.render import render

    config = load(config_path).with_cli(
        fail_on=fail_on, select=select, ignore=ignore, max_bytes=max_bytes, timeout=timeout, user_agent=user_agent
    )
    if encoding is not None and codec_of(encoding) is None:
        raise AuditError(f"--encoding: {encoding!r} names no known character encoding")
    if target.startswith(("http://", "https://")):
        result = audit_url(target, config, encoding)
    elif target == "-" or Path(target).exists():
        result = audit_file(target, url or "", config, encoding)
    elif "://" in target:
        raise AuditError(f"{target}: only http:// and https:// URLs can be fetched")
    else:
        hint = " (for a URL, start it with https://)" if "." in target and "/" not in target[:1] else ""
        raise AuditError(f"{target}: no such file{hint}")
    page = to_dict(result)
    write_output(render(page, fmt, output is None and sys.stdout.isatty(), verbose), output, force)
    return 1 if worst(result.findings) >= SEVERITY_RANK[config.fail_on] else 0


@main.command()
@click.argument("rule_id", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_guard
def rules(rule_id: str | None, fmt: str) -> int:
    """List the rules, or explain one (its why, its source, its options)."""
    import json

    from auditor.rulefiles import closest, load_rules

    every = load_rules()
    chosen = [r for r in every if rule_id is None or r.id.startswith(rule_id)]
    if not chosen:
        raise ConfigError(f"no rule matches {rule_id!r}{closest(rule_id or '', [r.id for r in every])}")
    if fmt == "json":
        data = [
            {
                "id": r.id,
                "kind": r.kind,
                "severity": r.severity,
                "weight": r.weight,
                "title": r.title,
                "failure_title": r.failure_title,
                "description": r.description,
                "sources": list(r.sources),
                "options": dict(r.options),
                "scope": r.scope,
            }
            for r in chosen
        ]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    if rule_id is None or len(chosen) > 1:
        width = max(len(r.id) for r in chosen)
        for r in chosen:
            click.echo(f"{r.id:<{width}}  {r.severity:<7}  {r.failure_title}")
        return 0
    r = chosen[0]
    click.echo(f"{r.id} ({r.severity}, weight {r.weight}, check kind {r.kind}, {r.scope} rule)")
    click.echo(f"  fails: {r.failure_title}")
    click.echo(f"  passes: {r.title}\n")
    click.echo(r.description + "\n")
    click.echo("Sources:")
    for source in r.sources:
        click.echo(f"  - {source}")
    if r.options:
        click.echo("Options (set them under [rules." + r.id + "] in auditor.toml):")
        for key, value in r.options.items():
            click.echo(f"  {key} = {json.dumps(value, ensure_ascii=False)}")
    return 0


@main.command("eval")
@click.argument("corpus", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--brief", is_flag=True, help="Only the figures, not every false positive and miss.")
@click.option(
    "--cv",
    "folds",
    type=click.IntRange(min=2),
    help="Out of sample: K-fold cross-validation grouped by site; each site is scored without what was learnt "
    "from its own pages.",
)
@click.option("-o", "--output", help="Write the report to this file instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@_guard
def evaluate(corpus: Path, fmt: str, brief: bool, folds: int | None, output: str | None, force: bool) -> int:
    """Measure accuracy on a labelled corpus (MANIFEST.tsv, pages/, labels/)."""
    import json

    from auditor.evaluation import evaluate as run_evaluation
    from auditor.evaluation import render_text

    summary = run_evaluation(corpus, folds=folds or 0).summary()
    text = (
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n" if fmt == "json" else render_text(summary, not brief)
    )
    write_output(text, output, force)
    return 0


@main.command()
@click.argument("corpus", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "folder",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="The folder to write link-model.json, page-type-model.json and block-model.json to (the shipped ones: rules).",
)
@click.option("--cv", "folds", type=click.IntRange(min=2), default=5, show_default=True, help="Folds for the card.")
@click.option("--force", is_flag=True, help="Overwrite the model files if they exist.")
@_guard
def train(corpus: Path, folder: Path, folds: int, force: bool) -> int:
    """Train the link, page-type and block models on a labelled corpus; their cards record the out-of-sample figures
    (use them with `models = "FOLDER"` in auditor.toml)."""
    from auditor import blockmodel, pagetype
    from auditor.training import FILE, save
    from auditor.training import train as fit_model

    for name in (FILE, pagetype.FILE, blockmodel.FILE):
        if (folder / name).exists() and not force:
            raise InputError(f"{folder / name} exists; use --force to overwrite it")
    links, page_types, blocks = fit_model(corpus, folds, str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    save(links, folder, page_types, blocks)
    if blocks is None:
        click.echo(
            "note: no block model written: the pages' blocks are all body text or none is; the shipped one is used",
            err=True,
        )
    return 0


@main.command()
@click.argument("start_url", required=False)
@click.option("--db", "db_path", type=click.Path(path_type=Path), help="The crawl database to create.")
@click.option("--resume", "resume_path", type=click.Path(path_type=Path), help="Continue the crawl in this database.")
@click.option("--max-pages", type=click.IntRange(min=1), default=10_000, show_default=True)
@click.option("--max-depth", type=click.IntRange(min=0), default=10, show_default=True)
@click.option(
    "--delay",
    type=click.FloatRange(min=0),
    default=0.5,
    show_default=True,
    help="Seconds between requests to the site (Crawl-delay wins when larger).",
)
@click.option("--concurrency", type=click.IntRange(min=1, max=256), default=4, show_default=True)
@click.option("--include", multiple=True, help="Follow only URLs matching this regular expression (repeatable).")
@click.option("--exclude", multiple=True, help="Never follow URLs matching this regular expression (repeatable).")
@click.option("--user-agent", help="User-Agent header (default: the auditor's, with its URL).")
@click.option("--ignore-robots", is_flag=True, help="Do not obey robots.txt (only on your own site).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=20.0, show_default=True)
@click.option("--max-bytes", type=click.IntRange(min=1), help="Skip responses larger than this.")
@click.option("--workers", type=click.IntRange(min=0), help="Audit processes (0: audit in the crawler).")
@click.option(
    "--max-retry-after",
    type=click.FloatRange(min=0),
    default=120.0,
    show_default=True,
    help="Wait at most this many seconds when a 429/503 asks to retry later (Retry-After).",
)
@click.option("--no-sitemaps", is_flag=True, help="Do not read sitemap.xml for URLs.")
@click.option(
    "--warc",
    "warc_path",
    type=click.Path(path_type=Path),
    help="Also write the HTML responses to this WARC file, to re-audit offline (auditor batch).",
)
@click.option("--force", is_flag=True, help="Replace an existing database.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="auditor.toml or pyproject.toml.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@_guard
def crawl(
    start_url: str | None,
    db_path: Path | None,
    resume_path: Path | None,
    max_pages: int,
    max_depth: int,
    delay: float,
    concurrency: int,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    user_agent: str | None,
    ignore_robots: bool,
    timeout: float,
    max_bytes: int | None,
    workers: int | None,
    max_retry_after: float,
    no_sitemaps: bool,
    warc_path: Path | None,
    force: bool,
    config_path: Path | None,
    quiet: bool,
) -> int:
    """Crawl a site from START_URL, auditing every page into a database (resumable with --resume)."""
    import asyncio
    import re

    from auditor.config import load
    from auditor.crawl import Crawler, Settings, nothing_fetched
    from auditor.errors import FetchError
    from auditor.progress import reporter

    config = load(config_path).with_cli(max_bytes=max_bytes, timeout=timeout, user_agent=user_agent)
    for pattern in (*include, *exclude):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"--include/--exclude {pattern!r}: {exc}") from None
    show = reporter(quiet)
    if resume_path is not None:
        if start_url or db_path:
            raise ConfigError("--resume takes only the database; the crawl keeps its first settings")
        crawler = Crawler.resume(resume_path, config, show)
        db = resume_path
    else:
        if not start_url or db_path is None:
            raise ConfigError("give START_URL and --db FILE, or --resume FILE")
        if ignore_robots:
            click.echo("warning: --ignore-robots: robots.txt is not obeyed; crawl only sites you own", err=True)
        settings = Settings(
            start_url=start_url,
            max_pages=max_pages,
            max_depth=max_depth,
            delay=delay,
            concurrency=concurrency,
            include=include,
            exclude=exclude,
            user_agent=config.user_agent,
            obey_robots=not ignore_robots,
            timeout=timeout,
            max_bytes=config.max_bytes,
            max_retry_after=max_retry_after,
            sitemaps=not no_sitemaps,
            warc=str(warc_path.resolve()) if warc_path else None,
            **({"audit_workers": workers} if workers is not None else {}),
        )
        crawler = Crawler.create(db_path, settings, config, force=force, on_progress=show)
        db = db_path
    if not quiet:
        crawler.on_note = lambda line: click.echo(f"crawl: {line}", err=True)
    try:
        asyncio.run(crawler.run())
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: resume with  auditor crawl --resume {db}", err=True)
        return 130
    finally:
        show(None)
    try:
        failure = nothing_fetched(crawler.store)
        counts = crawler.store.counts()
    finally:
        crawler.store.close()
    if failure is not None:  # an empty crawl is no clean site: an error, in one line
        raise FetchError(failure)
    click.echo(
        f"{db}: {counts.get('done', 0)} pages done, {counts.get('failed', 0)} failed, "
        f"{counts.get('skipped', 0)} skipped, {counts.get('queued', 0)} left in the queue"
    )
    return 0


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="text", show_default=True)
@click.option("-o", "--output", help="Write the report to this file instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="auditor.toml or pyproject.toml.")
@_guard
def report(source: Path, fmt: str, output: str | None, force: bool, config_path: Path | None) -> int:
    """Report on a crawl database, a saved JSON/JSONL result, or a folder of JSONL results."""
    from auditor.config import load
    from auditor.report.render import render
    from auditor.saved import load_result

    result = load_result(source, load(config_path))
    write_output(render(result, fmt, output is None and sys.stdout.isatty()), output, force)
    return 0


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "outdir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for the results (JSON Lines under pages/); a re-run skips what is done.",
)
@click.option("--scheduler", help="Address of an existing Dask scheduler (tcp://host:8786); default: a local cluster.")
@click.option("--workers", type=click.IntRange(min=1), help="Workers of the local cluster (default: one per core).")
@click.option("--partition-size", type=click.IntRange(min=1), default=200, show_default=True, help="Pages per task.")
@click.option(
    "--threshold", type=click.FloatRange(0.5, 1.0), default=0.9, show_default=True, help="Near-duplicate similarity."
)
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="auditor.toml or pyproject.toml.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@_guard
def batch(
    inputs: tuple[Path, ...],
    outdir: Path,
    scheduler: str | None,
    workers: int | None,
    partition_size: int,
    threshold: float,
    config_path: Path | None,
    quiet: bool,
) -> int:
    """Audit WARC files (or files of URLs, one a line) on a Dask cluster into OUTDIR."""
    from auditor import batch as batches
    from auditor.config import load

    config = load(config_path)
    if outdir.exists() and not outdir.is_dir():
        raise ConfigError(f"{outdir}: exists and is not a folder")

    def progress(done: int, total: int) -> None:
        if not quiet:
            click.echo(f"batch: {done}/{total} chunks", err=True)

    summary = batches.run(list(inputs), outdir, config, scheduler, workers, partition_size, threshold, progress)
    click.echo(
        f"{outdir}: {summary.pages} pages audited ({summary.errors} not), {summary.skipped} chunks already "
        f"done, {summary.near_duplicate_groups} near-duplicate groups, {summary.seconds} s"
    )
    return 0
