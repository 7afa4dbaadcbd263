"""The staff charts: SVG drawn on the server with axes, round gridlines, period labels and
values, and the figures as a table; no script."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from admin.charts import chart_layout, nice_top
from shop.orders.models import OrderStatus
from tests.factories import OrderFactory


def test_scale_is_round_and_bars_fit_it():
    assert [nice_top(v) for v in (0, 7, 18, 29, 40, 240, 999)] == [1, 8, 20, 30, 40, 300, 1000]
    layout = chart_layout([(date(2026, 12, d), Decimal(v)) for d, v in ((1, "10"), (2, "40"), (3, "0"))])
    assert [t.value for t in layout.ticks] == [0, 10, 20, 30, 40]
    tallest = max(layout.bars, key=lambda b: b.height)
    assert tallest.height == layout.height and tallest.y == layout.top
    assert layout.bars[2].height == 0 and layout.show_values
    many = chart_layout([(str(n), n) for n in range(30)])
    assert sum(b.show_label for b in many.bars) <= 8 and not many.show_values


def test_dashboard_chart_has_axes_gridlines_labels_values_and_a_table(admin_page, db):
    OrderFactory(status=OrderStatus.CONFIRMED)  # $29.00 today
    html = admin_page.get("/admin/").get_data(as_text=True)
    svg = re.search(r'<svg viewBox="[^"]+" class="chart__svg".*?</svg>', html, re.S).group(0)
    assert svg.count('<line x1="64"') == 5  # gridlines 0, ¼, ½, ¾, top
    assert ">$30.00</text>" in svg and ">$0.00</text>" in svg  # the y axis, in dollars
    assert 'class="chart__axis"' in svg and 'class="chart__label"' in svg
    assert "<script" not in svg
    table = re.search(r'<details class="chart__table">.*?</details>', html, re.S).group(0)
    assert "Show the figures as a table" in table and "$29.00" in table
