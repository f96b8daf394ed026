"""The keyword gate may only skip a rule that could not have matched."""

import re

from django.test import SimpleTestCase

from mindhaven.safety import evaluation
from mindhaven.safety.assess import RULES, Exclusion, Pattern, RuleSet, keywords, normalise


def every_rule(rules: RuleSet) -> list[Pattern | Exclusion]:
    return [*rules.patterns, *rules.exclusions]


class KeywordGateTestCase(SimpleTestCase):
    def test_it_derives_keywords_that_every_match_contains(self) -> None:
        samples = {
            r"\bkill(ing)? myself\b": ["kill myself", "killing myself"],
            r"(want|going) to die": ["want to die", "going to die"],
            r"\bkms\b": ["kms"],
        }
        for pattern, texts in samples.items():
            words = keywords(pattern)
            with self.subTest(pattern=pattern):
                self.assertIsNotNone(words)
                assert words is not None
                for text in texts:
                    self.assertTrue(re.search(pattern, text))
                    self.assertTrue(any(word in text for word in words), (text, words))

    def test_it_derives_keywords_for_every_rule(self) -> None:
        for language, rules in RULES.items():
            for rule in every_rule(rules):
                with self.subTest(language=language, pattern=rule.regex.pattern):
                    self.assertTrue(rule.keywords, "a rule without keywords always runs")

    def test_it_never_gates_out_a_rule_that_matches_the_evaluation_texts(self) -> None:
        texts = [item.text for item in evaluation.load()]
        for language, rules in RULES.items():
            for text in texts:
                norm, _offsets = normalise(text)
                for rule in every_rule(rules):
                    if rule.keywords is None or not rule.regex.search(norm):
                        continue
                    with self.subTest(language=language, pattern=rule.regex.pattern, text=text):
                        self.assertTrue(any(word in norm for word in rule.keywords))
