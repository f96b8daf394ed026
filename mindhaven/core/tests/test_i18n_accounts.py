"""The allauth account pages read in the same warm "tú" Spanish as the rest of Mindhaven.

allauth's own Spanish catalogue addresses the reader as "usted"; our catalogue
(LOCALE_PATHS, which wins) carries tú translations of every string those pages show.
"""

import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import mail
from django.core.cache import cache

from mindhaven.core.testing import BaseTestCase
from mindhaven.core.tests.test_i18n import PO_FILES, ensure_messages_compiled, po_entries

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

# Words that only appear when the reader is addressed as "usted".
USTED = re.compile(
    r"\b(?:[Ss]us?|[Uu]sted(?:es)?|Ingrese|Introduzca|Confirme|Haga clic|Escriba|Verifique"
    r"|Utilice|Compruebe|Inténtelo|[Pp]óngase|contáctenos|[Ii]nicie sesión|regístrese"
    r"|[Hh]a olvidado|[Ee]stá seguro|[Dd]esea|[Pp]uede usted)\b"
)


def visible_text(response: "Response") -> str:
    """The page's text and attributes, without scripts and styles (which hold no prose)."""
    page = response.content.decode()
    return re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S | re.I)


class AccountsSpanishTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_messages_compiled()

    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # allauth's rate limits live in the cache
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    def assertNoUsted(self, response: "Response") -> None:
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<html lang="es"')
        text = visible_text(response)
        found = sorted({m.group(0) for m in USTED.finditer(text)})
        self.assertEqual(found, [], f"usted forms on {response.wsgi_request.path}")

    def sign_in(self) -> None:
        r = self.client.post(
            "/accounts/login/", {"login": "alice", "password": self.password}, follow=True
        )
        self.assertContains(r, "Has iniciado sesión como")

    def open_after_reauthenticating(self, path: str) -> "Response":
        """Open a page that asks for the password again first (even straight after signing in)."""
        r = self.client.get(path)
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith("/accounts/reauthenticate/"), r["Location"])
        self.assertNoUsted(self.client.get(r["Location"]))
        wrong = self.client.post(r["Location"], {"password": "not the password 1"})
        self.assertNoUsted(wrong)
        self.assertContains(wrong, "La contraseña no es correcta.")
        r = self.client.post(r["Location"], {"password": self.password}, follow=True)
        self.assertEqual(r.wsgi_request.path, path)
        return r

    def test_it_shows_the_sign_in_page_in_tu_form(self) -> None:
        r = self.client.get("/accounts/login/")
        self.assertNoUsted(r)
        self.assertContains(r, "Iniciar sesión")
        self.assertContains(r, "¿Has olvidado tu contraseña?")
        self.assertContains(r, '<label for="id_login">Usuario o correo electrónico')

    def test_it_shows_a_failed_sign_in_in_tu_form(self) -> None:
        r = self.client.post("/accounts/login/", {"login": "alice", "password": "wrong"})
        self.assertNoUsted(r)
        self.assertContains(r, "El nombre de usuario o la contraseña no son correctos.")

    def test_it_shows_the_sign_up_page_in_tu_form(self) -> None:
        r = self.client.get("/accounts/signup/")
        self.assertNoUsted(r)
        self.assertContains(r, "Crear cuenta")
        self.assertContains(r, "inicia sesión")
        # Django's password rules, shown as the password's help text.
        self.assertContains(r, "Tu contraseña no puede tener solo números.")

    def test_it_shows_sign_up_errors_in_tu_form(self) -> None:
        r = self.client.post(
            "/accounts/signup/",
            {
                "email": "erin@example.org",
                "username": "erin",
                "password1": "quiet harbour lantern 7",
                "password2": "quiet harbour lantern 8",
            },
        )
        self.assertNoUsted(r)
        self.assertContains(r, "Tienes que escribir la misma contraseña las dos veces.")

        r = self.client.post(
            "/accounts/signup/",
            {
                "email": "erin@example.org",
                "username": "erin",
                "password1": "1234567890",
                "password2": "1234567890",
            },
        )
        self.assertNoUsted(r)
        self.assertContains(r, "Esta contraseña solo tiene números.")

    def test_it_shows_the_password_reset_pages_and_email_in_tu_form(self) -> None:
        r = self.client.get("/accounts/password/reset/")
        self.assertNoUsted(r)
        self.assertContains(r, "¿Has olvidado tu contraseña? Escribe tu dirección")

        r = self.client.post(
            "/accounts/password/reset/", {"email": "alice@example.org"}, follow=True
        )
        self.assertNoUsted(r)
        self.assertContains(r, "Te hemos enviado un correo.")
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertIn("Correo para restablecer la contraseña", message.subject)
        self.assertIn("Pulsa el enlace de abajo", message.body)
        self.assertIsNone(USTED.search(f"{message.subject}\n{message.body}"), message.body)

    def test_it_shows_the_two_factor_pages_in_tu_form(self) -> None:
        self.sign_in()
        r = self.client.get("/accounts/2fa/")
        self.assertNoUsted(r)
        self.assertContains(r, "Autenticación en dos pasos")
        self.assertContains(r, "Llaves de seguridad")

        r = self.open_after_reauthenticating("/accounts/2fa/totp/activate/")
        self.assertNoUsted(r)
        self.assertContains(r, "escanea el código QR")
        self.assertContains(r, "Código de la aplicación de autenticación")

        r = self.client.get("/accounts/2fa/webauthn/add/")  # reauthenticated just now
        self.assertNoUsted(r)
        self.assertContains(r, "Añadir una llave de seguridad")

    def test_it_shows_the_other_account_pages_in_tu_form(self) -> None:
        self.sign_in()
        for path in (
            "/accounts/email/",
            "/accounts/password/change/",
            "/accounts/logout/",
            "/accounts/reauthenticate/",
            "/accounts/2fa/webauthn/",
        ):
            with self.subTest(path=path):
                self.assertNoUsted(self.client.get(path))
        # Opening the email page recorded alice's address, unverified, so allauth
        # refuses to add a second factor: with a flash message, in tú form too.
        r = self.client.get("/accounts/2fa/webauthn/add/", follow=True)
        self.assertNoUsted(r)
        self.assertContains(r, "hasta que hayas verificado tu dirección de correo electrónico")

    def test_it_has_no_usted_forms_in_the_catalogue(self) -> None:
        entries = [e for f in PO_FILES for e in po_entries(f.read_text(encoding="utf-8"))[1:]]
        for entry in entries:
            for key, value in entry.items():
                if key.startswith("msgstr"):
                    self.assertIsNone(USTED.search(value), entry["msgid"])
