"""Periods as the bulletin and the drilldowns use them."""

from datetime import date

import pytest

from metrics.periods import Period, periods_between


@pytest.mark.parametrize("text", ["2024Q3", "2024-Q3", "2024年第三季度", "2024年第3季度", " 2024q3 "])
def test_every_spelling_of_a_quarter_means_the_same(text):
    assert Period.parse(text) == Period.quarter(2024, 3)


def test_month_and_year_spellings():
    assert Period.parse("2024-07") == Period.month(2024, 7)
    assert Period.parse("2024年7月") == Period.month(2024, 7)
    assert Period.parse("2024") == Period.whole_year(2024)


def test_unknown_label_is_refused_in_chinese():
    with pytest.raises(ValueError, match="无法识别的期间"):
        Period.parse("上个季度")


def test_quarter_covers_its_days_and_labels_in_chinese():
    q3 = Period.quarter(2024, 3)
    assert (q3.start, q3.end) == (date(2024, 7, 1), date(2024, 9, 30))
    assert q3.label == "2024年第三季度"
    assert q3.code == "2024Q3"


def test_comparison_bases():
    assert Period.quarter(2024, 1).previous() == Period.quarter(2023, 4)  # 环比 across a year
    assert Period.quarter(2024, 1).year_ago() == Period.quarter(2023, 1)  # 同比
    assert Period.month(2024, 1).previous() == Period.month(2023, 12)
    assert Period.whole_year(2024).previous() == Period.whole_year(2023)


def test_a_quarter_drills_into_its_three_months_and_back():
    months = Period.quarter(2024, 2).children()
    assert [m.code for m in months] == ["2024-04", "2024-05", "2024-06"]
    assert {m.parent() for m in months} == {Period.quarter(2024, 2)}
    assert [q.code for q in Period.whole_year(2024).children()] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert Period.month(2024, 2).end == date(2024, 2, 29)  # leap year


def test_periods_between_spans_the_data():
    quarters = periods_between("quarter", date(2023, 1, 1), date(2026, 11, 15))
    assert quarters[0].code == "2023Q1" and quarters[-1].code == "2026Q4" and len(quarters) == 16
