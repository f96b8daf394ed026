"""Crisis lines: the data file is valid and lines_for() chooses country, locale, directory."""

import datetime
import re

import pytest
import yaml

from mindhaven.accounts.countries import COUNTRIES
from mindhaven.core.testing import BaseTestCase
from mindhaven.safety import resources
from mindhaven.safety.resources import Line, lines_for

DIALABLE = re.compile(r"^\+?[0-9]+( [0-9]+)*$")
LANGUAGE = re.compile(r"^[a-z]{2}$")
NOT_SOURCES = (
    # Directories, encyclopaedias and paste sites are leads, never sources (the file's rules).
    "wikipedia.org",
    "findahelpline.com",
    "pastebin.com",
    "github.com",
    "befrienders",
    "progress.guide",
    "iasp.info",
    "suicide.org",
    "opencounseling.com",
    "checkpointorg.com",
    "wikiwand",
)


def raw_lines() -> list[dict[str, object]]:
    with resources.DATA_FILE.open(encoding="utf-8") as f:
        return list(yaml.safe_load(f)["lines"])


LINES = resources.all_lines()


def test_the_file_has_lines() -> None:
    assert LINES
    assert resources.countries()


@pytest.mark.parametrize("line", LINES, ids=lambda line: f"{line.country}-{line.name}")
def test_every_line_is_complete(line: Line) -> None:
    assert line.name.strip()
    assert line.operator.strip()
    assert line.phone or line.sms or line.chat_url, "a way to reach the line"
    assert line.hours.strip()
    assert line.languages and all(LANGUAGE.match(code) for code in line.languages)
    assert line.country in COUNTRIES
    assert not line.extra, f"unknown fields: {line.extra}"


@pytest.mark.parametrize("line", LINES, ids=lambda line: f"{line.country}-{line.name}")
def test_every_line_has_a_checked_official_source(line: Line) -> None:
    assert line.source_url.startswith("https://")
    assert not any(bad in line.source_url for bad in NOT_SOURCES), "a directory is not a source"
    assert isinstance(line.checked, datetime.date)
    assert line.checked <= datetime.date.today()
    assert "read" in line.verified_via and line.checked.isoformat() in line.verified_via
    if line.chat_url:
        assert line.chat_url.startswith("https://")


@pytest.mark.parametrize("line", LINES, ids=lambda line: f"{line.country}-{line.name}")
def test_numbers_are_dialable_and_links_drop_spaces(line: Line) -> None:
    for number in (line.phone, line.sms, line.whatsapp):
        if number:
            assert DIALABLE.match(number), number
    if line.phone:
        assert line.tel == "tel:" + line.phone.replace(" ", "")
        assert " " not in line.tel
    if line.sms:
        assert line.sms_href.startswith("sms:" + line.sms.replace(" ", ""))
        assert " " not in line.sms_href


def test_numbers_in_the_file_are_quoted_strings() -> None:
    # An unquoted 000 or 024 would be read as an integer and lose its zeros.
    for entry in raw_lines():
        for key in ("phone", "sms", "whatsapp"):
            if key in entry:
                assert isinstance(entry[key], str), (entry["name"], key)


def test_country_codes_in_the_file_are_strings() -> None:
    # An unquoted NO (Norway) is read by YAML as the boolean False.
    for entry in raw_lines():
        assert isinstance(entry["country"], str), entry["name"]
        assert re.fullmatch(r"[A-Z]{2}", entry["country"]), entry["name"]
    for entry in raw_lines():
        languages = entry["languages"]
        assert isinstance(languages, list), entry["name"]
        assert all(isinstance(code, str) for code in languages), entry["name"]


def test_sources_are_never_the_leads_or_news_search_results() -> None:
    # Every source is an https page of an operator or a government, and never the old
    # scrape, a directory or a search engine's cache.
    for line in LINES:
        host = line.source_url.split("/")[2]
        assert "." in host and not host.endswith((".wikipedia.org", "google.com")), host
        assert "cache" not in line.source_url and "?q=" not in line.source_url


def test_the_file_covers_the_countries_it_says_it_does() -> None:
    # Countries whose number was read on an operator's or a government's own page.
    expected = "US GB IE AU CA CO MX PE FR AT NZ HK CH NL FI NO DE PT PH BE JP PL SE SG ZA IS KR JM"
    assert set(resources.countries()) >= set(expected.split())


def test_there_are_no_duplicates() -> None:
    keys = [(line.country, line.region, line.name) for line in LINES]
    assert len(keys) == len(set(keys))
    numbers = [(line.country, line.region, line.phone) for line in LINES if line.phone]
    assert len(numbers) == len(set(numbers))


def test_the_directory_is_a_link_not_a_number() -> None:
    directory = resources.directory()
    assert directory.kind == "directory"
    assert directory.url.startswith("https://")
    assert not directory.phone and not directory.sms


def test_it_chooses_the_country_first() -> None:
    found = lines_for("GB", "es")
    assert [line.country for line in found[:-1]] == ["GB"]
    assert found[-1].kind == "directory"


def test_it_accepts_lower_case_country_codes() -> None:
    assert lines_for("ie", "en")[0].country == "IE"


def test_it_falls_back_to_lines_in_the_locale_grouped_by_country() -> None:
    found = lines_for("", "es-MX")[:-1]
    assert found and all("es" in line.languages for line in found)
    english = lines_for("", "en")[:-1]
    assert {line.country for line in english} >= {"US", "GB"}
    order = [line.country for line in english]
    # Grouped: each country's lines are together.
    assert order == sorted(order, key=order.index)


def test_a_country_without_lines_gets_the_locale_then_the_directory() -> None:
    assert "AQ" not in resources.countries()
    found = lines_for("AQ", "fr")
    assert "FR" in [line.country for line in found[:-1]]
    assert all("fr" in line.languages for line in found[:-1])
    assert found[-1].kind == "directory"


def test_with_nothing_known_it_gives_only_the_directory() -> None:
    found = lines_for("", "xx")
    assert [line.kind for line in found] == ["directory"]


def test_it_serialises_for_the_api() -> None:
    data = lines_for("US", "en")[0].as_dict()
    assert data["tel"] == "tel:988"
    assert data["checked"] == "2026-11-28"
    assert isinstance(data["languages"], list)
    assert "extra" not in data


@pytest.mark.parametrize(
    ("header", "country"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "MX"),
        ("en", ""),
        ("fr;q=0.9, en-GB;q=0.8", "GB"),
        ("en-US;q=0.5, es-CO;q=0.9", "CO"),
        ("", ""),
        ("zh-Hant-TW", ""),
    ],
)
def test_it_reads_the_region_of_accept_language(header: str, country: str) -> None:
    assert resources.country_from_accept_language(header) == country


class HelpPageTestCase(BaseTestCase):
    def test_it_lists_the_lines_of_the_chosen_country(self) -> None:
        r = self.client.get("/help/?country=GB")
        self.assertContains(r, '<a href="tel:116123">116 123</a>', html=False)
        self.assertContains(r, "Source: Samaritans, checked 2026-11-28")
        self.assertContains(r, "Emergency numbers")

    def test_it_links_texts_with_sms(self) -> None:
        r = self.client.get("/help/?country=CA")
        self.assertContains(r, 'href="sms:686868?body=CONNECT"')

    def test_it_lists_988_for_everyone_in_canada_before_the_youth_line(self) -> None:
        r = self.client.get("/help/?country=CA")
        self.assertContains(r, 'href="tel:988"')
        self.assertContains(r, 'href="sms:988"')
        body = r.content.decode()
        self.assertLess(body.index('href="tel:988"'), body.index('href="sms:686868'))

    def test_it_names_the_region_of_a_regional_line(self) -> None:
        self.client.cookies["django_language"] = "es"
        r = self.client.get("/help/?country=MX")
        self.assertContains(r, 'href="tel:8002900024"')
        self.assertContains(r, "(Guanajuato)")
        self.assertContains(r, "Fuente: Secretaría de Salud de Guanajuato")

    def test_it_lists_peru_with_the_option_to_choose(self) -> None:
        r = self.client.get("/help/?country=PE")
        self.assertContains(r, 'href="tel:113"')
        self.assertContains(r, "opción 5")

    def test_it_uses_the_accept_language_region_for_visitors(self) -> None:
        r = self.client.get("/help/", HTTP_ACCEPT_LANGUAGE="en-AU,en;q=0.9")
        self.assertContains(r, 'href="tel:131114"')
        self.assertContains(r, '<option value="AU" selected>')

    def test_it_uses_the_members_country(self) -> None:
        self.client.force_login(self.alice)  # GB
        r = self.client.get("/help/", HTTP_ACCEPT_LANGUAGE="en-AU")
        self.assertContains(r, 'href="tel:116123"')
        self.assertNotContains(r, 'href="tel:131114"')

    def test_without_a_country_it_lists_lines_in_the_language(self) -> None:
        r = self.client.get("/help/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(r, 'href="tel:988"')
        self.assertContains(r, 'href="tel:116123"')
        self.assertContains(r, 'href="https://findahelpline.com"')

    def test_it_ignores_unknown_countries(self) -> None:
        r = self.client.get("/help/?country=ZZ", HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'href="https://findahelpline.com"')

    def test_it_is_in_spanish(self) -> None:
        self.client.cookies["django_language"] = "es"
        r = self.client.get("/help/?country=CO")
        self.assertContains(r, 'href="tel:106"')
        self.assertContains(r, "Fuente: Secretaría Distrital de Salud de Bogotá")

    def test_it_shows_whatsapp_and_chat_for_singapore(self) -> None:
        r = self.client.get("/help/?country=SG")
        self.assertContains(r, 'href="tel:1771"')
        self.assertContains(r, "WhatsApp +65 6669 1771")
        self.assertContains(r, 'href="https://mindline.sg/fsmh"')
        self.assertContains(r, "Source: Ministry of Health, Singapore")

    def test_it_says_when_the_source_gave_no_hours(self) -> None:
        r = self.client.get("/help/?country=NL")
        self.assertContains(r, 'href="tel:113"')
        self.assertContains(r, "not stated on the source page")
