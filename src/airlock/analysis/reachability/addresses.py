"""Sets of IP addresses as sorted interval lists, one address family at a time.

Routing, security groups and network ACLs all speak CIDR; path analysis needs the algebra
on top: "the addresses for which this route is the longest match", "the public part of
them", "what the security group still allows". An :class:`AddressSet` is an immutable,
sorted tuple of disjoint, non-adjacent inclusive ``(low, high)`` integer ranges.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from functools import lru_cache

from msgspec import Struct


class Family(StrEnum):
    IPV4 = "ipv4"
    IPV6 = "ipv6"

    @property
    def bits(self) -> int:
        return 32 if self is Family.IPV4 else 128


Range = tuple[int, int]


class AddressSet(Struct, frozen=True):
    family: Family
    ranges: tuple[Range, ...] = ()

    # -- construction -------------------------------------------------------------------

    @classmethod
    def empty(cls, family: Family) -> AddressSet:
        return _EMPTY[family]

    @classmethod
    def everything(cls, family: Family) -> AddressSet:
        return _ALL[family]

    @classmethod
    def of(cls, *cidrs: str) -> AddressSet:
        """The union of CIDRs of one family (raises ValueError on a bad or mixed CIDR)."""
        out: AddressSet | None = None
        for text in cidrs:
            block = parse_cidr(text)
            if block is None:
                raise ValueError(f"not a CIDR: {text!r}")
            out = block if out is None else out.union(block)
        if out is None:
            raise ValueError("AddressSet.of needs at least one CIDR")
        return out

    # -- queries ------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return not self.ranges

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def size(self) -> int:
        return sum(high - low + 1 for low, high in self.ranges)

    def first(self) -> str | None:
        """The lowest address in the set, as text (an example for evidence)."""
        if not self.ranges:
            return None
        return _text(self.family, self.ranges[0][0])

    def covers(self, other: AddressSet) -> bool:
        return other.difference(self).is_empty()

    def cidrs(self, limit: int = 8) -> tuple[str, ...]:
        """The set as CIDR blocks, at most ``limit`` of them (then "..." ends the tuple)."""
        out: list[str] = []
        for low, high in self.ranges:
            start: ipaddress.IPv4Address | ipaddress.IPv6Address
            end: ipaddress.IPv4Address | ipaddress.IPv6Address
            if self.family is Family.IPV4:
                start, end = ipaddress.IPv4Address(low), ipaddress.IPv4Address(high)
            else:
                start, end = ipaddress.IPv6Address(low), ipaddress.IPv6Address(high)
            for net in ipaddress.summarize_address_range(start, end):
                if len(out) == limit:
                    return (*out, "...")
                out.append(str(net))
        return tuple(out)

    # -- algebra ------------------------------------------------------------------------

    def union(self, other: AddressSet) -> AddressSet:
        if not other.ranges or self is other:
            return self
        if not self.ranges:
            return other
        if self.ranges == _FULL[self.family] or other.ranges == _FULL[self.family]:
            return _ALL[self.family]
        merged: list[Range] = []
        for low, high in sorted(self.ranges + other.ranges):
            if merged and low <= merged[-1][1] + 1:
                if high > merged[-1][1]:
                    merged[-1] = (merged[-1][0], high)
            else:
                merged.append((low, high))
        return AddressSet(self.family, tuple(merged))

    def intersection(self, other: AddressSet) -> AddressSet:
        if not self.ranges or not other.ranges:
            return _EMPTY[self.family]
        if self is other or other.ranges == _FULL[self.family]:
            return self
        if self.ranges == _FULL[self.family]:
            return other
        out: list[Range] = []
        a, b = self.ranges, other.ranges
        i = j = 0
        while i < len(a) and j < len(b):
            low = max(a[i][0], b[j][0])
            high = min(a[i][1], b[j][1])
            if low <= high:
                out.append((low, high))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return AddressSet(self.family, tuple(out))

    def difference(self, other: AddressSet) -> AddressSet:
        if not self.ranges or not other.ranges:
            return self
        out: list[Range] = []
        b = other.ranges
        j = 0
        for low, high in self.ranges:
            cur = low
            while j < len(b) and b[j][1] < cur:
                j += 1
            k = j
            while k < len(b) and b[k][0] <= high:
                if b[k][0] > cur:
                    out.append((cur, b[k][0] - 1))
                cur = max(cur, b[k][1] + 1)
                if cur > high:
                    break
                k += 1
            if cur <= high:
                out.append((cur, high))
        return AddressSet(self.family, tuple(out))

    __or__ = union
    __and__ = intersection
    __sub__ = difference


_MAX = {Family.IPV4: (1 << 32) - 1, Family.IPV6: (1 << 128) - 1}
_EMPTY = {family: AddressSet(family) for family in Family}
_FULL = {family: ((0, _MAX[family]),) for family in Family}
_ALL = {family: AddressSet(family, _FULL[family]) for family in Family}


def _text(family: Family, value: int) -> str:
    if family is Family.IPV4:
        return str(ipaddress.IPv4Address(value))
    return str(ipaddress.IPv6Address(value))


@lru_cache(maxsize=65536)
def parse_cidr(text: str) -> AddressSet | None:
    """A CIDR (or a bare address) as a one-range set; None when the text is not one."""
    try:
        net = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
    family = Family.IPV4 if net.version == 4 else Family.IPV6
    low = int(net.network_address)
    return AddressSet(family, ((low, low + net.num_addresses - 1),))


@lru_cache(maxsize=65536)
def prefix_length(text: str) -> int | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False).prefixlen
    except ValueError:
        return None


def _public_ipv4() -> AddressSet:
    # Special-purpose ranges (RFC 6890) that the internet does not route.
    special = AddressSet.of(
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
    return AddressSet.everything(Family.IPV4).difference(special)


#: Addresses that are on the public internet, per family (IPv6: global unicast 2000::/3).
PUBLIC: dict[Family, AddressSet] = {
    Family.IPV4: _public_ipv4(),
    Family.IPV6: AddressSet.of("2000::/3"),
}
#: Destinations whose packets never leave the host: loopback, link-local (the instance
#: metadata service, the Amazon DNS server's 169.254.169.253, which security groups do not
#: filter anyway) and the limited broadcast address. Rules naming only these are placeholders
#: -- CDK writes 255.255.255.255/32 to remove a group's default allow-all egress.
ON_HOST: dict[Family, AddressSet] = {
    Family.IPV4: AddressSet.of("127.0.0.0/8", "169.254.0.0/16", "255.255.255.255/32"),
    Family.IPV6: AddressSet.of("::1/128", "fe80::/10"),
}
#: The well-known NAT64 prefix: IPv6 destinations a NAT gateway translates to public IPv4.
NAT64 = AddressSet.of("64:ff9b::/96")
