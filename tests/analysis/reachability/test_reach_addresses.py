"""Address-set algebra against a brute-force model."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from airlock.analysis.reachability import PUBLIC, AddressSet, Family
from airlock.analysis.reachability.addresses import parse_cidr

V4 = Family.IPV4
_ranges = st.lists(st.tuples(st.integers(0, 300), st.integers(0, 40)), max_size=6)


def _make(pairs: list[tuple[int, int]]) -> AddressSet:
    out = AddressSet.empty(V4)
    for low, width in pairs:
        out = out.union(AddressSet(V4, ((low, low + width),)))
    return out


def _points(value: AddressSet) -> set[int]:
    return {p for low, high in value.ranges for p in range(low, high + 1)}


@given(_ranges, _ranges)
def test_algebra_matches_sets(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    x, y = _make(a), _make(b)
    assert _points(x.union(y)) == _points(x) | _points(y)
    assert _points(x.intersection(y)) == _points(x) & _points(y)
    assert _points(x.difference(y)) == _points(x) - _points(y)
    assert x.size() == len(_points(x))
    for result in (x.union(y), x.intersection(y), x.difference(y)):
        pairs = result.ranges
        assert all(lo <= hi for lo, hi in pairs)
        assert all(pairs[i][1] + 1 < pairs[i + 1][0] for i in range(len(pairs) - 1))


def test_cidrs_and_first() -> None:
    block = AddressSet.of("10.0.0.0/16").difference(AddressSet.of("10.0.1.0/24"))
    assert block.first() == "10.0.0.0"
    assert block.cidrs(limit=3) == ("10.0.0.0/24", "10.0.2.0/23", "10.0.4.0/22", "...")
    assert AddressSet.of("2001:db8::/32").first() == "2001:db8::"


def test_public_space_excludes_private_ranges() -> None:
    public = PUBLIC[V4]
    for private in ("10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "169.254.169.254"):
        block = parse_cidr(private)
        assert block is not None and not public.intersection(block)
    assert public.covers(AddressSet.of("8.8.8.8/32", "52.94.0.0/16"))
    assert PUBLIC[Family.IPV6].covers(AddressSet.of("2600:1f18::/32"))
    assert not PUBLIC[Family.IPV6].intersection(AddressSet.of("fd00::/8"))


def test_parse_cidr_rejects_garbage() -> None:
    assert parse_cidr("not-a-cidr") is None
    assert parse_cidr("10.0.0.1") == AddressSet.of("10.0.0.1/32")
