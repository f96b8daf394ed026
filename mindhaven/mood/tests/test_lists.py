"""/mood/lists/: each member hides, shows again and adds their own emotions and activities."""

from django.http.response import HttpResponseBase

from mindhaven.core.testing import BaseTestCase
from mindhaven.core.tests.test_i18n import ensure_messages_compiled
from mindhaven.mood.forms import CheckinForm
from mindhaven.mood.models import Activity, Emotion
from mindhaven.mood.services import ensure_default_lists

URL = "/mood/lists/"


def text(response: HttpResponseBase) -> str:
    return getattr(response, "content", b"").decode()


class ListsTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_messages_compiled()  # the Spanish cases

    def setUp(self) -> None:
        ensure_default_lists(self.alice)
        ensure_default_lists(self.charlie)
        self.client.force_login(self.alice)

    def test_it_shows_emotions_and_activities_grouped(self) -> None:
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        page = text(response)
        self.assertIn("calm", page)
        for heading in ("Health", "People", "Work and duties", "Hobbies", "Food and drink"):
            self.assertIn(f"<h3>{heading}</h3>", page)
        # Activities appear under their group's heading.
        self.assertLess(page.index("<h3>Health</h3>"), page.index("exercise"))
        self.assertLess(page.index("exercise"), page.index("<h3>People</h3>"))

    def test_it_hides_and_shows_again(self) -> None:
        walk = Activity.objects.get(member=self.alice, name="walk")
        response = self.client.post(URL, {"action": "hide", "kind": "activity", "id": walk.pk})
        self.assertRedirects(response, URL)
        walk.refresh_from_db()
        self.assertTrue(walk.hidden)
        form = CheckinForm(member=self.alice)
        self.assertNotIn("walk", [a.name for a in form.activity_objects])
        self.assertIn("(hidden)", text(self.client.get(URL)))
        self.client.post(URL, {"action": "show", "kind": "activity", "id": walk.pk})
        walk.refresh_from_db()
        self.assertFalse(walk.hidden)

    def test_it_hides_an_emotion(self) -> None:
        bored = Emotion.objects.get(member=self.alice, name="bored")
        self.client.post(URL, {"action": "hide", "kind": "emotion", "id": bored.pk})
        bored.refresh_from_db()
        self.assertTrue(bored.hidden)

    def test_it_adds_an_emotion_and_an_activity_in_a_group(self) -> None:
        self.client.post(URL, {"action": "add-emotion", "name": "  wistful "})
        self.assertTrue(Emotion.objects.filter(member=self.alice, name="wistful").exists())
        response = self.client.post(
            URL, {"action": "add-activity", "activity-name": "climbing", "activity-group": "health"}
        )
        self.assertRedirects(response, URL)
        climbing = Activity.objects.get(member=self.alice, name="climbing")
        self.assertEqual(climbing.group, "health")
        self.assertFalse(Activity.objects.filter(member=self.charlie, name="climbing").exists())

    def test_it_rejects_bad_input_and_changes_nothing(self) -> None:
        before = (Activity.objects.count(), Emotion.objects.count())
        response = self.client.post(URL, {"action": "add-emotion", "name": "   "})
        self.assertEqual(response.status_code, 400)
        self.assertIn("New emotion", text(response))
        response = self.client.post(
            URL, {"action": "add-activity", "activity-name": "x" * 61, "activity-group": "health"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("at most 60 characters", text(response))
        response = self.client.post(
            URL, {"action": "add-activity", "activity-name": "ok", "activity-group": "nonsense"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("Group", text(response))
        response = self.client.post(URL, {"action": "hide", "kind": "activity", "id": "abc"})
        self.assertEqual(response.status_code, 404)
        response = self.client.post(URL, {"action": "explode"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual((Activity.objects.count(), Emotion.objects.count()), before)

    def test_it_checks_ownership(self) -> None:
        # charlie can neither hide alice's items nor see them; his lists are his own.
        walk = Activity.objects.get(member=self.alice, name="walk")
        calm = Emotion.objects.get(member=self.alice, name="calm")
        self.client.post(URL, {"action": "add-emotion", "name": "alice-only"})
        self.client.force_login(self.charlie)
        for kind, item in (("activity", walk), ("emotion", calm)):
            response = self.client.post(URL, {"action": "hide", "kind": kind, "id": item.pk})
            self.assertEqual(response.status_code, 404)
            item.refresh_from_db()
            self.assertFalse(item.hidden)
        self.assertNotIn("alice-only", text(self.client.get(URL)))
        # A kind that is neither is 404 too.
        response = self.client.post(URL, {"action": "hide", "kind": "entry", "id": walk.pk})
        self.assertEqual(response.status_code, 404)

    def test_it_speaks_spanish(self) -> None:
        self.client.force_login(self.carol)
        response = self.client.get(URL)
        self.assertIn("Tus emociones y actividades", text(response))
        self.assertIn("calma", text(response))  # her defaults are created in Spanish
