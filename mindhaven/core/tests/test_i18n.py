import re
import subprocess
from pathlib import Path

from django.conf import settings
from django.utils.translation import trans_real

from mindhaven.core.testing import BaseTestCase

# Our own strings, and our wording for allauth's and Django's (kept apart so that
# makemessages never marks those obsolete).
PO_FILES = [Path(path) / "es" / "LC_MESSAGES" / "django.po" for path in settings.LOCALE_PATHS]
PO_FILE, OVERRIDES_PO_FILE = PO_FILES


def ensure_messages_compiled() -> None:
    """Compile the Spanish catalogues when `make messages` has not (.mo files are not in git)."""
    compiled = False
    for po_file in PO_FILES:
        mo_file = po_file.with_suffix(".mo")
        if mo_file.exists() and mo_file.stat().st_mtime >= po_file.stat().st_mtime:
            continue
        subprocess.run(["msgfmt", "--check-format", "-o", str(mo_file), str(po_file)], check=True)
        compiled = True
    if compiled:
        # Catalogues load once per process; forget any loaded before the .mo existed.
        trans_real._translations = {}  # type: ignore[attr-defined]


def po_entries(text: str) -> list[dict[str, str]]:
    """Each entry of a .po file: flags, msgid and every msgstr, joined across lines.

    A block without a msgid (a standalone comment, such as a section heading) is valid
    .po and is not an entry.
    """
    entries = []
    for block in text.strip().split("\n\n"):
        entry: dict[str, str] = {"flags": ""}
        key = ""
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif match := re.match(
                r'^(msgid_plural|msgid|msgstr(?:\[\d\])?|msgctxt) "(.*)"$', line
            ):
                key = match.group(1)
                entry[key] = match.group(2)
            elif line.startswith('"') and key:
                entry[key] += line[1:-1]
        if "msgid" in entry:
            entries.append(entry)
    return entries


class I18nTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_messages_compiled()

    def test_it_switches_to_spanish_and_back(self) -> None:
        r = self.client.post("/i18n/setlang/", {"language": "es", "next": "/help/"})
        self.assertRedirects(r, "/help/", fetch_redirect_response=False)
        r = self.client.get("/help/")
        self.assertContains(r, '<html lang="es"')
        self.assertContains(r, "Pide ayuda ahora")
        self.assertContains(r, "Mindhaven no es un servicio de emergencias")

        self.client.post("/i18n/setlang/", {"language": "en", "next": "/help/"})
        r = self.client.get("/help/")
        self.assertContains(r, '<html lang="en"')
        self.assertContains(r, "Get help now")

    def test_it_offers_both_languages_in_a_form_that_needs_no_javascript(self) -> None:
        r = self.client.get("/")
        self.assertContains(r, 'action="/i18n/setlang/"')
        self.assertContains(r, 'name="csrfmiddlewaretoken"')
        self.assertContains(r, 'name="language" value="en" lang="en" aria-current="true">English')
        self.assertContains(r, 'name="language" value="es" lang="es">Español')

    def test_it_uses_the_browser_language(self) -> None:
        r = self.client.get("/offline/", headers={"accept-language": "es-MX,es;q=0.9"})
        self.assertContains(r, "No tienes conexión")

    def test_it_uses_a_signed_in_persons_language(self) -> None:
        self.client.force_login(self.carol)  # carol's locale is es
        r = self.client.get("/")
        self.assertContains(r, "Hola, Carol")

    def test_it_rejects_an_unknown_language(self) -> None:
        self.client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
        r = self.client.get("/")
        self.assertContains(r, '<html lang="en"')

    def test_it_has_no_empty_or_fuzzy_translations(self) -> None:
        entries = [e for f in PO_FILES for e in po_entries(f.read_text(encoding="utf-8"))]
        header, messages = entries[0], entries[1:]
        self.assertEqual(header.get("msgid"), "")
        self.assertNotIn("fuzzy", header["flags"])
        self.assertGreater(len(messages), 50)
        for entry in messages:
            self.assertNotIn("fuzzy", entry["flags"], entry["msgid"])
            translations = [value for key, value in entry.items() if key.startswith("msgstr")]
            self.assertTrue(translations, entry["msgid"])
            for value in translations:
                self.assertNotEqual(value, "", entry["msgid"])

    def test_it_gives_every_plural_the_catalogues_number_of_forms(self) -> None:
        # msgfmt --check-format does not look; Spanish has three forms (1, millions, other).
        for po_file in PO_FILES:
            header, *messages = po_entries(po_file.read_text(encoding="utf-8"))
            forms = re.search(r"nplurals=(\d+)", header["msgstr"])
            self.assertIsNotNone(forms, po_file)
            assert forms is not None
            for entry in messages:
                if "msgid_plural" in entry:
                    count = sum(key.startswith("msgstr[") for key in entry)
                    self.assertEqual(count, int(forms[1]), entry["msgid"])

    def test_it_has_one_translation_per_message(self) -> None:
        # Entries appended by hand can repeat a msgid; msgfmt refuses that within a
        # catalogue, and across the two the first one in LOCALE_PATHS would win.
        seen: dict[tuple[str, str], tuple[Path, str]] = {}
        for po_file in PO_FILES:
            in_this_file: set[tuple[str, str]] = set()
            for entry in po_entries(po_file.read_text(encoding="utf-8"))[1:]:
                key = (entry.get("msgctxt", ""), entry["msgid"])
                self.assertNotIn(key, in_this_file, f"{key} twice in {po_file}")
                in_this_file.add(key)
                msgstr = entry.get("msgstr", entry.get("msgstr[0]", ""))
                if key in seen:
                    self.assertEqual(seen[key][1], msgstr, f"{key} differs from {seen[key][0]}")
                seen[key] = (po_file, msgstr)
