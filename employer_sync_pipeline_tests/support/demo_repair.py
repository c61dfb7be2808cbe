"""Repairing the demo's deliberately bad e-mails, for tests and benchmarks that need clean runs."""

from collections import Counter

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from employer_sync_pipeline.db.jodgig_tables import users
from employer_sync_pipeline.domain.mapping import normalise_email
from employer_sync_pipeline.domain.scope import EMPLOYER_ROLES


def repair_rejected_emails(conn: Connection) -> int:
    """Give every employer whose e-mail the sync rejects (invalid, NULL, or shared once normalised)
    a unique valid one, keeping ``updated_at``: runs then succeed and the watermark advances."""
    rows = conn.execute(sa.select(users.c.id, users.c.email).where(users.c.role.in_(EMPLOYER_ROLES))).all()
    uses = Counter(normalise_email(email) for _, email in rows)
    dirty = [user_id for user_id, email in rows if (normal := normalise_email(email)) is None or uses[normal] > 1]
    if dirty:
        conn.execute(
            sa.update(users).where(users.c.id == sa.bindparam("user_id")).values(email=sa.bindparam("fixed")),
            [{"user_id": user_id, "fixed": f"repaired.{user_id}@example.com"} for user_id in dirty],
        )
    return len(dirty)
