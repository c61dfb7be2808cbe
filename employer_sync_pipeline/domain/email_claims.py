"""Who gets an e-mail address that more than one identity wants (SPEC §3 "E-mails move between people").

The active e-mail of a kind is unique in the platform. Within one write, addresses may move:
a hand-over, a swap, a rotation. A contested address stays with the identity that already holds
it; when none holds it (or its holder is giving it up in the same write), the lowest JodGig user
id gets it. Every other claimant fails with ``DuplicateEmail``, and keeps what it had: so its own
address stays taken, which can make more claimants fail. The rule is applied until nothing changes.
"""

from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .mapping import normalise_email

#: (identity kind, normalised e-mail): the platform's unique key among active identities.
EmailKey = tuple[str, str]


def contested_user_ids(emails: Mapping[int, str | None]) -> frozenset[int]:
    """The users (of one kind) whose normalised address another of these users has too.

    Addresses are counted as normalised but not yet validated: only an address two users share is
    checked, so a full refresh does not run the e-mail pattern over every user twice.
    """
    addresses = {user_id: raw.strip().lower() for user_id, raw in emails.items() if raw is not None}
    shared = {
        address for address, users in Counter(addresses.values()).items() if users > 1 and normalise_email(address)
    }
    return frozenset(user_id for user_id, address in addresses.items() if address in shared)


@dataclass(frozen=True)
class EmailSettlement:
    """``losers`` fail with ``DuplicateEmail``; ``releases`` give their current address to another
    winner of the same write, so that write must free it before it assigns it."""

    losers: frozenset[int]
    releases: frozenset[int]


def settle_claims(
    claims: Mapping[int, EmailKey], holders: Mapping[EmailKey, int], writers: Collection[int]
) -> EmailSettlement:
    """Decide every claim of one write.

    ``claims``: user id → the address its active identity should have after the write.
    ``holders``: address → the user id whose active identity has it now (for every claimed address).
    ``writers``: every user id this write changes, including those leaving scope (their addresses
    are freed by the write); a holder outside ``writers`` keeps its address.
    """
    writers = set(writers)
    losers: set[int] = set()
    while True:
        winners = _winners(claims, holders, writers, losers)
        new_losers = set(claims) - losers - set(winners.values())
        if not new_losers:
            break
        losers |= new_losers
    releases = {
        holder
        for key, winner in winners.items()
        if (holder := holders.get(key)) is not None and holder != winner and holder in winners.values()
    }
    return EmailSettlement(frozenset(losers), frozenset(releases))


def _winners(
    claims: Mapping[int, EmailKey], holders: Mapping[EmailKey, int], writers: set[int], losers: set[int]
) -> dict[EmailKey, int]:
    """Address → the claimant that gets it, with ``losers`` keeping what they have."""
    claimants: dict[EmailKey, list[int]] = defaultdict(list)
    for user_id, key in claims.items():
        if user_id not in losers:
            claimants[key].append(user_id)
    winners = {}
    for key, wanting in claimants.items():
        holder = holders.get(key)
        if holder in wanting:
            winners[key] = holder
        elif holder is None or (holder in writers and holder not in losers):
            winners[key] = min(wanting)
    return winners
