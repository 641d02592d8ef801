"""The zh_CN catalogue is complete, consistent with the sources and compiled, and the UI uses it.

When a test here fails after a template or Python string changed, run ``bash scripts/i18n.sh``
from the repository root, translate the new entries in
app/translations/zh_CN/LC_MESSAGES/messages.po, and run the script again to rebuild the .mo.
"""

from __future__ import annotations

import re
from pathlib import Path

import flask_babel
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po, write_po

from tests import factories

REPO_ROOT = Path(__file__).resolve().parents[2]
BABEL_CFG = REPO_ROOT / "babel.cfg"
SCRIPT = REPO_ROOT / "scripts" / "i18n.sh"
TRANSLATIONS = REPO_ROOT / "app" / "translations"
ZH_DIR = TRANSLATIONS / "zh_CN" / "LC_MESSAGES"
ZH_PO = ZH_DIR / "messages.po"
ZH_MO = ZH_DIR / "messages.mo"

#: Keywords scripts/i18n.sh adds with ``-k`` on top of babel's defaults (_, gettext, ngettext...).
EXTRA_KEYWORDS = ["_l", "lazy_gettext", "t"]
#: Directories scripts/i18n.sh skips (--ignore-dirs); babel.cfg only maps app/ and templates/.
IGNORED_DIRS = (".*", "._", "__pycache__", "tests", "migrations", "instance", "bench",
                "node_modules", "build", "dist")
FIX_HINT = ("run `bash scripts/i18n.sh` from the repository root, translate the new entries in "
            "app/translations/zh_CN/LC_MESSAGES/messages.po, then run the script again")

PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale="zh_CN")


def _strings(value) -> tuple[str, ...]:
    """A message's id or string as a tuple (plural messages carry several)."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _label(message) -> str:
    text = " | ".join(_strings(message.id))
    return f"{text!r} (context {message.context!r})" if message.context else repr(text)


def _directory_filter(dirname: str) -> bool:
    from fnmatch import fnmatch

    name = Path(dirname).name
    return not any(fnmatch(name, pattern) for pattern in IGNORED_DIRS)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Catalog:
    """What ``pybabel extract -F babel.cfg -k _l -k lazy_gettext`` yields, as a POT in a temp dir."""
    with BABEL_CFG.open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(BABEL_CFG))
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(parse_keywords(EXTRA_KEYWORDS))
    template = Catalog(project="Sieve", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(REPO_ROOT), method_map, options_map, keywords=keywords,
        directory_filter=_directory_filter,
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    with pot.open("wb") as fh:
        write_po(fh, template, sort_output=True)
    with pot.open("rb") as fh:
        return read_po(fh)


@pytest.fixture(scope="module")
def zh_catalog() -> Catalog:
    assert ZH_PO.is_file(), f"{ZH_PO.relative_to(REPO_ROOT)} is missing; {FIX_HINT}"
    return _read_po(ZH_PO)


def test_script_and_test_extract_with_the_same_keywords():
    script = SCRIPT.read_text(encoding="utf-8")
    assert "-F babel.cfg" in script
    assert sorted(re.findall(r"(?<!\S)-k\s+(\S+)", script)) == sorted(EXTRA_KEYWORDS)


def test_extraction_finds_python_and_template_strings(extracted):
    """Guards the mapping itself: a broken babel.cfg would make the coverage test vacuous."""
    files = {location[0] for message in extracted if message.id for location in message.locations}
    assert any(f.startswith("app/") for f in files), "no message extracted from app/**.py"
    assert any(f.startswith("templates/") for f in files), "no message extracted from templates"
    ids = {message.id for message in extracted if message.id}
    # One of each kind: lazy_gettext as _l, gettext as _, a template _() and one with a variable.
    for expected in ("Under watch", "Unknown email or wrong password.", "Pipeline",
                     "in state for %(age)s"):
        assert expected in ids


def test_zh_cn_catalogue_translates_every_extracted_message(extracted, zh_catalog):
    missing, untranslated, fuzzy = [], [], []
    for message in extracted:
        if not message.id:
            continue
        entry = zh_catalog.get(message.id, message.context)
        if entry is None:
            missing.append(_label(message))
        elif entry.fuzzy:
            fuzzy.append(_label(message))
        elif not all(s.strip() for s in _strings(entry.string)):
            untranslated.append(_label(message))
    problems = [
        f"{title} ({len(ids)}):\n  " + "\n  ".join(ids)
        for title, ids in (("not in the zh_CN catalogue", missing),
                           ("without a translation", untranslated),
                           ("marked fuzzy", fuzzy))
        if ids
    ]
    assert not problems, "zh_CN catalogue is incomplete; " + FIX_HINT + ".\n" + "\n".join(problems)


def test_zh_cn_catalogue_is_not_marked_fuzzy(zh_catalog):
    """pybabel compile silently skips a catalogue whose header carries the fuzzy flag."""
    assert not zh_catalog.fuzzy, f"remove '#, fuzzy' from the header of {ZH_PO.name}"
    assert not [m.id for m in zh_catalog if m.id and m.fuzzy]


def test_translations_keep_the_same_placeholders(zh_catalog):
    wrong = []
    for message in zh_catalog:
        if not message.id or not message.string:
            continue
        expected = set().union(*(PLACEHOLDER.findall(s) for s in _strings(message.id)))
        for translated in _strings(message.string):
            found = set(PLACEHOLDER.findall(translated))
            if found != expected:
                wrong.append(f"{_label(message)}: expects {sorted(expected)}, has {sorted(found)}")
                continue
            if expected:  # Flask-Babel applies `msgstr % variables`: a stray % would raise.
                try:
                    translated % {name: "x" for name in expected}
                except (ValueError, TypeError, KeyError) as error:
                    wrong.append(f"{_label(message)}: {translated!r} does not format ({error})")
    assert not wrong, "placeholders differ between msgid and msgstr:\n  " + "\n  ".join(wrong)


def test_compiled_mo_matches_po(zh_catalog):
    assert ZH_MO.is_file(), f"{ZH_MO.relative_to(REPO_ROOT)} is missing; {FIX_HINT}"
    with ZH_MO.open("rb") as fh:
        compiled = read_mo(fh)

    def table(catalog: Catalog) -> dict:
        return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)):
                m.string if isinstance(m.string, str) else tuple(m.string)
                for m in catalog if m.id and m.string and not m.fuzzy}

    source, binary = table(zh_catalog), table(compiled)
    stale = sorted(str(key[1]) for key in source.keys() ^ binary.keys()) + sorted(
        str(key[1]) for key in source.keys() & binary.keys() if source[key] != binary[key])
    assert not stale, ("messages.mo is out of date with messages.po; run `bash scripts/i18n.sh`. "
                       "Differing msgids: " + ", ".join(stale))


def test_every_ui_language_has_a_catalogue_the_app_loads(app, zh_catalog):
    """The app's own lookup finds the catalogue (Babel alone would look for zh_Hans_CN/)."""
    for code in app.config["SIEVE_LANGUAGES"]:
        if code == app.config["BABEL_DEFAULT_LOCALE"]:
            continue
        with app.test_request_context(), flask_babel.force_locale(code):
            translations = flask_babel.get_translations()
            assert translations.files, (
                f"no catalogue loaded for UI language {code!r} from "
                f"{app.config['BABEL_TRANSLATION_DIRECTORIES']}")
            expected = TRANSLATIONS / code / "LC_MESSAGES" / "messages.mo"
            assert expected.resolve() in {Path(f).resolve() for f in translations.files}
    with app.test_request_context(), flask_babel.force_locale("zh_CN"):
        assert flask_babel.gettext("Pipeline") == _zh(zh_catalog, "Pipeline")


# --- the running app ------------------------------------------------------------------------------


@pytest.fixture
def web(app, client):
    """The test client, with Flask-Babel's locale forgotten before each request.

    conftest's ``app`` fixture keeps one app context open for the whole test, and Flask reuses
    it for every test-client request, so ``g`` (where Flask-Babel caches the locale and the
    translations) would otherwise carry the first request's language into all the later ones.
    A real server starts each request with a fresh app context.
    """
    app.before_request(flask_babel.refresh)
    return client


def _zh(zh_catalog: Catalog, msgid: str) -> str:
    translated = zh_catalog.get(msgid).string
    assert translated and translated != msgid
    return translated


def _nav(html: str) -> str:
    start = html.index("<nav")
    return html[start:html.index("</nav>", start)]


def _switch(client, locale: str, next_path: str = "/board"):
    response = client.post("/language", data={"locale": locale, "next": next_path})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(next_path)
    return client.get(next_path)


def test_board_follows_the_language_switch(web, auth, world, zh_catalog):
    client = web
    pipeline_zh = _zh(zh_catalog, "Pipeline")
    assert auth.login(world.manager.email, factories.PASSWORD).status_code == 302

    english = client.get("/board").get_data(as_text=True)
    assert ">Pipeline<" in _nav(english)

    response = _switch(client, "zh_CN")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    nav = _nav(html)
    assert pipeline_zh in nav
    assert "Pipeline" not in nav
    assert _zh(zh_catalog, "Log out") in nav
    assert _zh(zh_catalog, "Selection manager") in nav  # a lazy_gettext label from app/ui.py
    assert _zh(zh_catalog, "Under watch") in html  # a board column

    response = _switch(client, "en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ">Pipeline<" in _nav(html)
    assert pipeline_zh not in html


def test_chosen_language_is_remembered_for_the_user(web, auth, world, zh_catalog):
    client = web
    auth.login(world.manager.email)
    _switch(client, "zh_CN")
    auth.logout()  # clears the session, so only the stored preference can bring Chinese back
    auth.login(world.manager.email)
    html = client.get("/board").get_data(as_text=True)
    assert _zh(zh_catalog, "Pipeline") in _nav(html)


def test_login_page_follows_accept_language(web, zh_catalog):
    client = web
    heading_zh = _zh(zh_catalog, "Log in to Sieve")

    html = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert heading_zh in html
    assert "Log in to Sieve" not in html
    assert _zh(zh_catalog, "Password") in html  # a lazy_gettext form label

    html = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert "Log in to Sieve" in html
    assert heading_zh not in html


def test_flash_message_from_a_view_is_translated(web, world, zh_catalog):
    client = web
    response = client.post("/login", data={"email": world.manager.email, "password": "wrong"},
                           headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 200
    assert _zh(zh_catalog, "Unknown email or wrong password.") in response.get_data(as_text=True)
