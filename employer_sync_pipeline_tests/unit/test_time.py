from datetime import datetime, timedelta, timezone

import pytest

from employer_sync_pipeline.domain.timezone import TimezoneService
from employer_sync_pipeline.domain.window import SyncMode, SyncWindow, compute_incremental_window

UTC = timezone.utc
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "local", "utc"),
    [
        ("Asia/Singapore", datetime(2026, 3, 10, 8, 0), datetime(2026, 3, 10, 0, 0, tzinfo=UTC)),
        ("Europe/London", datetime(2026, 1, 15, 12, 0), datetime(2026, 1, 15, 12, 0, tzinfo=UTC)),
        ("Europe/London", datetime(2026, 7, 15, 12, 0), datetime(2026, 7, 15, 11, 0, tzinfo=UTC)),
        ("Europe/London", datetime(2026, 3, 29, 0, 30), datetime(2026, 3, 29, 0, 30, tzinfo=UTC)),
        ("Europe/London", datetime(2026, 3, 29, 2, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        ("Europe/London", datetime(2026, 10, 25, 1, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ],
    ids=["singapore", "london-winter", "london-summer", "london-before-spring-change",
         "london-after-spring-change", "london-ambiguous-autumn-hour-reads-as-summer-time"],
)
def test_timezone_service_converts_local_to_utc(zone, local, utc):
    assert TimezoneService(zone).to_utc(local) == utc


@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
     datetime(2026, 7, 1, 23, 59, tzinfo=UTC)],
    ids=["first-pass-of-repeated-hour", "second-pass-of-repeated-hour", "summer"],
)
def test_utc_to_local_and_back_is_lossless_across_dst(moment):
    london = TimezoneService("Europe/London")
    local = london.to_local(moment)
    assert local.tzinfo is None
    assert london.to_local(london.to_utc(local)) == local


def test_timezone_service_refuses_the_wrong_kind_of_datetime():
    with pytest.raises(ValueError):
        TimezoneService().to_utc(NOW)
    with pytest.raises(ValueError):
        TimezoneService().to_local(datetime(2026, 1, 1))


def test_first_run_is_a_full_refresh_up_to_the_source_clock():
    window = compute_incremental_window(None, NOW, timedelta(minutes=10))
    assert (window.mode, window.lower, window.upper) == (SyncMode.FULL_REFRESH, None, NOW)
    assert window.selects_everything


def test_incremental_window_starts_a_lookback_before_the_last_watermark():
    last = NOW - timedelta(hours=1)
    window = compute_incremental_window(last, NOW, timedelta(minutes=10))
    assert (window.mode, window.lower, window.upper) == (SyncMode.INCREMENTAL, last - timedelta(minutes=10), NOW)


def test_full_refresh_on_request_ignores_the_watermark():
    window = compute_incremental_window(NOW - timedelta(hours=1), NOW, timedelta(minutes=10), full_refresh=True)
    assert (window.mode, window.lower) == (SyncMode.FULL_REFRESH, None)


def test_a_watermark_ahead_of_the_source_clock_still_gives_a_window():
    window = compute_incremental_window(NOW + timedelta(hours=2), NOW, timedelta(minutes=10))
    assert window.lower == NOW - timedelta(minutes=10)


def test_window_bounds_convert_to_jodgig_local_time():
    window = SyncWindow(SyncMode.INCREMENTAL, NOW - timedelta(hours=1), NOW)
    assert window.local_bounds(TimezoneService()) == (datetime(2026, 3, 10, 19, 0), datetime(2026, 3, 10, 20, 0))


def test_negative_lookback_is_refused():
    with pytest.raises(ValueError):
        compute_incremental_window(NOW, NOW, timedelta(minutes=-1))
