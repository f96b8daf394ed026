import pytest

from mindhaven.safety import Level, assess_text
from mindhaven.safety.evaluation import load, measure


def level(text: str, locale: str = "en") -> Level:
    return assess_text(text, locale=locale).level


class AssessTestCase:
    @pytest.mark.parametrize(
        ("text", "category"),
        [
            ("I want to kill myself", "active_ideation"),
            ("im going to end my life", "active_ideation"),
            ("i want to unalive myself", "active_ideation"),
            ("I'm going to take all my pills tonight", "plan_means_time"),
            ("I cut myself again tonight", "self_harm"),
        ],
    )
    def test_it_finds_urgent_english(self, text: str, category: str) -> None:
        assessment = assess_text(text, locale="en")
        assert assessment.level == Level.URGENT
        assert category in {r.category for r in assessment.reasons}

    @pytest.mark.parametrize(
        ("text", "category"),
        [
            ("Me quiero matar", "active_ideation"),
            ("quiero morirme", "active_ideation"),
            ("me kiero matar", "active_ideation"),
            ("Voy a tomarme todas las pastillas", "plan_means_time"),
            ("Me corto. No puedo parar.", "self_harm"),
        ],
    )
    def test_it_finds_urgent_spanish(self, text: str, category: str) -> None:
        assessment = assess_text(text, locale="es")
        assert assessment.level == Level.URGENT
        assert category in {r.category for r in assessment.reasons}

    @pytest.mark.parametrize(
        ("text", "locale", "language"),
        [
            ("Sometimes I think about hurting myself. I want to kill myself", "es", "en"),
            ("Estoy bien en el trabajo, pero me quiero matar", "en", "es"),
        ],
    )
    def test_it_finds_crisis_language_written_in_another_language_than_the_page(
        self, text: str, locale: str, language: str
    ) -> None:
        """A bilingual person on a Spanish page writes in English (and the reverse)."""
        assessment = assess_text(text, locale=locale)
        assert assessment.level == Level.URGENT
        assert assessment.locale_used == language

    def test_it_keeps_the_page_language_when_no_other_language_finds_more(self) -> None:
        assessment = assess_text("Hoy fue un buen día con mi hermana", locale="es")
        assert (assessment.level, assessment.locale_used) == (Level.NONE, "es")
        assert assess_text("I had a good day today", locale="es").level == Level.NONE

    @pytest.mark.parametrize(
        ("text", "locale", "category"),
        [
            ("I wish I was dead", "en", "passive_ideation"),
            ("Everyone would be better off without me", "en", "passive_ideation"),
            ("I'm a burden to everyone", "en", "hopelessness"),
            ("My friend told me she wants to kill herself", "en", "third_party"),
            ("I attempted suicide two years ago", "en", "history"),
            ("Goodbye everyone.", "en", "farewell"),
            ("No quiero vivir", "es", "passive_ideation"),
            ("ya no aguanto mas", "es", "hopelessness"),
            ("Mi amiga dice que se quiere matar", "es", "third_party"),
            ("Adiós a todos.", "es", "farewell"),
        ],
    )
    def test_it_finds_concern(self, text: str, locale: str, category: str) -> None:
        assessment = assess_text(text, locale=locale)
        assert assessment.level == Level.CONCERN
        assert [r.category for r in assessment.reasons] == [category]

    def test_it_makes_a_farewell_with_ideation_urgent(self) -> None:
        assert level("Adiós a todos. Ya no quiero vivir.", "es") == Level.URGENT
        assert level("Goodbye everyone. I don't want to live anymore.") == Level.URGENT

    @pytest.mark.parametrize(
        ("text", "locale"),
        [
            ("I would never kill myself", "en"),
            ("I don't want to die", "en"),
            ("I'm not going to hurt myself", "en"),
            ("no quiero morir", "es"),
            ("Nunca me haría daño", "es"),
            ("No me voy a matar", "es"),
        ],
    )
    def test_it_respects_negation(self, text: str, locale: str) -> None:
        assert level(text, locale) == Level.NONE

    @pytest.mark.parametrize(
        ("text", "locale"),
        [
            ("this homework is killing me", "en"),
            ("I'd kill for a coffee", "en"),
            ("dying to see it", "en"),
            ("killed it at my interview", "en"),
            ("I died three times in that level", "en"),
            ("my phone is dying", "en"),
            ("my plant is dead", "en"),
            ("I cut myself shaving", "en"),
            ("you should kys", "en"),
            ("me muero de risa", "es"),
            ("me mato a estudiar", "es"),
            ("mañana me corto el pelo", "es"),
            ("me quiero morir de la vergüenza", "es"),
            ("adiós a todos, nos vemos después de las vacaciones", "es"),
        ],
    )
    def test_it_leaves_hyperbole_alone(self, text: str, locale: str) -> None:
        assert level(text, locale) == Level.NONE

    def test_it_reads_slang_with_a_joke_as_concern(self) -> None:
        assert level("kms") == Level.URGENT
        assert level("lol kms") == Level.CONCERN
        assert level("lol. honestly i want to kms, im not joking") == Level.URGENT

    def test_it_reads_missing_apostrophes_and_accents(self) -> None:
        assert level("im gonna kill myself") == Level.URGENT
        assert level("I dont want to live anymore") == Level.CONCERN
        assert level("ya no aguanto más", "es") == level("ya no aguanto mas", "es")

    def test_it_points_spans_at_the_original_text(self) -> None:
        text = "Hoy   fue   duro.  ¡Ya NO aguanto MÁS!  Me quiero  MATAR."
        assessment = assess_text(text, locale="es")
        assert assessment.level == Level.URGENT
        for reason in assessment.reasons:
            assert text[reason.start : reason.end] == reason.text
        assert [r.text for r in assessment.reasons] == ["Ya NO aguanto MÁS", "Me quiero  MATAR"]

    def test_it_points_spans_past_apostrophes(self) -> None:
        text = "Honestly I\u2019m   going to kill myself."
        (reason,) = assess_text(text, locale="en").reasons
        assert text[reason.start : reason.end] == "kill myself"

    def test_it_assesses_empty_text_as_none(self) -> None:
        assert level("") == Level.NONE
        assert level("   \n ") == Level.NONE

    def test_it_reads_unknown_locales_as_english(self) -> None:
        assessment = assess_text("I want to kill myself", locale="fr")
        assert assessment.level == Level.URGENT
        assert assessment.locale_used == "en"
        assert assess_text("quiero morirme", locale="es-MX").locale_used == "es"


class EvaluationTestCase:
    def test_it_meets_the_goals_on_the_whole_set(self) -> None:
        items = load()
        assert len([i for i in items if i.kind == "statement"]) >= 300
        figures = measure(items)
        wrong = [(i.text, got.value) for i, got in figures.wrong]
        recall = figures.recall[Level.URGENT]
        fpr = figures.false_positive_rate
        assert recall is not None and recall >= 0.95, wrong
        assert fpr is not None and fpr <= 0.05, wrong

    @pytest.mark.parametrize("language", ["en", "es"])
    def test_it_meets_the_goals_on_long_posts(self, language: str) -> None:
        posts = [i for i in load([language]) if i.kind == "post"]
        assert len(posts) >= 20
        figures = measure(posts)
        recall = figures.recall[Level.URGENT]
        fpr = figures.false_positive_rate
        assert recall is not None and recall >= 0.95
        assert fpr is not None and fpr <= 0.05
