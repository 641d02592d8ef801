"""Locale selection and catalogue lookup for English and Simplified Chinese.

Babel parses ``zh_CN`` as ``zh_Hans_CN`` (it adds the script subtag), so Flask-Babel's default
lookup would search a ``zh_Hans_CN`` folder; Sieve's catalogue is ``zh_CN``. ``CatalogueDomain``
looks catalogues up by language and territory instead.
"""

from __future__ import annotations

from functools import cached_property

from babel import Locale, support
from flask import current_app, request, session
from flask_babel import Babel, Domain, get_locale
from flask_login import current_user


def catalogue_name(locale: Locale | None) -> str:
    if locale is None:
        return "en"
    return f"{locale.language}_{locale.territory}" if locale.territory else locale.language


def current_language() -> str:
    """The active UI language as configured in SIEVE_LANGUAGES: ``en`` or ``zh_CN``."""
    return catalogue_name(get_locale())


def select_locale() -> str:
    languages = current_app.config["SIEVE_LANGUAGES"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    best = request.accept_languages.best_match(["en", "zh_CN", "zh"])
    return "zh_CN" if best in ("zh", "zh_CN") else "en"


class CatalogueDomain(Domain):
    def get_translations(self):
        locale = get_locale()
        if locale is None:
            return support.NullTranslations()
        name = catalogue_name(locale)
        key = (name, self.domain[0])
        if key not in self.cache:
            translations = support.Translations()
            for dirname in self.translation_directories:
                translations.merge(
                    support.Translations.load(dirname, [name, locale.language], self.domain[0])
                )
            self.cache[key] = translations
        return self.cache[key]


class SieveBabel(Babel):
    @cached_property
    def domain_instance(self):
        return CatalogueDomain(domain=self.domain)
