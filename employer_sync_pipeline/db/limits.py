"""How long the sync may wait on either database (SPEC §10 "Limits")."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ConnectionLimits:
    """Seconds; every wait of a session is bounded by one of these."""

    connect: float
    jodgig_statement: float
    platform_lock: float
    platform_statement: float

    def tightened(self, lock: float, total: float) -> "ConnectionLimits":
        """The same limits, none above ``total`` and platform locks at most ``lock`` (for JIT)."""
        return ConnectionLimits(
            connect=min(self.connect, total),
            jodgig_statement=min(self.jodgig_statement, total),
            platform_lock=min(self.platform_lock, lock, total),
            platform_statement=min(self.platform_statement, total),
        )
