"""What the sync needs to know about JodGig besides its connection, and the value that carries
both databases with those rules wherever the sync goes."""

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from ..domain.timezone import TimezoneService


@dataclass(frozen=True)
class SourceRules:
    obsolete_company_ids: frozenset[int]
    timezone: TimezoneService


@dataclass(frozen=True)
class Databases:
    """JodGig (read-only), the platform, and the rules of that JodGig: what always travels together."""

    source: Engine
    platform: Engine
    rules: SourceRules
