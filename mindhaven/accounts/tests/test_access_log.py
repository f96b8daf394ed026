from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from mindhaven.accounts.services import issue_token
from mindhaven.core.audit import record_access
from mindhaven.core.models import AuditEvent
from mindhaven.core.testing import BaseTestCase

PAGE = "/accounts/access-log/"
API = "/api/v1/me/access-log"
EMPTY = "No one else has looked at your data."


class AccessLogTestCase(BaseTestCase):
    def record(self, at: datetime, actor=None, subject=None, category="mood", action="view"):
        """What record_access writes, at a chosen time."""
        actor = actor or self.bob
        return AuditEvent.objects.create(
            at=at,
            actor_code=actor.code,
            actor_username=actor.username,
            actor_role=actor.role,
            subject_code=(subject or self.alice).code,
            category=category,
            action=action,
        )

    def test_it_requires_sign_in(self) -> None:
        r = self.client.get(PAGE)
        self.assertRedirects(r, f"/accounts/login/?next={PAGE}", fetch_redirect_response=False)
        self.assertEqual(self.client.get(API).status_code, 401)

    def test_it_shows_an_empty_state(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(PAGE)
        self.assertContains(r, EMPTY)
        self.assertEqual(self.client.get(API).json(), {"items": [], "next_cursor": None})

    def test_it_lists_reads_newest_first_in_the_persons_time_zone(self) -> None:
        self.bob.display_name = "Dr Bob Stone"
        self.bob.save()
        # 12:30 UTC in July is 13:30 in London (BST).
        self.record(datetime(2026, 7, 1, 12, 30, tzinfo=ZoneInfo("UTC")))
        self.record(
            datetime(2026, 7, 2, 9, 0, tzinfo=ZoneInfo("UTC")), actor=self.carol, category="journal"
        )
        self.client.force_login(self.alice)
        r = self.client.get(PAGE)
        self.assertNotContains(r, EMPTY)
        body = r.content.decode()
        self.assertIn("Dr Bob Stone", body)
        self.assertIn("Clinician", body)
        self.assertIn("Moderator", body)
        self.assertIn("Journal", body)
        self.assertIn('datetime="2026-07-01T13:30:00+01:00"', body)
        self.assertLess(body.index("Carol"), body.index("Dr Bob Stone"))

        items = self.client.get(API).json()["items"]
        self.assertEqual(
            items,
            [
                {
                    "actor": "carol",
                    "actor_role": "moderator",
                    "category": "journal",
                    "action": "view",
                    "at": "2026-07-02T10:00:00+01:00",
                },
                {
                    "actor": "bob",
                    "actor_role": "clinician",
                    "category": "mood",
                    "action": "view",
                    "at": "2026-07-01T13:30:00+01:00",
                },
            ],
        )

    def test_it_hides_alices_events_from_charlie(self) -> None:
        record_access(actor=self.bob, subject=self.alice, category="mood", action="view")
        self.client.force_login(self.charlie)
        self.assertContains(self.client.get(PAGE), EMPTY)
        self.assertEqual(self.client.get(API).json()["items"], [])
        self.client.force_login(self.alice)
        self.assertEqual([i["actor"] for i in self.client.get(API).json()["items"]], ["bob"])
        # bob, who did the reading, does not see it as a read of his own data either.
        self.client.force_login(self.bob)
        self.assertContains(self.client.get(PAGE), EMPTY)

    def test_it_records_nothing_for_the_owners_own_reads(self) -> None:
        record_access(actor=self.alice, subject=self.alice, category="mood", action="view")
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(PAGE), EMPTY)

    def test_it_works_with_a_bearer_token(self) -> None:
        self.record(timezone.now())
        _token, raw = issue_token(user=self.alice, name="script")
        r = self.client.get(API, HTTP_AUTHORIZATION=f"Bearer {raw}")
        self.assertEqual(r.status_code, 200)
        self.assertEqual([item["actor"] for item in r.json()["items"]], ["bob"])

    def test_it_pages_the_page_by_fifty(self) -> None:
        start = timezone.now() - timedelta(days=1)
        for minute in range(51):
            self.record(start + timedelta(minutes=minute))
        self.client.force_login(self.alice)
        r = self.client.get(PAGE)
        self.assertEqual(len(r.context["rows"]), 50)
        self.assertContains(r, "Page 1 of 2")
        r = self.client.get(PAGE, {"page": 2})
        self.assertEqual(len(r.context["rows"]), 1)
        # Out of range gives the last page, not an error.
        self.assertEqual(self.client.get(PAGE, {"page": 99}).status_code, 200)

    def test_it_pages_the_api_with_a_cursor(self) -> None:
        start = timezone.now() - timedelta(days=1)
        for minute in range(5):
            self.record(start + timedelta(minutes=minute), action=f"view{minute}")
        self.client.force_login(self.alice)
        first = self.client.get(API, {"limit": 2}).json()
        self.assertEqual([i["action"] for i in first["items"]], ["view4", "view3"])
        second = self.client.get(API, {"limit": 2, "cursor": first["next_cursor"]}).json()
        self.assertEqual([i["action"] for i in second["items"]], ["view2", "view1"])
        third = self.client.get(API, {"limit": 2, "cursor": second["next_cursor"]}).json()
        self.assertEqual([i["action"] for i in third["items"]], ["view0"])
        self.assertIsNone(third["next_cursor"])

    def test_it_rejects_bad_paging_input(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(API, {"cursor": "not-a-cursor"})
        self.assertEqual(r.status_code, 422)
        self.assertIn("cursor", r.json()["detail"])
        r = self.client.get(API, {"limit": 0})
        self.assertEqual(r.status_code, 422)
        self.assertEqual(r.json()["detail"][0]["field"], "limit")
        self.assertEqual(AuditEvent.objects.count(), 0)

    def test_it_is_linked_from_the_account_pages(self) -> None:
        self.client.force_login(self.alice)
        self.assertContains(self.client.get("/accounts/profile/"), f'href="{PAGE}"')
        r = self.client.get(PAGE)
        self.assertContains(r, f'href="{PAGE}" aria-current="page"')
