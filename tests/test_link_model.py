"""The link model: its features, its verdicts with their why, its file format, and retraining on a user's own
labelled pages with `auditor train` and `models` in the configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import Config, ConfigError, audit_html
from auditor.cli import main
from auditor.layout import Anchor
from auditor.linear import LinearModel
from auditor.linkmodel import PageContext, candidate, features, load
from auditor.links import target
from auditor.networks import load as catalogue

PAGE = PageContext(site="example-blog.com", discloses=True, catalogued=2, per_host={"go.example-shops.net": 3})


def anchor(href: str, text: str = "Buy now", rel: str = "") -> Anchor:
    return Anchor(href, text, tuple(rel.split()), (), {}, 0, False, False)


def shape(href: str, **kw: str) -> dict[str, float]:
    url = target(href)
    assert url is not None
    return features(anchor(href, **kw), url, True, PAGE, catalogue())


def test_features_describe_shape_not_names() -> None:
    redirect = shape("https://go.example-shops.net/go.php?t=https%3A%2F%2Fwww.shop.example%2Fp%2F1", rel="nofollow")
    assert {"host_redirect_word", "path:go", "path_script", "param_url", "param_url_other_site", "rel_nofollow",
            "page_discloses", "page_has_catalogued", "text_call_to_action"} <= redirect.keys()  # fmt: skip
    assert not any("example" in name for name in redirect)  # no host or id of any page becomes a feature
    assert candidate(redirect)
    plain = shape("https://www.example-news.com/2024/05/city-council-votes/", text="the council")
    assert not candidate(plain)
    assert shape("https://partners.brand.example/G15OL").keys() >= {"path_short_code"}
    assert "path_short_code" not in shape("https://www.pinterest.com/lady50plus/")


def test_a_verdict_says_which_features_moved_it() -> None:
    model = LinearModel("links", {"path:go": 3.0, "param_url_other_site": 2.0, "rel_nofollow": -1.0}, -2.0, 0.9)
    found = shape("https://go.example-shops.net/go.php?t=https%3A%2F%2Fwww.shop.example%2F", rel="nofollow")
    assert model.probability(found) == pytest.approx(1 / (1 + 2.718281828**-2.0), rel=1e-6)
    assert model.why(found) == "path:go +3.0, param_url_other_site +2.0"


def test_a_broken_model_file_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "link-model.json").write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read the links model"):
        load(tmp_path)


def _page(site: str, n: int, affiliate: bool) -> str:
    links = "".join(
        f"<p>Pick {i}: <a href='https://go.{site}/go.php?t=https%3A%2F%2Fshop{i}.example%2Fitem'>"
        f"{'Buy it' if affiliate else 'Read it'}</a></p>"
        for i in range(n)
    )
    note = "<p>We earn a commission when you buy through these links.</p>" if affiliate else "<p>Our picks.</p>"
    return f"<html><body><main><h1>Picks</h1>{note}{links}</main></body></html>"


def test_a_user_retrains_the_model_on_their_own_pages(tmp_path: Path) -> None:
    """A small labelled corpus of the user's own: its go.php redirects pay on some sites and not on others."""
    corpus = tmp_path / "corpus"
    (corpus / "pages" / "mine").mkdir(parents=True)
    (corpus / "labels").mkdir()
    rows = ["local_file\tcategory\tpage_url\tpage_host"]
    for k in range(16):
        paid = (k // 2) % 2 == 0  # both folds of --cv 2 hold pages of either kind
        site = f"site{k}.example"
        name = f"page{k}"
        (corpus / "pages" / "mine" / f"{name}.html").write_text(_page(site, 3, paid), encoding="utf-8")
        hrefs = [f"https://go.{site}/go.php?t=https%3A%2F%2Fshop{i}.example%2Fitem" for i in range(3)]
        label = {
            "affiliate_links": [{"href": h, "count": 1} for h in hrefs] if paid else [],
            "disclosure": {"kind": "explanatory" if paid else "none"},
        }
        (corpus / "labels" / f"{name}.json").write_text(json.dumps(label), encoding="utf-8")
        rows.append(f"pages/mine/{name}.html\t{'affiliate_positive' if paid else 'editorial_negative'}"
                    f"\thttps://{site}/picks/\t{site}")  # fmt: skip
    (corpus / "pages" / "mine" / "empty.html").write_bytes(b"")  # a page that cannot be audited teaches nothing
    (corpus / "labels" / "empty.json").write_text('{"affiliate_links": []}', encoding="utf-8")
    rows.append("pages/mine/empty.html\teditorial_negative\thttps://empty.example/\tempty.example")
    (corpus / "MANIFEST.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "models"
    done = CliRunner().invoke(main, ["train", str(corpus), "-o", str(out), "--cv", "2"])
    assert done.exit_code == 0, done.output
    card = json.loads((out / "link-model.json").read_text(encoding="utf-8"))["card"]
    assert card["data"]["pages"] == 17 and card["data"]["affiliate_links"] == 24
    assert len(card["data"]["corpus_sha256"]) == 64
    html = _page("site9.example", 2, True)
    found = audit_html(html, url="https://site9.example/picks/", config=Config(models=out)).links
    assert [link.network for link in found] == ["model", "model"]
    assert "link model, p=" in found[0].evidence
    assert audit_html(html, url="https://site9.example/picks/", config=Config(models=out)).page_type is None
    shipped = audit_html(_page("site9.example", 2, False), url="https://site9.example/picks/").links
    assert not any(link.affiliate for link in shipped)


def test_the_configuration_names_a_retrained_model(tmp_path: Path) -> None:
    from auditor.config import load as load_config

    (tmp_path / "mine").mkdir()
    model = LinearModel("links", {"path:go": 1.0}, -1.0, 0.9).to_json()
    (tmp_path / "mine" / "link-model.json").write_text(json.dumps(model), encoding="utf-8")
    (tmp_path / "auditor.toml").write_text('models = "mine"\n', encoding="utf-8")
    assert load_config(directory=tmp_path).models == (tmp_path / "mine").resolve()
    (tmp_path / "auditor.toml").write_text('models = "none"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"no link-model\.json"):
        load_config(directory=tmp_path)


def test_a_manifest_without_its_columns_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "MANIFEST.tsv").write_text("file\turl\nx.html\thttps://a.example/\n", encoding="utf-8")
    for command in (["eval", str(tmp_path)], ["train", str(tmp_path), "-o", str(tmp_path / "out")]):
        done = CliRunner().invoke(main, command)
        assert done.exit_code == 2 and "no local_file column" in done.output, done.output
