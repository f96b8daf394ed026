from django.test import SimpleTestCase

from mindhaven.core.ratelimit import FloodLimit, TokenBucket, Verdict


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RatelimitTestCase(SimpleTestCase):
    def setUp(self) -> None:
        self.clock = FakeClock()

    def test_it_allows_a_full_burst_then_refuses(self) -> None:
        bucket = TokenBucket(1, 10, clock=self.clock)
        self.assertEqual([bucket.take() for _ in range(12)], [True] * 10 + [False] * 2)

    def test_it_refills_at_the_rate(self) -> None:
        bucket = TokenBucket(2, 4, clock=self.clock)
        for _ in range(4):
            self.assertTrue(bucket.take())
        self.assertFalse(bucket.take())
        self.clock.advance(0.4)  # 0.8 of a token: not yet
        self.assertFalse(bucket.take())
        self.clock.advance(0.1)  # one token
        self.assertTrue(bucket.take())
        self.assertFalse(bucket.take())

    def test_it_never_holds_more_than_the_burst(self) -> None:
        bucket = TokenBucket(5, 3, clock=self.clock)
        self.clock.advance(3600)
        self.assertEqual([bucket.take() for _ in range(4)], [True, True, True, False])

    def test_it_sustains_the_rate(self) -> None:
        bucket = TokenBucket(20, 60, clock=self.clock)
        for _ in range(60):
            self.assertTrue(bucket.take())
        # Afterwards, one message every 50 ms goes through, forever.
        for _ in range(100):
            self.clock.advance(0.05)
            self.assertTrue(bucket.take())
            self.assertFalse(bucket.take())

    def test_it_ignores_a_clock_going_backwards(self) -> None:
        bucket = TokenBucket(1, 1, clock=self.clock)
        self.assertTrue(bucket.take())
        self.clock.advance(-10)
        self.assertFalse(bucket.take())
        self.clock.advance(1)
        self.assertTrue(bucket.take())

    def test_it_refuses_nonsense_limits(self) -> None:
        with self.assertRaises(ValueError):
            TokenBucket(0, 10)
        with self.assertRaises(ValueError):
            TokenBucket(1, 0)

    def test_it_closes_after_three_bursts_dropped_within_the_window(self) -> None:
        limit = FloodLimit(1, 10, clock=self.clock)
        verdicts = [limit.check() for _ in range(10 + 30)]
        self.assertEqual(verdicts[:10], [Verdict.ALLOW] * 10)
        self.assertEqual(verdicts[10:39], [Verdict.DROP] * 29)
        self.assertEqual(verdicts[39], Verdict.CLOSE)

    def test_it_forgets_drops_older_than_the_window(self) -> None:
        limit = FloodLimit(1, 10, clock=self.clock)  # window: 10 s
        for _ in range(10):
            limit.check()
        for _ in range(29):
            self.assertEqual(limit.check(), Verdict.DROP)
        self.clock.advance(10.5)  # the old drops age out; the bucket holds 10 again
        for _ in range(10):
            self.assertEqual(limit.check(), Verdict.ALLOW)
        for _ in range(29):
            self.assertEqual(limit.check(), Verdict.DROP)
        self.assertEqual(limit.check(), Verdict.CLOSE)
