"""Reading JodGig rows at driver speed: DATETIMEs decoded cheaply, and alike on either driver.

Decoding rows is most of what reading JodGig costs, because pymysql is pure Python. Its DATETIME
converter matches a regular expression and builds the value from its parts; the C-level
``datetime.fromisoformat`` gives the same value for everything MySQL sends, several times
faster (``benchmarks/bench_reads.py``). A value it cannot parse, such as MySQL's zero date,
still goes to pymysql's converter, which returns it as the string it is.

mysqlclient (``mysql+mysqldb://``, optional) decodes rows in C but turns a zero date into None;
it gets :func:`decode_datetime` too, so the sync sees the same values on either driver.
"""

from datetime import datetime

from pymysql import converters
from pymysql.constants import FIELD_TYPE


def decode_datetime(text: str) -> datetime | str:
    """A MySQL DATETIME or TIMESTAMP as pymysql's converter decodes it, only cheaper."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return converters.convert_datetime(text)


def install_cheap_datetimes(dbapi_connection) -> None:
    """Decode DATETIMEs on this pymysql connection with :func:`decode_datetime` (engines.py calls it on connect)."""
    dbapi_connection.decoders[FIELD_TYPE.DATETIME] = decode_datetime
    dbapi_connection.decoders[FIELD_TYPE.TIMESTAMP] = decode_datetime


def mysqldb_conversions() -> dict:
    """mysqlclient's ``conv``: its own converters, with DATETIMEs decoded by :func:`decode_datetime`."""
    from MySQLdb.converters import conversions  # the mysqlclient extra; only a mysqldb URL gets here

    return conversions | {FIELD_TYPE.DATETIME: decode_datetime, FIELD_TYPE.TIMESTAMP: decode_datetime}
