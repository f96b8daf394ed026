import json
import re
import struct

from django.contrib.staticfiles import finders

from mindhaven.core.testing import BaseTestCase


def png_size(path: str) -> tuple[int, int]:
    with open(path, "rb") as f:
        header = f.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


class PwaTestCase(BaseTestCase):
    def test_it_serves_the_manifest(self) -> None:
        r = self.client.get("/manifest.webmanifest")
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r["Content-Type"].startswith("application/manifest+json"))
        data = json.loads(r.content)
        self.assertEqual(data["name"], "Mindhaven")
        self.assertEqual(data["short_name"], "Mindhaven")
        self.assertEqual(data["start_url"], "/")
        self.assertEqual(data["scope"], "/")
        self.assertEqual(data["display"], "standalone")
        self.assertRegex(data["theme_color"], r"^#[0-9a-f]{6}$")
        self.assertRegex(data["background_color"], r"^#[0-9a-f]{6}$")
        sizes = {
            (icon["sizes"], icon["type"], icon.get("purpose", "any")) for icon in data["icons"]
        }
        self.assertIn(("192x192", "image/png", "any"), sizes)
        self.assertIn(("512x512", "image/png", "any"), sizes)
        self.assertIn(("512x512", "image/png", "maskable"), sizes)
        self.assertIn(("any", "image/svg+xml", "any"), sizes)

    def test_it_ships_icons_of_the_declared_sizes(self) -> None:
        data = json.loads(self.client.get("/manifest.webmanifest").content)
        for icon in data["icons"]:
            path = finders.find(icon["src"].removeprefix("/static/"))
            self.assertIsNotNone(path, icon["src"])
            if icon["type"] == "image/png":
                size = int(icon["sizes"].split("x")[0])
                self.assertEqual(png_size(str(path)), (size, size))

    def test_it_links_the_manifest_from_every_page(self) -> None:
        r = self.client.get("/")
        self.assertContains(r, '<link rel="manifest" href="/manifest.webmanifest">')

    def test_it_serves_the_service_worker_from_the_root(self) -> None:
        r = self.client.get("/sw.js")
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r["Content-Type"].startswith("text/javascript"))
        self.assertEqual(r["Cache-Control"], "no-cache")
        # Registered at /sw.js with scope / by the site module.
        r = self.client.get("/static/core/app.js")
        app = b"".join(r.streaming_content).decode()  # type: ignore[attr-defined]
        self.assertIn('register("/sw.js", { scope: "/" })', app)

    def test_it_precaches_help_offline_and_the_shell(self) -> None:
        body = self.client.get("/sw.js").content.decode()
        pages = json.loads(re.search(r"const PAGE_URLS = (\[.*\]);", body).group(1))  # type: ignore[union-attr]
        assets = json.loads(re.search(r"const STATIC_URLS = (\[.*\]);", body).group(1))  # type: ignore[union-attr]
        # The mood check-in's anonymous shell too (docs/decisions.md: offline check-in).
        self.assertEqual(pages, ["/help/", "/offline/", "/mood/check-in/shell/"])
        self.assertIn("/static/core/site.css", assets)
        self.assertIn("/static/core/app.js", assets)
        self.assertIn("/static/core/icons/icon-192.png", assets)

    def test_it_caches_pages_as_an_anonymous_visitor(self) -> None:
        body = self.client.get("/sw.js").content.decode()
        self.assertIn('credentials: "omit"', body)
        self.assertNotIn("/api/", body)
        self.assertNotIn("cache.put(request", body)

    def test_it_names_the_cache_after_language_and_contents(self) -> None:
        def cache_name() -> str:
            body = self.client.get("/sw.js").content.decode()
            return re.search(r'const CACHE = "(mindhaven-[0-9a-f]+)";', body).group(1)  # type: ignore[union-attr]

        english = cache_name()
        self.assertEqual(cache_name(), english)
        self.client.post("/i18n/setlang/", {"language": "es", "next": "/"})
        self.assertNotEqual(cache_name(), english)

    def test_it_serves_the_worker_to_signed_in_people_without_personal_data(self) -> None:
        self.client.force_login(self.alice)
        body = self.client.get("/sw.js").content.decode()
        self.assertNotIn("alice", body.lower())

    def test_it_rejects_post(self) -> None:
        self.assertEqual(self.client.post("/sw.js").status_code, 405)
        self.assertEqual(self.client.post("/manifest.webmanifest").status_code, 405)
