"""How long the sync may wait on either database (SPEC §10 "Limits")."""

from dataclasses import dataclass, field

JIT_LOCK_SETTING = "JIT_LOCK_TIMEOUT_SECONDS"
JIT_TOTAL_SETTING = "JIT_TIMEOUT_SECONDS"


@dataclass(frozen=True)
class ConnectionLimits:
    """Seconds; every wait of a session is bounded by one of these. Each ``*_setting`` names the
    variable that set its limit, for the message when it fires."""

    connect: float
    jodgig_statement: float
    platform_lock: float
    platform_statement: float
    connect_setting: str = field(default="DB_CONNECT_TIMEOUT_SECONDS", compare=False)
    jodgig_statement_setting: str = field(default="JODGIG_STATEMENT_TIMEOUT_SECONDS", compare=False)
    platform_lock_setting: str = field(default="PLATFORM_LOCK_TIMEOUT_SECONDS", compare=False)
    platform_statement_setting: str = field(default="PLATFORM_STATEMENT_TIMEOUT_SECONDS", compare=False)

    def tightened(self, lock: float, total: float) -> "ConnectionLimits":
        """The same limits, none above ``total`` and platform locks at most ``lock`` (for JIT).

        Where a JIT limit is the tighter one (or equal), it is the one named when a wait fires.
        """
        connect, connect_setting = _tighter((self.connect, self.connect_setting), (total, JIT_TOTAL_SETTING))
        jodgig, jodgig_setting = _tighter(
            (self.jodgig_statement, self.jodgig_statement_setting), (total, JIT_TOTAL_SETTING)
        )
        platform_lock, lock_setting = _tighter(
            (self.platform_lock, self.platform_lock_setting), (lock, JIT_LOCK_SETTING), (total, JIT_TOTAL_SETTING)
        )
        statement, statement_setting = _tighter(
            (self.platform_statement, self.platform_statement_setting), (total, JIT_TOTAL_SETTING)
        )
        return ConnectionLimits(connect, jodgig, platform_lock, statement,
                                connect_setting, jodgig_setting, lock_setting, statement_setting)


def _tighter(*limits: tuple[float, str]) -> tuple[float, str]:
    """The smallest limit with its variable; on a tie, the last one given (the JIT limit)."""
    return min(reversed(limits), key=lambda limit: limit[0])
