"""The per-phone OTP quota holds in any hour: ``otp_challenges.recent_sends``.

A phone's hourly quota of deliveries was a fixed window from its first code
(``quota_window_start``, ``sent_in_window``): with the 30 s resend cooldown a client got
5 codes in the last minutes of a window and 5 more right after it. A challenge now keeps
the times of the phone's deliveries of the last hour, and a code is sent only while
fewer than the limit of them are less than an hour old.

``recent_sends`` is text: each time as whole microseconds since the Unix epoch (what a
``datetime`` holds, so nothing is rounded), oldest first, separated by spaces; '' for
none. Text keeps the two engines alike (no JSON or array types) and the challenge one
row, written by the one upsert it already was.

The upgrade gives every existing challenge ``sent_in_window`` copies of
``quota_window_start``: they leave the hour exactly when the old window would have
closed, so no phone gains a delivery from the upgrade (a phone that used 5 of its window
stays refused until that window's end).

Expand-safe: the column is NOT NULL with a constant default (no rewrite; a row the
release before inserts gets ''), and this release keeps writing the old columns as a
fixed window from the oldest recent send holding them all: the release before, reading
them during a rolling deploy, counts every recent send while the oldest is less than an
hour old, and starts a window anew after, as it always did. A row it writes leaves
``recent_sends`` as it was and its window disagreeing with it; this release then takes
the sends its window counts beyond ``recent_sends`` as made at the row's ``issued_at``
(``SqlOtpChallengeRepository``), and ``shopcore auth prune`` keeps such a row until it
was issued over an hour ago. A later release may drop the old columns.

The downgrade drops ``recent_sends``; the old columns hold the fixed window the release
before reads.

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30 14:00:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from shopcore.adapters.sql.types import UtcDateTime

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _sends_text(window_start: datetime, count: int) -> str:
    """``count`` copies of ``window_start`` as ``recent_sends`` holds them (this release's
    format: microseconds since the epoch, separated by spaces)."""
    return " ".join([str((window_start - _EPOCH) // timedelta(microseconds=1))] * count)


def upgrade() -> None:
    op.add_column("otp_challenges", sa.Column("recent_sends", sa.Text(), nullable=False,
                                              server_default=sa.text("''")))
    challenges = sa.table("otp_challenges", sa.column("phone", sa.String),
                          sa.column("quota_window_start", UtcDateTime()),
                          sa.column("sent_in_window", sa.Integer),
                          sa.column("recent_sends", sa.Text))
    connection = op.get_bind()
    windows = connection.execute(
        sa.select(challenges.c.phone, challenges.c.quota_window_start,
                  challenges.c.sent_in_window)
        .where(challenges.c.quota_window_start.is_not(None), challenges.c.sent_in_window > 0)
    ).all()
    if windows:
        connection.execute(
            sa.update(challenges).where(challenges.c.phone == sa.bindparam("key"))
            .values(recent_sends=sa.bindparam("sends")),
            [{"key": row.phone, "sends": _sends_text(row.quota_window_start, row.sent_in_window)}
             for row in windows])


def downgrade() -> None:
    with op.batch_alter_table("otp_challenges") as batch:
        batch.drop_column("recent_sends")
