"""A minimal, fair Scrapy spider for the crawl benchmark: it filters seen and off-site links in the spider
before yielding requests (the textbook follow_all on every link makes hundreds of throwaway requests a page)."""

from __future__ import annotations

import sys
from urllib.parse import urldefrag, urljoin, urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess


class SiteSpider(scrapy.Spider):  # type: ignore[misc]
    name = "site"

    def __init__(self, start: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start]
        self.host = urlsplit(start).netloc
        self.seen = {start}
        self.pages = 0

    def parse(self, response):  # type: ignore[no-untyped-def]
        self.pages += 1
        if not hasattr(response, "css"):
            return
        for href in response.css("a::attr(href)").getall():
            url = urldefrag(urljoin(response.url, href))[0]
            if urlsplit(url).netloc == self.host and url not in self.seen:
                self.seen.add(url)
                yield scrapy.Request(url, callback=self.parse)


def main() -> None:
    start, concurrency, depth = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    process = CrawlerProcess(
        settings={
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "DOWNLOAD_DELAY": 0,
            "ROBOTSTXT_OBEY": True,
            "DEPTH_LIMIT": depth,
            "LOG_LEVEL": "ERROR",
            "TELNETCONSOLE_ENABLED": False,
            "COOKIES_ENABLED": False,
            "RETRY_TIMES": 2,
            "DOWNLOAD_MAXSIZE": 2_000_000,
            "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        }
    )
    crawler = process.create_crawler(SiteSpider)
    process.crawl(crawler, start=start)
    process.start()
    print(crawler.spider.pages)


if __name__ == "__main__":
    main()
