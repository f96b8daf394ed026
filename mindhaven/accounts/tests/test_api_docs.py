import re

from mindhaven.core.testing import BaseTestCase


class ApiDocsTestCase(BaseTestCase):
    def test_it_serves_the_openapi_spec_publicly(self) -> None:
        r = self.client.get("/api/v1/openapi.json")
        self.assertEqual(r.status_code, 200)
        spec = r.json()
        self.assertEqual(spec["info"]["title"], "Mindhaven API")
        paths = spec["paths"]
        for path in ["/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/me"]:
            self.assertIn(path, paths)
        # Public operations declare no security; the rest need a token or the session.
        self.assertNotIn("security", paths["/api/v1/auth/register"]["post"])
        self.assertNotIn("security", paths["/api/v1/auth/token"]["post"])
        self.assertIn("security", paths["/api/v1/me"]["get"])
        self.assertIn("TokenAuth", spec["components"]["securitySchemes"])

    def test_it_serves_the_docs_page_without_inline_code(self) -> None:
        r = self.client.get("/api/v1/docs")
        self.assertEqual(r.status_code, 200)
        html = r.content.decode()
        csp = r["Content-Security-Policy"]
        self.assertIn("script-src 'self'", csp)
        self.assertIn("style-src 'self'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("<style", html)
        self.assertNotIn(" style=", html)
        self.assertNotRegex(html, r"\son[a-z]+=")
        self.assertNotIn("cdn", html.lower())
        # Every script is a local file, or a JSON data block that never runs.
        for attrs in re.findall(r"<script([^>]*)>", html):
            self.assertTrue('src="/static/' in attrs or 'type="application/json"' in attrs, attrs)
        for href in re.findall(r'(?:href|src)="([^"]+)"', html):
            self.assertTrue(href.startswith("/"), href)

    def test_it_serves_the_docs_assets(self) -> None:
        for name in ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"]:
            r = self.client.get(f"/static/ninja/{name}")
            self.assertEqual(r.status_code, 200, name)
