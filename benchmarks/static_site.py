"""The crawl benchmark's site, written to disk and served by nginx from Debian on 127.0.0.1.

A crawl benchmark measures crawlers, so the server must cost next to nothing: on two cores a Python server
takes a third of a core at these rates, and it takes it from whichever crawler uses both cores. nginx serves
the same pages as the test site's `--heavy` articles (tests/sitegen.py) as static files; a query string
(`?utm_source=next`) serves the same file, as on a real site. Paths the site generator answers dynamically
(redirects, traps, slow pages) are absent and answer 404, for both crawlers alike.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.sitegen import DISALLOWED, Site

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

CONFIG = """\
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log error;
events {{ worker_connections 256; }}
http {{
    access_log off;
    default_type text/html;
    types {{ text/plain txt; }}
    sendfile on;
    keepalive_requests 100000;
    client_body_temp_path {folder}/tmp;
    proxy_temp_path {folder}/tmp;
    fastcgi_temp_path {folder}/tmp;
    uwsgi_temp_path {folder}/tmp;
    scgi_temp_path {folder}/tmp;
    server {{
        listen 127.0.0.1:{port};
        root {folder}/www;
        index index.html;
        location / {{ try_files $uri $uri/index.html =404; }}
    }}
}}
"""


def available() -> bool:
    return os.access(NGINX, os.X_OK)


def write(folder: Path, articles: int) -> None:
    """The home page, robots.txt and every article, as files under folder/www."""
    site = Site(articles=articles, slow=0.0, heavy=True)
    www = folder / "www"
    (www / "articles").mkdir(parents=True)
    (www / "robots.txt").write_text(f"User-agent: *\nDisallow: {DISALLOWED}\n", encoding="ascii")
    (www / "index.html").write_bytes(site.home())
    for n in range(1, articles + 1):
        (www / "articles" / str(n)).write_bytes(site.article(n))
    for path in (folder, *folder.rglob("*")):  # nginx's worker drops root: let it read the files
        path.chmod(0o755 if path.is_dir() else 0o644)


@contextlib.contextmanager
def serve(folder: Path, articles: int, port: int) -> Iterator[str]:
    """Serve the written site with nginx on 127.0.0.1:port; yields the base URL."""
    write(folder, articles)
    (folder / "tmp").mkdir()
    (folder / "nginx.conf").write_text(CONFIG.format(folder=folder, port=port), encoding="utf-8")
    server = subprocess.Popen([NGINX, "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")])
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)
