"""The `auditor` command line: audit a page, list the rules. Exit 0 clean, 1 findings at --fail-on, 2 errors."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from auditor import __version__
from auditor.config import MAX_RETRY_AFTER
from auditor.errors import AuditError, ConfigError, InputError
from auditor.files import write_whole
from auditor.report.render import FORMATS

SEVERITY_CHOICE = click.Choice(["info", "warning", "error"])


class Failure(click.ClickException):
    """An error for the user: one line on stderr, exit status 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        from auditor.report.text import visible

        # an error may quote what the user's shell or a page holds (a file's name with an escape in it): shown, not
        # run by the terminal, on the one line it is
        click.echo(f"error: {visible(self.format_message())}", err=True)


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
    refuse_overwrite(output, force)
    write_whole(Path(output), text)


def refuse_overwrite(output: str | None, force: bool) -> None:
    """An error if the output file exists and --force was not given."""
    if output is not None and output != "-" and Path(output).exists() and not force:
        raise AuditError(f"{output} exists; use --force to overwrite it")


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """The version, then which implementation of the layout walk runs (compiled, or pure Python and why): the
    results are the same, the speed is not, and a build without a C compiler says so only here."""
    if not value or ctx.resilient_parsing:
        return
    from auditor import native  # only here: deciding imports lxml and the compiled module

    click.echo(f"auditor, version {__version__}\n{native.status()}")
    ctx.exit()


MAIN_EPILOG = """\b
Examples:
  auditor audit https://example.com/best-kettles/
  auditor audit 'site/**/*.html' --fail-on warning
  auditor crawl https://example.com/ --db site.sqlite
  auditor report site.sqlite --format html -o site.html
  auditor COMMAND --help                  # each command's options

\b
Exit status:
  0  done (for audit: no finding at or above --fail-on)
  1  a finding not in --baseline at or above --fail-on (audit, and report,
     crawl or batch given --fail-on or --baseline)
  2  an error, said in one line on stderr"""


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=MAIN_EPILOG)
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


def _options(*options: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Several click options as one decorator: the baseline and gate options read the same on four commands."""

    def apply(fn: Any) -> Any:
        for option in reversed(options):
            fn = option(fn)
        return fn

    return apply


RESOLVE_OPTION = click.option(
    "--resolve",
    "resolve",
    multiple=True,
    metavar="HOST:PORT:ADDR",
    help="Connect to ADDR for HOST on PORT instead of asking DNS, as curl's --resolve (repeatable).",
)
MAX_RETRY_AFTER_OPTION = click.option(
    "--max-retry-after",
    type=click.FloatRange(min=0),
    default=MAX_RETRY_AFTER,
    show_default=True,
    help="Wait at most this many seconds when a 429/503 asks to retry later (Retry-After).",
)
BASELINE_OPTIONS = _options(
    click.option(
        "--baseline",
        type=click.Path(path_type=Path),
        help="A baseline file (see --write-baseline): the findings it knows are shown as known and do not fail the "
        "run; only new ones do.",
    ),
    click.option(
        "--write-baseline",
        type=click.Path(path_type=Path),
        help="Write every finding of this run to this file as the baseline, replacing it if it exists (as ESLint's "
        "--suppress-all does); the run then fails on none of them.",
    ),
)
# report, crawl and batch: findings change their exit status only when asked, so that a script that crawls and
# reports a site with an error finding (most sites have one) keeps working
GATE_OPTIONS = _options(
    click.option(
        "--fail-on",
        type=SEVERITY_CHOICE,
        help="Exit 1 when a finding not known from --baseline is at or above this severity. Without --fail-on or "
        "--baseline, findings never change the exit status; --baseline alone fails on error (or fail_on in "
        "auditor.toml).",
    ),
    click.option(
        "--select",
        multiple=True,
        help="Only rules whose id starts with this (repeatable): the others' findings are left out.",
    ),
    click.option("--ignore", multiple=True, help="Leave out rules whose id starts with this (repeatable)."),
    BASELINE_OPTIONS,
)


AUDIT_EPILOG = """\b
Examples:
  auditor audit https://example.com/best-kettles/
  auditor audit saved.html --url https://example.com/post/
  curl -s https://example.com/ | auditor audit - --url https://example.com/
  auditor audit https://example.com/best-kettles/ --check-links
  auditor audit a.html b.html --fail-on warning
  auditor audit 'site/**/*.html' --format json -o results.jsonl
  auditor audit 'site/*.html' --format html -o pages.html
  auditor audit 'site/*.html' --write-baseline baseline.json     # accept today's findings
  auditor audit 'site/*.html' --baseline baseline.json           # then fail only on new ones

\b
Exit status (the worst over all pages):
  0  no finding at or above --fail-on (default: error), apart from those
     known from --baseline
  1  a new finding at or above --fail-on
  2  a page could not be audited, a pattern matched no file, or an option
     or the configuration is wrong (one line on stderr each)"""


@main.command(short_help="Audit pages: files, URLs, globs or stdin.", epilog=AUDIT_EPILOG)
@click.argument("targets", nargs=-1, required=True, metavar="TARGET...")
@click.option("--url", help="The page's address, to resolve relative links of a file or stdin (one TARGET only).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="text",
    show_default=True,
    help="The report's format. For several pages, json is JSON Lines (one page result a line), csv has the rows "
    "of every page, html is one report over the pages.",
)
@click.option("-o", "--output", help="Write the report to this file instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@click.option(
    "--fail-on",
    type=SEVERITY_CHOICE,
    help="Exit 1 when a finding is at or above this severity (default: error, or fail_on in auditor.toml).",
)
@click.option("--select", multiple=True, help="Run only rules whose id starts with this (repeatable).")
@click.option("--ignore", multiple=True, help="Skip rules whose id starts with this (repeatable).")
@BASELINE_OPTIONS
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="auditor.toml or pyproject.toml.")
@click.option("--max-bytes", type=click.IntRange(min=1), help="Refuse pages larger than this.")
@click.option("--timeout", type=click.FloatRange(min=0.1), help="Seconds allowed for fetching a URL.")
@click.option("--user-agent", help="User-Agent header for fetching.")
@click.option("--encoding", help="The page's charset, over what the server or the page declares (e.g. utf-16-le).")
@click.option(
    "--check-links",
    is_flag=True,
    help="Also follow each affiliate link, cloak and short link of the page to its end, hop by hop and politely, to "
    "find broken links, lost affiliate ids and redirect loops. Off by default: without it, nothing but the page is "
    "fetched.",
)
@MAX_RETRY_AFTER_OPTION
@RESOLVE_OPTION
@click.option("-v", "--verbose", is_flag=True, help="Also list the affiliate links in text output.")
@_guard
def audit(
    targets: tuple[str, ...],
    url: str | None,
    fmt: str,
    output: str | None,
    force: bool,
    fail_on: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    baseline: Path | None,
    write_baseline: Path | None,
    config_path: Path | None,
    max_bytes: int | None,
    timeout: float | None,
    user_agent: str | None,
    encoding: str | None,
    check_links: bool,
    max_retry_after: float,
    resolve: tuple[str, ...],
    verbose: bool,
) -> int:
    """Audit pages: each TARGET is a URL, an HTML file, a glob, or - for stdin (alone).

    Quote a glob to have the auditor expand it: 'site/**/*.html' reaches into subfolders on every shell. Several
    TARGETs, or a glob, give one result per page, one after another; a page that cannot be audited gets an error
    line and the others go on."""
    from auditor.addresses import parse as parse_addresses
    from auditor.config import load
    from auditor.contract import to_dict
    from auditor.document import codec_of
    from auditor.report.render import render
    from auditor.targets import (
        audit_each,
        audit_target,
        exit_status,
        expand,
        gate,
        is_pattern,
        read_baseline,
        render_many,
    )

    config = load(config_path).with_cli(
        fail_on=fail_on, select=select, ignore=ignore, max_bytes=max_bytes, timeout=timeout, user_agent=user_agent
    )
    known = read_baseline(baseline, write_baseline)
    addresses = parse_addresses(resolve)
    if encoding is not None and codec_of(encoding) is None:
        raise AuditError(f"--encoding: {encoding!r} names no known character encoding")
    many = len(targets) > 1 or is_pattern(targets[0])
    if many and url is not None:
        raise ConfigError("--url is one page's address: audit several TARGETs without it")
    refuse_overwrite(output, force)  # before auditing, not after a long run
    terminal = output is None and sys.stdout.isatty()
    results = (
        audit_each(expand(targets), config, encoding, addresses)
        if many
        else [audit_target(targets[0], url, config, encoding, addresses)]
    )
    pages = [to_dict(r) for r in results]
    if check_links:
        from auditor.linkcheck import check_pages

        pages = check_pages(pages, config, addresses, max_retry_after)
    failed = gate(pages, [], config, known, write_baseline)  # before rendering: the reports show what is known
    # one page: its report alone, as before several were taken
    text = render_many(pages, fmt, terminal, verbose, config) if many else render(pages[0], fmt, terminal, verbose)
    write_output(text, output, force)
    return exit_status(pages, failed)


RULES_EPILOG = """\b
Examples:
  auditor rules                          # every rule and what it flags
  auditor rules disclosure               # the rules of one group
  auditor rules links-density            # one rule: why, sources, options
  auditor rules --format json > rules.json

\b
Exit status:
  0  the rules are listed
  2  no rule matches RULE_ID (the closest is named)"""


@main.command(short_help="List the rules, or explain one.", epilog=RULES_EPILOG)
@click.argument("rule_id", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text to read, json with every field of each rule.",
)
@_guard
def rules(rule_id: str | None, fmt: str) -> int:
    """List the rules, or explain one (its why, its source, its options)."""
    import json
    import textwrap

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
                "why": r.why,
                "fix": r.fix,
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
    # the publisher's part first (why, what to do), then the technical account behind it
    for heading, text in (("Why it matters:", r.why), ("What to do:", r.fix)):
        click.echo(heading)
        click.echo(textwrap.fill(text, width=100, initial_indent="  ", subsequent_indent="  ") + "\n")
    click.echo("How it is checked:")
    click.echo(r.description + "\n")
    click.echo("Sources:")
    for source in r.sources:
        click.echo(f"  - {source}")
    if r.options:
        click.echo("Options (set them under [rules." + r.id + "] in auditor.toml):")
        for key, value in r.options.items():
            click.echo(f"  {key} = {json.dumps(value, ensure_ascii=False)}")
    return 0


EVAL_EPILOG = """\b
Examples:
  auditor eval corpus/
  auditor eval corpus/ --cv 5 --brief    # out of sample, grouped by site
  auditor eval corpus/ --format json -o accuracy.json

\b
Exit status:
  0  the report is written
  2  the corpus cannot be read, or the output file exists (one line on stderr)"""


@main.command("eval", short_help="Measure accuracy on a labelled corpus.", epilog=EVAL_EPILOG)
@click.argument("corpus", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text to read, json for scripts.",
)
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


TRAIN_EPILOG = """\b
Example:
  auditor train corpus/ -o my-models --cv 5
  then, in auditor.toml:  models = "my-models"

\b
Exit status:
  0  the models and their cards are written
  2  the corpus cannot be read, or a model file exists (use --force)"""


@main.command(short_help="Train the link, page-type, block and disclosure models.", epilog=TRAIN_EPILOG)
@click.argument("corpus", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "folder",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="The folder to write link-model.json, page-type-model.json, block-model.json and disclosure-model.json to "
    "(the shipped ones: rules).",
)
@click.option("--cv", "folds", type=click.IntRange(min=2), default=5, show_default=True, help="Folds for the card.")
@click.option("--force", is_flag=True, help="Overwrite the model files if they exist.")
@_guard
def train(corpus: Path, folder: Path, folds: int, force: bool) -> int:
    """Train the link, page-type, block and disclosure models on a labelled corpus; their cards record the
    out-of-sample figures (use them with `models = "FOLDER"` in auditor.toml)."""
    from auditor import blockmodel, disclosuremodel, pagetype
    from auditor.training import FILE, save
    from auditor.training import train as fit_model

    for name in (FILE, pagetype.FILE, blockmodel.FILE, disclosuremodel.FILE):
        if (folder / name).exists() and not force:
            raise InputError(f"{folder / name} exists; use --force to overwrite it")
    links, page_types, blocks, disclosures = fit_model(corpus, folds, str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    save(links, folder, page_types, blocks, disclosures)
    if blocks is None:
        click.echo(
            "note: no block model written: the pages' blocks are all body text or none is; the shipped one is used",
            err=True,
        )
    if disclosures is None:
        click.echo("note: no disclosure model written: the labels quote no disclosure statement", err=True)
    return 0


CRAWL_EPILOG = """\b
Examples:
  auditor crawl https://example.com/ --db site.sqlite
  auditor crawl https://example.com/ --db site.sqlite --max-pages 500
  auditor crawl https://example.com/ --db reviews.sqlite --include /reviews/
  auditor crawl --resume site.sqlite     # after Ctrl-C or a crash
  auditor crawl https://example.com/ --db week2.sqlite --since week1.sqlite
  auditor crawl https://example.com/ --db site.sqlite --check-links
  auditor report site.sqlite --format html -o site.html
  auditor crawl https://example.com/ --db site.sqlite --fail-on error --baseline known.json

\b
Exit status (findings change it only with --fail-on or --baseline):
  0    the crawl ended: done, or stopped at --max-pages or --max-depth, and no
       new finding is at or above --fail-on
  1    a page or site finding not in --baseline is at or above --fail-on
  2    no page could be fetched, or an option is wrong (one line on stderr)
  130  interrupted: continue with --resume"""


@main.command(short_help="Crawl a site, auditing every page into a database.", epilog=CRAWL_EPILOG)
@click.argument("start_url", required=False)
@click.option("--db", "db_path", type=click.Path(path_type=Path), help="The crawl database to create.")
@click.option("--resume", "resume_path", type=click.Path(path_type=Path), help="Continue the crawl in this database.")
@click.option(
    "--since",
    "since_path",
    type=click.Path(path_type=Path),
    help="An earlier crawl database of the site: its pages are asked for conditionally, an unchanged one (304) "
    "keeps that crawl's result, and its history of crawls goes on in --db.",
)
@click.option(
    "--max-pages", type=click.IntRange(min=1), default=10_000, show_default=True, help="Stop after this many pages."
)
@click.option(
    "--max-depth",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Follow links at most this many clicks from START_URL (each redirect hop counts one).",
)
@click.option(
    "--delay",
    type=click.FloatRange(min=0),
    default=0.5,
    show_default=True,
    help="Seconds between requests to the site (Crawl-delay wins when larger).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1, max=256),
    default=4,
    show_default=True,
    help="Requests to the site at once (--delay still spaces them).",
)
@click.option("--include", multiple=True, help="Follow only URLs matching this regular expression (repeatable).")
@click.option("--exclude", multiple=True, help="Never follow URLs matching this regular expression (repeatable).")
@click.option("--user-agent", help="User-Agent header (default: the auditor's, with its URL).")
@click.option("--ignore-robots", is_flag=True, help="Do not obey robots.txt (only on your own site).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    help="Seconds allowed for each whole response, however slowly it trickles (default: the configuration's, 20).",
)
@click.option("--max-bytes", type=click.IntRange(min=1), help="Skip responses larger than this.")
@click.option("--workers", type=click.IntRange(min=0), help="Audit processes (0: audit in the crawler).")
@MAX_RETRY_AFTER_OPTION
@click.option("--no-sitemaps", is_flag=True, help="Do not read sitemap.xml for URLs.")
@click.option(
    "--check-links",
    is_flag=True,
    help="After the pages, follow each distinct affiliate link, cloak and short link they name, once, hop by hop, "
    "with the same politeness, to find broken links, lost affiliate ids and redirect loops (the report's Link "
    "health). Off by default: without it, no request leaves the site's own pages.",
)
@RESOLVE_OPTION
@click.option(
    "--warc",
    "warc_path",
    type=click.Path(path_type=Path),
    help="Also write the HTML responses to this WARC file, to re-audit offline (auditor batch).",
)
@click.option("--force", is_flag=True, help="Replace an existing database (and --warc file).")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="auditor.toml or pyproject.toml.")
@GATE_OPTIONS
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@_guard
def crawl(
    start_url: str | None,
    db_path: Path | None,
    resume_path: Path | None,
    since_path: Path | None,
    max_pages: int,
    max_depth: int,
    delay: float,
    concurrency: int,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    user_agent: str | None,
    ignore_robots: bool,
    timeout: float | None,
    max_bytes: int | None,
    workers: int | None,
    max_retry_after: float,
    no_sitemaps: bool,
    check_links: bool,
    resolve: tuple[str, ...],
    warc_path: Path | None,
    force: bool,
    config_path: Path | None,
    fail_on: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    baseline: Path | None,
    write_baseline: Path | None,
    quiet: bool,
) -> int:
    """Crawl a site from START_URL, auditing every page into a database (resumable with --resume)."""
    import asyncio
    import re
    from dataclasses import replace

    from auditor.addresses import parse as parse_addresses
    from auditor.addresses import spelled
    from auditor.config import load
    from auditor.crawl import Crawler, Settings, nothing_fetched
    from auditor.errors import FetchError
    from auditor.progress import reporter
    from auditor.report.labels import pages_line
    from auditor.site import not_audited
    from auditor.targets import read_baseline

    config = load(config_path).with_cli(
        fail_on=fail_on, select=select, ignore=ignore, max_bytes=max_bytes, timeout=timeout, user_agent=user_agent
    )
    known = read_baseline(baseline, write_baseline)
    for pattern in (*include, *exclude):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"--include/--exclude {pattern!r}: {exc}") from None
    addresses = spelled(parse_addresses(resolve))
    show = reporter(quiet)
    if resume_path is not None:
        if start_url or db_path or since_path is not None or check_links or resolve:  # its settings are kept
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
            timeout=config.timeout,
            max_bytes=config.max_bytes,
            max_retry_after=max_retry_after,
            sitemaps=not no_sitemaps,
            warc=str(warc_path.resolve()) if warc_path else None,
            since=str(since_path) if since_path is not None else None,
            check_links=check_links,
            resolve=addresses,
        )
        if workers is not None:
            settings = replace(settings, audit_workers=workers)
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
        audited, errors = crawler.store.not_audited()
        unchanged = crawler.store.unchanged_count()
        followed = crawler.store.check_counts()
    finally:
        crawler.store.close()
    if failure is not None:  # an empty crawl is no clean site: an error, in one line
        raise FetchError(failure)
    tally = {
        "pages": audited + len(errors),
        "pages_audited": audited,
        "pages_failed": len(errors),
        "not_audited": not_audited(errors),
    }
    since = crawler.settings.since
    kept = f"; {unchanged:,} unchanged since {since} (their results carried over)" if since else ""
    links = f"; {followed.get('done', 0):,} distinct links followed" if crawler.settings.check_links else ""
    click.echo(f"{db}: {pages_line(tally)}{kept}{links}; {counts.get('queued', 0):,} left in the queue")
    if fail_on is None and baseline is None and write_baseline is None:
        return 0  # no site result to assemble: nobody asked for its findings
    from auditor.saved import load_result
    from auditor.targets import gate, result_parts, say_failing

    pages, site_findings = result_parts(load_result(db, config)) if audited else ([], [])
    failed = gate(pages, site_findings, config, known, write_baseline)
    say_failing(str(db), failed, config, known is not None, f"auditor report {db}")
    return 1 if failed else 0


DIFF_EPILOG = """\b
Examples:
  auditor diff last-month.sqlite site.sqlite
  auditor diff old.sqlite new.sqlite --format html -o changes.html
  auditor diff results-may/pages results-june/pages --format csv -o changes.csv
  auditor diff before.json after.json --fail-on-new error    # a CI gate

\b
Exit status:
  0  the diff is written (and no new finding at or above --fail-on-new)
  1  a new finding at or above --fail-on-new
  2  OLD or NEW cannot be read or is no auditor result, or the output file
     exists (one line on stderr)"""


@main.command(short_help="Compare two runs: new, fixed and persisting findings.", epilog=DIFF_EPILOG)
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv", "html"]),
    default="text",
    show_default=True,
    help="The diff's format (csv: one row per change; html: a self-contained report).",
)
@click.option("-o", "--output", help="Write the diff to this file instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="auditor.toml or pyproject.toml.")
@click.option(
    "--fail-on-new",
    type=SEVERITY_CHOICE,
    help="Exit 1 when a finding at or above this severity is new in NEW (default: never).",
)
@_guard
def diff(
    old: Path, new: Path, fmt: str, output: str | None, force: bool, config_path: Path | None, fail_on_new: str | None
) -> int:
    """Compare two runs of the same site or page: each of OLD and NEW is a crawl database, a batch result folder,
    a JSON Lines file or a saved JSON result. Pages are matched by URL, findings by the block they point at, so an
    unrelated edit neither fixes a finding nor makes it new."""
    from auditor.config import load
    from auditor.diff import compare, fails
    from auditor.report.diff import render
    from auditor.saved import load_result

    config = load(config_path)
    refuse_overwrite(output, force)  # before reading two crawls, not after
    changes = compare(load_result(old, config), load_result(new, config), str(old), str(new))
    write_output(render(changes, fmt, output is None and sys.stdout.isatty()), output, force)
    return 1 if fail_on_new is not None and fails(changes, fail_on_new) else 0


REPORT_EPILOG = """\b
Examples:
  auditor report site.sqlite --format html -o site.html
  auditor report site.sqlite --format csv -o pages.csv
  auditor report week2.sqlite --history --format html -o history.html
  auditor report results.jsonl --format text
  auditor report results/pages --format html -o batch.html
  auditor report results/ --format html -o batch.html     # a batch folder: JSON Lines or Parquet
  auditor report site.sqlite --write-baseline known.json    # accept today's findings
  auditor report site.sqlite --baseline known.json --fail-on warning

\b
Exit status (findings change it only with --fail-on or --baseline):
  0  the report is written, and no new finding is at or above --fail-on
  1  a finding not in --baseline is at or above --fail-on
  2  SOURCE cannot be read or is no auditor result, or the output file
     exists (one line on stderr)"""


@main.command(short_help="Report on a crawl, a batch or a saved result.", epilog=REPORT_EPILOG)
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "--history",
    is_flag=True,
    help="The site's history of crawls in a crawl database (each crawl's site score, disclosure coverage and "
    "findings; --format text, json or html), not its pages.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="text",
    show_default=True,
    help="The report's format (jsonl: one page result a line).",
)
@click.option("-o", "--output", help="Write the report to this file instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="auditor.toml or pyproject.toml.")
@GATE_OPTIONS
@_guard
def report(
    source: Path,
    history: bool,
    fmt: str,
    output: str | None,
    force: bool,
    config_path: Path | None,
    fail_on: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    baseline: Path | None,
    write_baseline: Path | None,
) -> int:
    """Report on a crawl database, a saved JSON/JSONL result, or a folder of JSONL results (a batch folder whose
    JSON Lines are absent is read from its Parquet results, parquet/records/).

    --select and --ignore leave findings out of the report, its scores and its exit status; a saved result's
    findings are not audited again."""
    from auditor.config import load
    from auditor.report.render import render
    from auditor.saved import load_result
    from auditor.targets import gate, read_baseline, result_parts

    config = load(config_path).with_cli(fail_on=fail_on, select=select, ignore=ignore)
    if history:  # the crawls' summaries, not the pages: no finding in it to gate on
        from auditor.history import history as crawl_history
        from auditor.report.history import render as render_history

        if fail_on is not None or baseline is not None or write_baseline is not None:
            raise ConfigError("--history shows the crawls' summaries: --fail-on and --baseline need a report")
        refuse_overwrite(output, force)
        text = render_history(crawl_history(source, config), fmt, output is None and sys.stdout.isatty())
        write_output(text, output, force)
        return 0
    known = read_baseline(baseline, write_baseline)
    refuse_overwrite(output, force)  # before a baseline is written for a report that could not be
    result = load_result(source, config)
    failed = gate(*result_parts(result), config, known, write_baseline)  # marks what is known before rendering
    write_output(render(result, fmt, output is None and sys.stdout.isatty()), output, force)
    return 1 if failed and (fail_on is not None or baseline is not None) else 0


BATCH_EPILOG = """\b
Examples:
  auditor batch crawl-*.warc.gz -o results/
  auditor batch urls.txt -o results/ --workers 8
  auditor batch /data/*.warc.gz -o /data/results --scheduler tcp://host:8786
  auditor report results/pages --format html -o batch.html
  auditor batch urls.txt -o results/ --fail-on error --baseline known.json
  auditor batch crawl-*.warc.gz -o results/ --parquet     # also Parquet tables
  auditor batch https://example.org/crawl/part-1.warc.gz -o results/
  auditor batch --paths warc.paths.gz --limit 2 -o results/ --parquet

\b
Remote inputs: http(s):// URLs are read with range requests (the server must
answer them); s3://, gs:// and fsspec's other schemes need their backend
installed (pip install s3fs, gcsfs, ...), with its usual credentials. A
Common Crawl crawl lists its WARC files in
https://data.commoncrawl.org/crawl-data/CC-MAIN-<crawl>/warc.paths.gz.

\b
Exit status (page findings change it only with --fail-on or --baseline):
  0  the batch ran; pages that could not be audited are counted in its summary
  1  a page finding in OUTDIR not in --baseline is at or above --fail-on
  2  an input could not be read or is cut short (the other inputs are
     audited; a re-run finishes what is missing), or the output folder, an
     option or the scheduler cannot be used (one line on stderr)"""


@main.command(short_help="Audit WARC files or URL lists on a Dask cluster.", epilog=BATCH_EPILOG)
@click.argument("inputs", nargs=-1, metavar="[INPUT]...")
@click.option(
    "-o",
    "--output",
    "outdir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for the results (JSON Lines under pages/); a re-run skips what is done.",
)
@click.option(
    "--parquet",
    is_flag=True,
    help="Also write the results as Parquet tables under OUTDIR/parquet/ (pages, links, and the full results "
    "that auditor report reads); needs pyarrow: pip install 'affiliate-auditor[parquet]'.",
)
@click.option(
    "--paths",
    metavar="FILE_OR_URL",
    help="A Common Crawl warc.paths.gz (a file or a URL): the WARC files it lists, joined to --base, are inputs.",
)
@click.option(
    "--base",
    metavar="URL_OR_FOLDER",
    help="Where the --paths are: a URL (default: https://data.commoncrawl.org/), s3://commoncrawl/, or a folder "
    "holding a copy.",
)
@click.option(
    "--skip", type=click.IntRange(min=0), default=0, metavar="N", help="Leave out the first N WARC files of --paths."
)
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Take N WARC files of --paths (after --skip).")
@click.option("--scheduler", help="Address of an existing Dask scheduler (tcp://host:8786); default: a local cluster.")
@click.option("--workers", type=click.IntRange(min=1), help="Workers of the local cluster (default: one per core).")
@click.option("--partition-size", type=click.IntRange(min=1), default=200, show_default=True, help="Pages per task.")
@click.option(
    "--threshold", type=click.FloatRange(0.5, 1.0), default=0.9, show_default=True, help="Near-duplicate similarity."
)
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="auditor.toml or pyproject.toml.")
@GATE_OPTIONS
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@_guard
def batch(
    inputs: tuple[str, ...],
    outdir: Path,
    parquet: bool,
    paths: str | None,
    base: str | None,
    skip: int,
    limit: int | None,
    scheduler: str | None,
    workers: int | None,
    partition_size: int,
    threshold: float,
    config_path: Path | None,
    fail_on: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    baseline: Path | None,
    write_baseline: Path | None,
    quiet: bool,
) -> int:
    """Audit WARC files (or files of URLs, one a line) on a Dask cluster into OUTDIR. Each INPUT is a local path
    or a URL (http(s)://, or s3://, gs://, ... with fsspec's backend for it installed)."""
    from auditor import batch as batches
    from auditor import columnar, remote
    from auditor.config import load
    from auditor.targets import read_baseline

    config = load(config_path).with_cli(fail_on=fail_on, select=select, ignore=ignore)
    known = read_baseline(baseline, write_baseline)
    if outdir.exists() and not outdir.is_dir():
        raise ConfigError(f"{outdir}: exists and is not a folder")
    if parquet:
        columnar.require("--parquet")  # before a cluster starts, not after every chunk has failed
    if paths is None and (skip or limit is not None or base is not None):
        raise ConfigError("--base, --skip and --limit choose among the WARC files of --paths: give --paths")
    sources: list[str | Path] = [s if remote.is_remote(s) else Path(s) for s in inputs]
    if paths is not None:
        sources.extend(remote.common_crawl_paths(paths, base or remote.COMMON_CRAWL, skip, limit))
    if not sources:
        raise ConfigError("nothing to audit: give WARC files or URL lists, or --paths")

    def progress(done: int, total: int) -> None:
        if not quiet:
            click.echo(f"batch: {done}/{total} chunks", err=True)

    summary = batches.run(sources, outdir, config, scheduler, workers, partition_size, threshold, progress, parquet)
    click.echo(
        f"{outdir}: {summary.pages} pages audited ({summary.errors} not), {summary.skipped} chunks already "
        f"done, {summary.near_duplicate_groups} near-duplicate groups, {summary.seconds} s"
    )
    if fail_on is None and baseline is None and write_baseline is None:
        return 0
    from auditor.saved import folder_results, page_results, selected
    from auditor.targets import gate, say_failing

    # page by page from the files (a batch may not fit in memory), chunks of earlier runs with them; a batch is
    # many sites, not one, so no site finding counts (its near-duplicates are in near_duplicates.json)
    lines = any((outdir / batches.PAGES).glob("*.jsonl")) or not columnar.holds_records(outdir)
    found = page_results(outdir / batches.PAGES) if lines else folder_results(outdir)  # JSON Lines deleted: Parquet
    pages = (selected(page, config) for page in found)
    failed = gate(pages, [], config, known, write_baseline)
    say_failing(str(outdir), failed, config, known is not None, f"auditor report {outdir / batches.PAGES}")
    return 1 if failed else 0
