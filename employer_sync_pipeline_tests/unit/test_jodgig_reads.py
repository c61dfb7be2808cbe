"""The cheap DATETIME decoder gives exactly what pymysql's own converter gives."""

import pytest
from pymysql import converters

from employer_sync_pipeline.db.jodgig_reads import decode_datetime


@pytest.mark.parametrize(
    "text",
    ["2026-03-01 09:00:00", "2026-03-01 09:00:00.123456", "2026-03-01 09:00:00.5", "1999-12-31 23:59:59",
     "0000-00-00 00:00:00", "2026-00-00 00:00:00", "2026-02-30 10:00:00"],
    ids=["seconds", "microseconds", "one-digit-fraction", "old", "zero-date", "zero-month-and-day", "invalid-day"],
)
def test_decode_datetime_matches_pymysql(text):
    assert decode_datetime(text) == converters.convert_datetime(text)
    assert type(decode_datetime(text)) is type(converters.convert_datetime(text))
