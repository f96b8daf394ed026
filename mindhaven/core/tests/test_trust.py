"""The trust page: public, complete, translated, and written plainly enough to read.

Readability is measured with textstat: Flesch-Kincaid grade for English, and for
Spanish the Szigriszt-Pazos perspicuity index (65 and above is "bastante fácil",
fairly easy, or easier). Both metrics work in textstat 0.7.13.

Syllables are counted with pyphen's hyphenation dictionaries (shipped with textstat)
for both languages: textstat 0.7.13 looks English words up in NLTK's CMUdict, which it
downloads at first use, and tests never reach the network. Pyphen's counts are a little
lower than CMUdict's on long words, so the limits keep a margin.
"""

from collections.abc import Iterator
from html.parser import HTMLParser
from unittest import mock

import textstat
from django.conf import settings
from django.test import TestCase

from mindhaven.core.testing import BaseTestCase

URL = "/trust/"
SUMMARY_MAX_GRADE = 8
PAGE_MAX_GRADE = 10
SPANISH_MIN_EASE = 65


class TextOf(HTMLParser):
    """The visible text of the element with an id (or of <main>), one line per block."""

    BLOCKS = {"p", "li", "h1", "h2", "h3", "section", "ul", "td", "th"}
    VOID = {"br", "img", "input", "meta", "link", "hr"}

    def __init__(self, element_id: str | None = None) -> None:
        super().__init__()
        self.element_id = element_id
        self.depth = 0  # > 0 while inside the element
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
        elif (self.element_id and ("id", self.element_id) in attrs) or (
            not self.element_id and tag == "main"
        ):
            self.depth = 1
        if self.depth and tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)

    @classmethod
    def extract(cls, html: str, element_id: str | None = None) -> str:
        parser = cls(element_id)
        parser.feed(html)
        lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
        return "\n".join(line for line in lines if line)


def sentences(text: str) -> Iterator[str]:
    """Headings and list items end without a full stop: give each line one."""
    for line in text.splitlines():
        yield line if line.endswith((".", "!", "?", ":")) else line + "."


def prose(text: str) -> str:
    return " ".join(sentences(text))


def offline_syllables() -> "mock._patch[mock.MagicMock]":
    """No CMUdict: textstat falls back to pyphen for every word."""
    return mock.patch("textstat.backend.counts._count_syllables.get_cmudict", return_value=None)


class TrustTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        offline_syllables().start()
        self.addCleanup(mock.patch.stopall)

    def get(self, language: str = "en") -> str:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 200)
        return r.content.decode()

    def tearDown(self) -> None:
        textstat.set_lang("en")
        super().tearDown()

    def test_it_is_public(self) -> None:
        html = self.get()
        self.assertIn('id="privacy-summary"', html)
        self.assertIn("<h1>Privacy and trust</h1>", html)

    def test_it_links_the_log_export_deletion_help_and_footer(self) -> None:
        html = self.get()
        for href in ("/accounts/access-log/", "/accounts/export/", "/accounts/delete/", "/help/"):
            self.assertIn(f'href="{href}"', html)
        self.assertIn("Fernet: AES-128 in CBC mode with an HMAC-SHA256", html)
        self.assertIn("SQLite or PostgreSQL", html)
        self.assertIn("SECURITY.md", html)
        self.assertIn("not an emergency service", html)
        # Every page links here from the footer.
        self.assertIn('href="/trust/"', self.client.get("/help/").content.decode())

    def test_it_summarises_at_or_below_grade_eight(self) -> None:
        summary = prose(TextOf.extract(self.get(), "privacy-summary"))
        self.assertGreater(len(summary.split()), 60)
        grade = textstat.flesch_kincaid_grade(summary)
        print(f"trust page summary: Flesch-Kincaid grade {grade}")
        self.assertLessEqual(grade, SUMMARY_MAX_GRADE, summary)

    def test_it_keeps_the_whole_page_readable(self) -> None:
        page = prose(TextOf.extract(self.get()))
        grade = textstat.flesch_kincaid_grade(page)
        print(f"trust page, whole: Flesch-Kincaid grade {grade}")
        self.assertLessEqual(grade, PAGE_MAX_GRADE)

    def test_it_is_in_spanish(self) -> None:
        html = self.get("es")
        self.assertIn('<html lang="es"', html)
        self.assertIn("<h1>Privacidad y confianza</h1>", html)
        summary = TextOf.extract(html, "privacy-summary")
        self.assertNotIn("Your data", summary)
        textstat.set_lang("es")
        ease = textstat.szigriszt_pazos(prose(summary))
        print(f"trust page summary (es): Szigriszt-Pazos {ease}")
        self.assertGreaterEqual(ease, SPANISH_MIN_EASE, summary)
        page = TextOf.extract(html)
        for english in ("Who can see what", "Every look is logged", "Encryption", "never records"):
            self.assertNotIn(english, page)
        self.assertIn("nunca graba una sesión", page)

    def test_it_says_video_is_peer_to_peer_encrypted_and_never_recorded(self) -> None:
        page = TextOf.extract(self.get())
        self.assertIn("encrypted all the way (DTLS-SRTP)", page)
        self.assertIn("never records a session", page)
        self.assertIn("the chat in a call is not saved", page)

    def test_it_says_whether_calls_show_each_side_the_others_address(self) -> None:
        page = TextOf.extract(self.get())
        self.assertIn("each device learns the other's internet address", page)
        self.assertIn("this one does not", page)
        with self.settings(MINDHAVEN_ICE_RELAY_ONLY=True):
            page = TextOf.extract(self.get())
        self.assertIn("neither you nor your clinician learns the other's internet", page)
        self.assertNotIn("each device learns", page)


class TrustSignedInTestCase(TestCase):
    def test_it_is_reachable_before_a_second_factor(self) -> None:
        from mindhaven.accounts.models import User
        from mindhaven.core.testing import make_user

        erin = make_user("erin", User.Role.CLINICIAN)
        self.client.force_login(erin)
        self.assertEqual(self.client.get(URL).status_code, 200)
