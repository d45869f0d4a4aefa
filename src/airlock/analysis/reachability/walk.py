"""The state of a walk through the network and what it finds: exits and dead ends."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property

from msgspec import Struct, field
from msgspec.structs import replace

from airlock.inventory.model import Unresolved, Val

from .addresses import AddressSet, Family
from .paths import Hop, PathOutcome


class Assume(StrEnum):
    """How unknowns are read."""

    OPEN = "open"  # every unknown leads out: anything found is a *possible* leak
    CLOSED = "closed"  # every unknown keeps traffic in: anything found is a *certain* leak


class Source(StrEnum):
    """The source address packets carry at this point of the path."""

    ORIGINAL = "original"  # the subject's own address (public or not: decided per subject)
    PUBLIC = "public"  # translated to a public address (public NAT gateway, appliance)
    PRIVATE = "private"  # a private address no internet gateway will translate


class ExitKind(StrEnum):
    INTERNET = "internet"
    EXTERNAL = "external"  # VPN, Direct Connect, carrier and local gateways
    UNSEEN = "unseen"  # beyond the inventory


class Exit(Struct, frozen=True, dict=True):
    """Routing leads ``space`` out of the boundary along ``hops``.

    ``dict=True`` gives :attr:`leaving` (a ``cached_property``) somewhere to keep its value.
    """

    kind: ExitKind
    family: Family
    space: AddressSet
    #: which destinations count as leaving (public addresses at an internet gateway)
    outside: AddressSet
    hops: tuple[Hop, ...]
    #: IPv4 straight to an internet gateway: only a subject with a public IP gets out
    needs_public_source: bool = False
    #: addresses routes with unknown destinations could take from this path
    shadow: int = 0
    #: subnets of NAT gateways and appliances crossed (their network ACLs apply)
    acl_subnets: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()
    #: IPv6 to the NAT64 prefix, translated to IPv4 by a NAT gateway on the way
    translated: bool = False

    @cached_property
    def leaving(self) -> AddressSet:
        """The destinations that reach this exit and count as outside."""
        return self.space.intersection(self.outside)


class End(Struct, frozen=True):
    """A path that stops inside the boundary (or at something unknown)."""

    outcome: PathOutcome
    hops: tuple[Hop, ...]
    reason: str


class Routing(Struct, frozen=True):
    """Where routing from one subnet leads; hops start after ``subnet_hop``."""

    subnet_hop: Hop
    exits: tuple[Exit, ...]
    ends: tuple[End, ...]
    #: prefix lists that the subnet's own route table sends to a gateway endpoint
    benign_prefix_lists: frozenset[str] = frozenset()


class WalkState(Struct, frozen=True):
    vpc: str | None
    hops: tuple[Hop, ...]
    source: Source = Source.ORIGINAL
    transit: bool = False
    shadow: int = 0
    acl_subnets: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()
    visited: frozenset[str] = frozenset()
    nat64: AddressSet | None = None

    def step(self, *hops: Hop) -> WalkState:
        return self.evolve(hops=self.hops + hops)

    def evolve(self, **changes: object) -> WalkState:
        """A copy with some fields changed."""
        return replace(self, **changes)


class Collector(Struct):
    exits: list[Exit] = field(default_factory=list)
    ends: list[End] = field(default_factory=list)
    benign: set[str] = field(default_factory=set)


def name_of(value: object) -> str:
    return str(value) if not isinstance(value, Unresolved) else f"<unresolved: {value.reason}>"


def missing(kind: str, ref: Val[str] | None) -> str:
    if isinstance(ref, Unresolved):
        return f"the {kind} is unresolved ({ref.reason})"
    if ref is None:
        return f"the {kind} is not set"
    return f"{kind} {ref} is not in the inventory"
