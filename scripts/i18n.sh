#!/usr/bin/env bash
# Refresh the translation catalogues: extract -> update (or init) -> compile.
#
# Run from the repository root:  bash scripts/i18n.sh
# Then translate every new (empty) msgstr in app/translations/zh_CN/LC_MESSAGES/messages.po
# and run the script again so messages.mo is rebuilt. tests/app/test_i18n.py fails while
# any extracted message is missing, untranslated or fuzzy, or while the .mo is stale.
set -euo pipefail

if [[ ! -f babel.cfg || ! -d app || ! -d templates ]]; then
    echo "scripts/i18n.sh: run me from the repository root (babel.cfg not found)" >&2
    exit 2
fi

TRANSLATIONS=app/translations
POT="$TRANSLATIONS/messages.pot"
# Catalogue folders, named as in SIEVE_LANGUAGES. Babel would turn zh_CN into zh_Hans_CN;
# app/i18n.py's CatalogueDomain looks catalogues up as <language>_<territory> (zh_CN) instead.
LOCALES=(zh_CN)
VERSION="$(sed -n 's/^version *= *//p' setup.cfg)"

mkdir -p "$TRANSLATIONS"
tmp_pot="$(mktemp)"
trap 'rm -f "$tmp_pot"' EXIT

# 1. Extract. babel.cfg only maps app/**.py and templates/**.html; the ignored directories
#    just keep the walk short (tests, migrations, instance data, virtualenvs, caches).
pybabel extract \
    -F babel.cfg \
    -k _l -k lazy_gettext -k t \
    --add-comments=TRANSLATORS: \
    --sort-output \
    --project=Sieve --version="${VERSION:-0.1.0}" \
    --ignore-dirs='.* ._ __pycache__ tests migrations instance bench node_modules build dist' \
    -o "$tmp_pot" \
    .

# Keep the committed POT untouched when only its POT-Creation-Date would change.
strip_date() { grep -v '^"POT-Creation-Date: ' "$1"; }
if [[ -f "$POT" ]] && cmp -s <(strip_date "$POT") <(strip_date "$tmp_pot"); then
    echo "$POT: no message changes"
else
    cp "$tmp_pot" "$POT"
    echo "$POT: updated"
fi

# 2. Update each catalogue from the POT, or create it the first time.
for locale in "${LOCALES[@]}"; do
    po="$TRANSLATIONS/$locale/LC_MESSAGES/messages.po"
    if [[ -f "$po" ]]; then
        pybabel update \
            -i "$POT" -d "$TRANSLATIONS" -l "$locale" \
            --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
    else
        pybabel init -i "$POT" -d "$TRANSLATIONS" -l "$locale"
    fi
done

# 3. Compile. A catalogue whose header is still marked fuzzy is skipped by pybabel, and
#    fuzzy entries are never compiled; the statistics show what is left to translate.
pybabel compile -d "$TRANSLATIONS" --statistics
