"""Dashboard pages and their SVG charts: numbers shown, valid SVG, locale labels, isolation."""

import re
import xml.etree.ElementTree as ET

import flask_babel
import pytest

from app.ui import STATE_LABELS
from tests import factories
from tests.app.test_query_counts import counting_statements

PAGES = ["/dashboards/", "/dashboards/pipeline", "/dashboards/qc", "/dashboards/catalogue",
         "/dashboards/suppliers"]
CHARTS = ["funnel", "durations", "pass-rate", "pareto", "spend", "caps", "capa-ages",
          "customer", "leaderboard"]
SVG = "{http://www.w3.org/2000/svg}"
TX = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


def svg_texts(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def row(html: str, testid: str) -> list[str]:
    """The text of each cell of the row marked ``data-testid=testid``."""
    match = re.search(rf'<tr data-testid="{re.escape(testid)}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, testid
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match.group(1), re.S)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in cells]


@pytest.fixture
def web(app, client):
    """Flask-Babel's locale forgotten before each request (see tests/app/test_i18n.py)."""
    app.before_request(flask_babel.refresh)
    return client


@pytest.fixture
def small_world(world):
    factories.make_product(world, "proposed")
    factories.make_product(world, "in_review")
    listed = factories.make_product(world, "listed")
    factories.inspect(world, listed.id, "routine", {"critical": 1, "minor": 2})
    factories.make_product(world, "listed", category=world.other_category)
    return world


@pytest.mark.parametrize("role", ["admin", "selection_manager", "designer", "qc_inspector"])
def test_staff_see_every_page_and_chart(client, auth, small_world, role):
    auth.login(small_world.user_for_role(role).email)
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    for chart in CHARTS:
        response = client.get(f"/dashboards/charts/{chart}.svg")
        assert response.status_code == 200, chart
        assert response.mimetype == "image/svg+xml"
        assert "script-src" not in response.headers["Content-Security-Policy"]
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
        svg_texts(response.data)


def test_suppliers_get_404_everywhere(client, auth, small_world):
    auth.login(small_world.supplier_user.email)
    for url in PAGES + [f"/dashboards/charts/{c}.svg" for c in CHARTS]:
        assert client.get(url).status_code == 404, url
    assert "nav-dashboards" not in client.get("/board").get_data(as_text=True)


def test_anonymous_users_are_sent_to_log_in(client, world):
    assert client.get("/dashboards/pipeline").status_code == 302
    assert client.get("/dashboards/charts/funnel.svg").status_code == 302


def test_unknown_chart_is_404(client, auth, world):
    auth.login(world.manager.email)
    assert client.get("/dashboards/charts/nope.svg").status_code == 404


def test_pipeline_page_shows_the_funnel_numbers(client, auth, small_world):
    auth.login(small_world.manager.email)
    html = client.get("/dashboards/pipeline").get_data(as_text=True)
    assert row(html, "funnel-proposed")[1:] == ["4", "—", "100.0 %"]
    assert row(html, "funnel-in_review")[1:] == ["3", "75.0 %", "75.0 %"]
    assert row(html, "funnel-listed")[1:] == ["2", "100.0 %", "50.0 %"]
    assert row(html, "duration-proposed")[1:3] == ["4", "1"]
    assert 'data-testid="chart-funnel"' in html and "/dashboards/charts/funnel.svg?" in html
    assert "Test product" in html and "/products/" in html  # stuck products link to them
    svg = svg_texts(client.get("/dashboards/charts/funnel.svg").data)
    assert {"Proposed", "In review", "Listed"} <= set(svg)


def test_qc_page_and_charts_show_the_same_numbers(client, auth, small_world):
    auth.login(small_world.qc.email)
    html = client.get("/dashboards/qc").get_data(as_text=True)
    kettles = row(html, f"pass-rate-category-{small_world.category.id}")
    assert kettles[:3] == ["Kettles", "2", "50.0 %"]
    pareto = re.findall(r'<tr data-testid="pareto-row">(.*?)</tr>', html, re.S)
    assert len(pareto) == 2 and "minor defect" in pareto[0] and "66.7 %" in pareto[0]
    labels = svg_texts(client.get("/dashboards/charts/pareto.svg").data)
    assert any(label.startswith("minor defect") for label in labels)
    assert "100%" in labels
    months = svg_texts(client.get("/dashboards/charts/pass-rate.svg").data)
    assert factories.today().strftime("%Y-%m") in months and "Kettles" in months


def test_catalogue_and_supplier_pages(client, auth, small_world):
    auth.login(small_world.manager.email)
    html = client.get("/dashboards/catalogue").get_data(as_text=True)
    assert row(html, f"cap-{small_world.other_category.id}")[4:6] == ["1", "2"]
    assert row(html, "capa-age-lt7")[1:] == ["1", "0"]
    assert row(html, "capa-age-overdue")[1] == "0"
    html = client.get("/dashboards/suppliers").get_data(as_text=True)
    leader = row(html, f"leader-{small_world.supplier_a.id}")
    assert leader[2] == "not assessed" and leader[-1] == "2"
    html = client.get("/dashboards/").get_data(as_text=True)
    assert re.search(r'data-testid="in-pipeline">\s*2<', html)
    assert re.search(r'data-testid="open-capas">\s*1<', html)


def test_filters_narrow_pages_and_charts(client, auth, small_world):
    auth.login(small_world.manager.email)
    lamps = small_world.other_category.id
    html = client.get(f"/dashboards/catalogue?category={lamps}").get_data(as_text=True)
    assert f'data-testid="cap-{lamps}"' in html
    assert f'data-testid="cap-{small_world.category.id}"' not in html
    sources = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert len(sources) == 3 and all(f"category={lamps}" in src for src in sources)
    labels = svg_texts(client.get(f"/dashboards/charts/caps.svg?category={lamps}").data)
    assert "Lamps" in labels and "Kettles" not in labels
    empty = svg_texts(client.get("/dashboards/charts/funnel.svg?date_to=2000-01-31").data)
    assert "No data for these filters." in empty


def test_bad_filters_are_explained(client, auth, world):
    auth.login(world.manager.email)
    response = client.get("/dashboards/qc?date_from=soon&top=0")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "date_from: not a date" in html and "top: must be between 1 and 50" in html
    chart = client.get("/dashboards/charts/spend.svg?category=abc")
    assert chart.status_code == 400 and b"category" in chart.data


def test_charts_use_the_ui_language(web, auth, small_world, app):
    auth.login(small_world.manager.email)
    web.post("/language", data={"locale": "zh_CN", "next": "/dashboards/"})
    with app.test_request_context(), flask_babel.force_locale("zh_CN"):
        proposed = str(STATE_LABELS["proposed"])
    assert proposed != "Proposed"
    assert proposed in svg_texts(web.get("/dashboards/charts/funnel.svg").data)
    caps = svg_texts(web.get("/dashboards/charts/caps.svg").data)
    assert {"电水壶", "台灯"} <= set(caps)
    html = web.get("/dashboards/catalogue").get_data(as_text=True)
    assert row(html, f"cap-{small_world.other_category.id}")[0] == "台灯"


def test_statement_count_does_not_grow_with_products(client, auth, world):
    auth.login(world.manager.email)
    urls = PAGES + [f"/dashboards/charts/{c}.svg" for c in CHARTS]

    def per_url() -> dict[str, int]:
        counts = {}
        for url in urls:
            with counting_statements() as statements:
                assert client.get(url).status_code == 200, url
            # a BEGIN depends on what ran before, not on the page
            counts[url] = sum(1 for s in statements if s.split()[0].upper() not in TX)
        return counts

    for state in ("proposed", "listed", "in_design"):
        factories.make_product(world, state)
    small = per_url()
    for _ in range(3):
        for state in ("proposed", "listed", "in_review", "sampling"):
            factories.make_product(world, state)
            factories.make_product(world, state, supplier=world.supplier_b)
    listed = factories.make_product(world, "listed")
    factories.inspect(world, listed.id, "routine", {"critical": 1})
    assert per_url() == small
