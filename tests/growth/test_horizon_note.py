"""Forecasts far beyond the announcements say that the priors, not the data, set the band."""
from datetime import date

from mc.growth.forecast import FAR_HORIZON_SPANS, Forecast, horizon_note


def test_no_note_within_three_spans_of_the_data():
    first, last = date(2024, 5, 15), date(2026, 6, 23)  # 2.1 years of announcements
    assert horizon_note(date(2030, 12, 31), first, last) is None  # 4.5 years ahead: within 3 spans (6.3 years)


def test_note_far_beyond_the_data_names_dates_and_spans():
    first, last = date(2024, 5, 15), date(2026, 6, 23)
    note = horizon_note(date(2100, 12, 31), first, last)
    assert note.startswith("2100-12-31 is 74.5 years past the last announcement (2026-06-23)")
    assert f"more than {FAR_HORIZON_SPANS} times the 2.1 years" in note


def test_a_short_series_counts_as_a_year():
    """Two announcements a week apart: the span counts as one year, so three years ahead is not yet 'far'."""
    first, last = date(2026, 1, 1), date(2026, 1, 8)
    assert horizon_note(date(2028, 12, 31), first, last) is None
    assert horizon_note(date(2029, 2, 1), first, last) is not None


def test_note_reaches_the_json_record():
    record = Forecast(date(2100, 1, 1), "all", {50: 1.0}, extra={"horizon_note": "far"}).to_dict()
    assert record["horizon_note"] == "far"
    assert "horizon_note" not in Forecast(date(2027, 1, 1), "all", {50: 1.0}).to_dict()
