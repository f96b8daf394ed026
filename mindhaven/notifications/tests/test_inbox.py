from datetime import timedelta

from django.utils import timezone

from mindhaven.core.testing import BaseTestCase
from mindhaven.notifications.models import Notification


class InboxTestCase(BaseTestCase):
    url = "/notifications/"
    read_url = "/notifications/read/"

    def setUp(self) -> None:
        now = timezone.now()
        self.older = Notification.objects.create(
            user=self.alice, kind="test", title="Older one", created_at=now - timedelta(hours=2)
        )
        self.newer = Notification.objects.create(
            user=self.alice, kind="test", title="Newer one", url="/help/", created_at=now
        )

    def test_it_lists_own_notifications_newest_first(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        html = r.content.decode()
        self.assertLess(html.index("Newer one"), html.index("Older one"))
        self.assertIn('href="/help/"', html)
        self.assertIn("Mark all as read", html)
        self.assertEqual(html.count("notifications/live.js"), 1)

    def test_it_says_how_long_ago_in_words(self) -> None:
        self.client.force_login(self.alice)
        html = self.client.get(self.url).content.decode()
        self.assertIn("2\xa0hours ago", html)
        # Made in setUp: "now", or seconds ago on a slow machine; never "0 minutes".
        self.assertRegex(html, r">(now|a second ago|\d+\sseconds ago)</time>")
        self.assertNotIn("0\xa0minutes", html)
        Notification.objects.create(
            user=self.carol,
            kind="test",
            title="Una",
            created_at=timezone.now() - timedelta(hours=2),
        )
        self.client.force_login(self.carol)  # carol's locale is es
        self.assertContains(self.client.get(self.url), "hace 2 horas")

    def test_it_hides_alices_notifications_from_charlie(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, "Newer one")
        self.assertNotContains(r, "Older one")
        self.assertContains(r, "You have no notifications yet.")

    def test_it_requires_login(self) -> None:
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])

    def test_it_marks_all_read(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(self.read_url)
        self.assertRedirects(r, self.url)
        self.assertFalse(Notification.objects.filter(user=self.alice, read_at=None).exists())
        r = self.client.get(self.url)
        self.assertNotContains(r, "Mark all as read")

    def test_it_marks_only_own_notifications_read(self) -> None:
        self.client.force_login(self.charlie)
        self.client.post(self.read_url)
        self.assertEqual(Notification.objects.filter(user=self.alice, read_at=None).count(), 2)

    def test_it_rejects_get_on_mark_read(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.read_url)
        self.assertEqual(r.status_code, 405)
        self.assertEqual(Notification.objects.filter(user=self.alice, read_at=None).count(), 2)

    def test_it_drops_links_that_leave_the_site(self) -> None:
        Notification.objects.create(
            user=self.alice, kind="test", title="Odd link", url="javascript:alert(1)"
        )
        Notification.objects.create(user=self.alice, kind="test", title="Far", url="//evil.example")
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertNotContains(r, "javascript:")
        self.assertNotContains(r, "evil.example")

    def test_it_speaks_spanish(self) -> None:
        self.client.force_login(self.carol)  # carol's locale is es
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'lang="es"')
