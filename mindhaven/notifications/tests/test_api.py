from mindhaven.accounts.services import issue_token
from mindhaven.core.testing import BaseTestCase
from mindhaven.notifications.models import Notification
from mindhaven.notifications.services import notify


class NotificationsApiTestCase(BaseTestCase):
    url = "/api/v1/notifications"

    def setUp(self) -> None:
        self.tokens = {
            user: issue_token(user=user, name="test")[1] for user in (self.alice, self.charlie)
        }
        # Issuing a token notifies its owner; start from a clean slate.
        Notification.objects.all().delete()
        with self.captureOnCommitCallbacks(execute=False):
            self.first = notify(user=self.alice, kind="test", title="First")
            self.second = notify(user=self.alice, kind="test", title="Second", url="/help/")
        Notification.objects.filter(pk=self.first.pk).update(read_at=self.first.created_at)

    def get(self, who, query: str = ""):
        token = self.tokens[who]
        return self.client.get(self.url + query, headers={"Authorization": f"Bearer {token}"})

    def test_it_lists_own_notifications_newest_first(self) -> None:
        r = self.get(self.alice)
        self.assertEqual(r.status_code, 200)
        body = r.json()
        self.assertEqual([n["title"] for n in body], ["Second", "First"])
        self.assertEqual(body[0]["code"], str(self.second.code))
        self.assertEqual(body[0]["url"], "/help/")
        self.assertIsNone(body[0]["read_at"])

    def test_it_filters_unread(self) -> None:
        r = self.get(self.alice, "?unread=true")
        self.assertEqual([n["title"] for n in r.json()], ["Second"])

    def test_it_limits(self) -> None:
        r = self.get(self.alice, "?limit=1")
        self.assertEqual(len(r.json()), 1)

    def test_it_rejects_a_bad_limit(self) -> None:
        r = self.get(self.alice, "?limit=0")
        self.assertEqual(r.status_code, 422)
        self.assertEqual(r.json()["detail"][0]["field"], "limit")

    def test_it_hides_alices_notifications_from_charlie(self) -> None:
        r = self.get(self.charlie)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json(), [])

    def test_it_works_with_the_session(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertEqual(len(r.json()), 2)

    def test_it_requires_authentication(self) -> None:
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 401)
