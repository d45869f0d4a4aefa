"""The network path of a request as one dimension of the enumeration.

Network keys are correlated: through a VPC endpoint ``aws:SourceVpce``/``aws:SourceVpc`` are
present and ``aws:SourceIp`` is absent; over the internet it is the other way round. Each
path option assigns all of them together:

* ``public``: no endpoint keys, ``aws:SourceIp`` some public address;
* one option per known endpoint: its id, VPC and account, and its endpoint policy applies;
* ``foreign endpoint``: someone else's endpoint (any id not ours), no endpoint policy of ours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import product

from msgspec import Struct

from .candidates import Candidate, KeyCandidates
from .context import Absent, Constraint, Excluding
from .policy_set import Endpoint

SOURCE_VPCE = "aws:sourcevpce"
SOURCE_IP = "aws:sourceip"
VPC_ONLY_KEYS = (
    "aws:sourcevpc",
    "aws:sourcevpcarn",
    "aws:vpcsourceip",
    "aws:vpceaccount",
    "aws:vpceorgid",
    "aws:vpceorgpaths",
)
NETWORK_KEYS = frozenset({SOURCE_VPCE, SOURCE_IP, *VPC_ONLY_KEYS})

Assignment = dict[str, Candidate]
KeyOptions = Callable[[str, Excluding | None], KeyCandidates]


class PathOptions(Struct, frozen=True):
    assignments: tuple[Assignment, ...]
    complete: bool


def _present(values: Sequence[Candidate]) -> list[Candidate]:
    return [v for v in values if not isinstance(v, Absent)]


PRESENT = Excluding((), allow_absent=False)


def _set(keys: Sequence[str], values: Sequence[Candidate | None]) -> Assignment:
    return {key: value for key, value in zip(keys, values, strict=True) if value is not None}


def _fits(assignment: Mapping[str, Candidate], fixed: Mapping[str, Constraint]) -> bool:
    for key, constraint in fixed.items():
        if key not in NETWORK_KEYS:
            continue
        value = assignment.get(key, Absent.ABSENT)
        if isinstance(constraint, Excluding):
            if isinstance(value, Absent):
                if not constraint.allow_absent:
                    return False
            elif value in constraint.values:
                return False
        elif value != constraint:
            return False
    return True


def path_options(
    endpoints: Sequence[Endpoint],
    options: KeyOptions,
    fixed: Mapping[str, Constraint],
) -> PathOptions:
    """Every consistent assignment of the network keys (filtered by the caller's constraints)."""
    complete = True
    ours = {e.endpoint_id for e in endpoints}
    assignments: list[Assignment] = []

    def free(key: str) -> list[Candidate | None]:
        """Present values for a key; [None] (leave it out) when no policy refers to it."""
        nonlocal complete
        found = options(key, PRESENT)
        complete = complete and found.complete
        values = _present(found.values)
        return list(values) if values else [None]

    # Over the internet.
    for ip in free(SOURCE_IP):
        public: Assignment = {
            SOURCE_VPCE: Absent.ABSENT,
            **dict.fromkeys(VPC_ONLY_KEYS, Absent.ABSENT),
        }
        if ip is not None:
            public[SOURCE_IP] = ip
        assignments.append(public)

    vpc_keys = list(VPC_ONLY_KEYS)
    # Through one of our endpoints.
    for endpoint in endpoints:
        known: dict[str, Candidate] = {}
        if endpoint.vpc_id:
            known["aws:sourcevpc"] = endpoint.vpc_id
        if endpoint.account:
            known["aws:vpceaccount"] = endpoint.account
        rest = [k for k in vpc_keys if k not in known]
        for combo in product(*(free(k) for k in rest)):
            assignments.append(
                {
                    SOURCE_VPCE: endpoint.endpoint_id,
                    SOURCE_IP: Absent.ABSENT,
                    **known,
                    **_set(rest, combo),
                }
            )
    # Through an endpoint that is not ours.
    foreign = options(SOURCE_VPCE, Excluding(tuple(sorted(ours)), allow_absent=False))
    complete = complete and foreign.complete
    for vpce in _present(foreign.values):
        for combo in product(*(free(k) for k in vpc_keys)):
            assignments.append(
                {SOURCE_VPCE: vpce, SOURCE_IP: Absent.ABSENT, **_set(vpc_keys, combo)}
            )
    return PathOptions(tuple(a for a in assignments if _fits(a, fixed)), complete)
