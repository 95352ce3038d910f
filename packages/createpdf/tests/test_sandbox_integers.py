"""Integer arithmetic in templates stays bounded however the operations are chained."""

from __future__ import annotations

import time

import pytest
from jinja2.exceptions import SecurityError

from createpdf.rendering import compile_template

BOMBS = {
    "nested-powers": "{{ (((10**100)**100)**100) > 0 }}",
    "squared-in-a-loop": (
        "{% set ns = namespace(x=10**50) %}"
        "{% for i in range(40) %}{% set ns.x = ns.x * ns.x %}{% endfor %}{{ ns.x > 0 }}"
    ),
}


@pytest.mark.parametrize("source", BOMBS.values(), ids=BOMBS)
def test_an_integer_that_would_grow_without_end_is_refused_at_once(source):
    started = time.perf_counter()
    with pytest.raises(SecurityError, match="bits, above the limit"):
        compile_template(source).render()
    assert time.perf_counter() - started < 1


def test_ordinary_arithmetic_still_works():
    rendered = compile_template("{{ 2**10 }} {{ 12345 * 678 }} {{ 1.5 * 4 }} {{ 10**100 > 0 }}")
    assert rendered.render() == "1024 8369910 6.0 True"
