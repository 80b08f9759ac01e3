"""The per-phone delivery quota of an OTP challenge: at most the limit in any hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopcore.domain.errors import RateLimited
from shopcore.domain.otp import OtpChallenge, OtpChannel, issue_challenge
from shopcore.domain.phone import Phone

PHONE = Phone("+919876543210")
PEPPER = b"k" * 32
T0 = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


def sent_at(*moments: datetime, counted: bool = True) -> OtpChallenge:
    """The challenge after codes issued at ``moments``."""
    challenge = None
    for moment in moments:
        challenge = issue_challenge(PHONE, "123456", OtpChannel.SMS, moment, PEPPER, challenge,
                                    counts_against_quota=counted)
    assert challenge is not None
    return challenge


def retry_after(challenge: OtpChallenge, now: datetime, limit: int) -> int | None:
    try:
        challenge.ensure_quota_left(now, limit)
    except RateLimited as refused:
        return refused.retry_after
    return None


def test_a_new_code_carries_the_sends_of_the_last_hour_and_adds_its_own() -> None:
    challenge = sent_at(T0, T0 + timedelta(minutes=30), T0 + timedelta(minutes=61))
    assert challenge.recent_sends == (T0 + timedelta(minutes=30), T0 + timedelta(minutes=61))


def test_a_code_that_is_not_delivered_carries_the_sends_and_adds_none() -> None:
    delivered = sent_at(T0)
    test_number = issue_challenge(PHONE, "123456", OtpChannel.SMS, T0 + timedelta(minutes=1),
                                  PEPPER, delivered, counts_against_quota=False)
    assert test_number.recent_sends == (T0,)
    assert sent_at(T0, counted=False).recent_sends == ()


def test_a_used_challenge_keeps_its_sends() -> None:
    challenge = sent_at(T0, T0 + timedelta(minutes=1))
    used = challenge.after_use(T0 + timedelta(minutes=2))
    assert used.recent_sends == challenge.recent_sends
    assert retry_after(used, T0 + timedelta(minutes=3), 2) == 57 * 60


def test_a_send_counts_until_exactly_an_hour_after_it_to_the_microsecond() -> None:
    first = T0 + timedelta(microseconds=1)
    challenge = sent_at(first)
    assert retry_after(challenge, first + timedelta(hours=1, microseconds=-1), 1) == 1
    assert retry_after(challenge, first + timedelta(hours=1), 1) is None


def test_retry_after_waits_for_enough_sends_to_leave_the_hour_for_one_more() -> None:
    # Five sends ten minutes apart, the limit lowered to 3 at 10:50: two must leave for
    # one more to fit, so the third (10:20) decides, at 11:20.
    challenge = sent_at(*(T0 + timedelta(minutes=10 * n) for n in range(5)))
    assert retry_after(challenge, T0 + timedelta(minutes=50), 3) == 30 * 60
    assert retry_after(challenge, T0 + timedelta(minutes=50), 5) == 10 * 60
    assert retry_after(challenge, T0 + timedelta(minutes=50), 6) is None
    assert retry_after(challenge, T0 + timedelta(minutes=80), 3) is None


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        sent_at(T0).ensure_quota_left(T0, 0)


def test_sends_given_out_of_order_are_counted_in_order() -> None:
    sends = (T0 + timedelta(minutes=20), T0, T0 + timedelta(minutes=10))
    challenge = OtpChallenge(PHONE, "0" * 64, OtpChannel.SMS, T0 + timedelta(minutes=20),
                             recent_sends=sends)
    assert retry_after(challenge, T0 + timedelta(minutes=30), 2) == 40 * 60  # 10:10 decides
    later = issue_challenge(PHONE, "1", OtpChannel.SMS, T0 + timedelta(minutes=5), PEPPER,
                            challenge, counts_against_quota=True)  # a clock behind
    assert later.recent_sends == (T0, T0 + timedelta(minutes=5), T0 + timedelta(minutes=10),
                                  T0 + timedelta(minutes=20))
