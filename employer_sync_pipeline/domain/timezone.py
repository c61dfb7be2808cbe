"""Conversion between JodGig local wall-clock time and UTC (SPEC §4)."""

from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

DEFAULT_JODGIG_TIMEZONE = "Asia/Singapore"


@dataclass(frozen=True)
class TimezoneService:
    """Every local↔UTC conversion goes through here; never a fixed offset.

    A local time that a DST change makes ambiguous or skips is read with
    ``fold=0`` (the offset in force before the change), as ``zoneinfo`` does.
    """

    zone_name: str = DEFAULT_JODGIG_TIMEZONE

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    def to_utc(self, local: datetime) -> datetime:
        if local.tzinfo is not None:
            raise ValueError(f"expected a naive JodGig local time, got {local!r}")
        return local.replace(tzinfo=self.zone).astimezone(timezone.utc)

    def to_local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError(f"expected an aware datetime, got {moment!r}")
        return moment.astimezone(self.zone).replace(tzinfo=None)
