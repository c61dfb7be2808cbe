"""What the sync needs to know about JodGig besides its connection."""

from dataclasses import dataclass

from ..domain.timezone import TimezoneService


@dataclass(frozen=True)
class SourceRules:
    obsolete_company_ids: frozenset[int]
    timezone: TimezoneService
