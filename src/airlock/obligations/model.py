"""Regimes, their thresholds, and the obligations a control serves.

A control names the *topics* it provides evidence for (``encryption-at-rest``,
``network-isolation``...). Each regime maps topics to its own references, so adding a regime
is data, not code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from msgspec import Struct


class Regime(StrEnum):
    NDPA = "ndpa"
    CBN = "cbn"
    NCC = "ncc"
    NIS2 = "nis2"
    GDPR = "gdpr"
    DORA = "dora"
    HIPAA = "hipaa"


class Topic(StrEnum):
    NETWORK_ISOLATION = "network-isolation"
    ENCRYPTION_AT_REST = "encryption-at-rest"
    KEY_MANAGEMENT = "key-management"
    ACCESS_CONTROL = "access-control"
    AUTHENTICATION = "authentication"
    AUDIT_LOGGING = "audit-logging"
    RECORD_RETENTION = "record-retention"
    INCIDENT_RESPONSE = "incident-response"
    MONITORING = "monitoring"
    RESIDENCY = "residency"
    ISOLATION = "isolation"
    SUPPLY_CHAIN = "supply-chain"
    RESILIENCE = "resilience"


class ObligationRef(Struct, frozen=True, order=True):
    regime: Regime
    ref: str

    def as_json(self) -> dict[str, str]:
        return {"regime": self.regime.value, "ref": self.ref}


class RegimeProfile(Struct, frozen=True):
    regime: Regime
    title: str
    #: minimum Object Lock retention for audit records, in days (an Airlock default that the
    #: user can override; the source of each number is in ``retention_basis``)
    min_retention_days: int
    retention_basis: str
    #: regions where processing and storage may happen; None: the regime sets no residency
    allowed_regions: frozenset[str] | None
    references: Mapping[Topic, str]


_EU = frozenset(
    {
        "eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2",
    }
)  # fmt: skip
# Nigeria-facing regimes: the article's deployment regions (Frankfurt, Cape Town).
_NG = frozenset({"af-south-1", "eu-central-1"})

PROFILES: Mapping[Regime, RegimeProfile] = {
    Regime.NDPA: RegimeProfile(
        Regime.NDPA,
        "Nigeria Data Protection Act 2023",
        min_retention_days=7 * 365,
        retention_basis="7 years for processing records (reference architecture)",
        allowed_regions=_NG,
        references={
            Topic.NETWORK_ISOLATION: "NDPA 2023 s.39",
            Topic.ENCRYPTION_AT_REST: "NDPA 2023 s.39",
            Topic.KEY_MANAGEMENT: "NDPA 2023 s.39",
            Topic.ACCESS_CONTROL: "NDPA 2023 s.39",
            Topic.AUTHENTICATION: "NDPA 2023 s.39",
            Topic.AUDIT_LOGGING: "NDPA 2023 s.40",
            Topic.RECORD_RETENTION: "NDPA 2023 s.39",
            Topic.INCIDENT_RESPONSE: "NDPA 2023 s.40",
            Topic.MONITORING: "NDPA 2023 s.39",
            Topic.RESIDENCY: "NDPA 2023 s.41-43 (cross-border transfer)",
            Topic.ISOLATION: "NDPA 2023 s.39",
        },
    ),
    Regime.CBN: RegimeProfile(
        Regime.CBN,
        "CBN Risk-Based Cybersecurity Framework / CSAT",
        min_retention_days=7 * 365,
        retention_basis="7 years (Airlock default; set the bank's CSAT period)",
        allowed_regions=_NG,
        references={
            Topic.NETWORK_ISOLATION: "CBN RBCF: network security",
            Topic.ENCRYPTION_AT_REST: "CBN RBCF: cryptography",
            Topic.KEY_MANAGEMENT: "CBN RBCF: cryptography",
            Topic.ACCESS_CONTROL: "CBN RBCF: access control",
            Topic.AUTHENTICATION: "CBN RBCF: access control",
            Topic.AUDIT_LOGGING: "CBN RBCF: application security / audit",
            Topic.RECORD_RETENTION: "CBN RBCF: audit trail retention",
            Topic.INCIDENT_RESPONSE: "CBN RBCF: incident management",
            Topic.MONITORING: "CBN RBCF: security monitoring",
            Topic.RESIDENCY: "CBN data localisation guidance",
            Topic.SUPPLY_CHAIN: "CBN RBCF: third-party risk",
        },
    ),
    Regime.NCC: RegimeProfile(
        Regime.NCC,
        "NCC Cyber Resilience Framework",
        min_retention_days=7 * 365,
        retention_basis="7 years (Airlock default)",
        allowed_regions=_NG,
        references={
            Topic.NETWORK_ISOLATION: "NCC CRF: protect",
            Topic.ENCRYPTION_AT_REST: "NCC CRF: protect",
            Topic.KEY_MANAGEMENT: "NCC CRF: protect",
            Topic.ACCESS_CONTROL: "NCC CRF: protect",
            Topic.AUTHENTICATION: "NCC CRF: protect",
            Topic.AUDIT_LOGGING: "NCC CRF: detect",
            Topic.MONITORING: "NCC CRF: continuous monitoring",
            Topic.INCIDENT_RESPONSE: "NCC CRF: respond",
            Topic.RECORD_RETENTION: "NCC CRF: detect",
        },
    ),
    Regime.NIS2: RegimeProfile(
        Regime.NIS2,
        "EU NIS2 Directive (2022/2555)",
        min_retention_days=6 * 365,
        retention_basis="6 years for incident evidence (reference architecture)",
        allowed_regions=_EU,
        references={
            Topic.NETWORK_ISOLATION: "NIS2 Art. 21(2)(e)",
            Topic.ENCRYPTION_AT_REST: "NIS2 Art. 21(2)(h)",
            Topic.KEY_MANAGEMENT: "NIS2 Art. 21(2)(h)",
            Topic.ACCESS_CONTROL: "NIS2 Art. 21(2)(i)",
            Topic.AUTHENTICATION: "NIS2 Art. 21(2)(j)",
            Topic.AUDIT_LOGGING: "NIS2 Art. 21(2)(b)",
            Topic.RECORD_RETENTION: "NIS2 Art. 21(2)(b)",
            Topic.INCIDENT_RESPONSE: "NIS2 Art. 23",
            Topic.MONITORING: "NIS2 Art. 21(2)(b)",
            Topic.SUPPLY_CHAIN: "NIS2 Art. 21(2)(d)",
            Topic.RESIDENCY: "NIS2 Art. 21 (operator policy)",
        },
    ),
    Regime.GDPR: RegimeProfile(
        Regime.GDPR,
        "EU General Data Protection Regulation",
        min_retention_days=365,
        retention_basis="1 year (Airlock default; GDPR sets no fixed period)",
        allowed_regions=_EU,
        references={
            Topic.NETWORK_ISOLATION: "GDPR Art. 32(1)(b)",
            Topic.ENCRYPTION_AT_REST: "GDPR Art. 32(1)(a)",
            Topic.KEY_MANAGEMENT: "GDPR Art. 32(1)(a)",
            Topic.ACCESS_CONTROL: "GDPR Art. 32(4)",
            Topic.AUTHENTICATION: "GDPR Art. 32(1)(b)",
            Topic.AUDIT_LOGGING: "GDPR Art. 30",
            Topic.RECORD_RETENTION: "GDPR Art. 5(2)",
            Topic.INCIDENT_RESPONSE: "GDPR Art. 33",
            Topic.RESIDENCY: "GDPR Chapter V (Art. 44-49)",
            Topic.ISOLATION: "GDPR Art. 25",
        },
    ),
    Regime.DORA: RegimeProfile(
        Regime.DORA,
        "EU Digital Operational Resilience Act (2022/2554)",
        min_retention_days=5 * 365,
        retention_basis="5 years (Airlock default for ICT records)",
        allowed_regions=_EU,
        references={
            Topic.NETWORK_ISOLATION: "DORA Art. 9(2)",
            Topic.ENCRYPTION_AT_REST: "DORA Art. 9(2)",
            Topic.KEY_MANAGEMENT: "DORA Art. 9(4)(d)",
            Topic.ACCESS_CONTROL: "DORA Art. 9(4)(c)",
            Topic.AUTHENTICATION: "DORA Art. 9(4)(d)",
            Topic.AUDIT_LOGGING: "DORA Art. 10",
            Topic.RECORD_RETENTION: "DORA Art. 12",
            Topic.INCIDENT_RESPONSE: "DORA Art. 17",
            Topic.MONITORING: "DORA Art. 10",
            Topic.RESILIENCE: "DORA Art. 11",
            Topic.SUPPLY_CHAIN: "DORA Art. 28",
            Topic.RESIDENCY: "DORA Art. 28 (data location)",
        },
    ),
    Regime.HIPAA: RegimeProfile(
        Regime.HIPAA,
        "US HIPAA Security Rule",
        min_retention_days=6 * 365,
        retention_basis="6 years (45 CFR 164.316(b)(2))",
        allowed_regions=None,
        references={
            Topic.NETWORK_ISOLATION: "45 CFR 164.312(e)(1)",
            Topic.ENCRYPTION_AT_REST: "45 CFR 164.312(a)(2)(iv)",
            Topic.KEY_MANAGEMENT: "45 CFR 164.312(a)(2)(iv)",
            Topic.ACCESS_CONTROL: "45 CFR 164.312(a)(1)",
            Topic.AUTHENTICATION: "45 CFR 164.312(d)",
            Topic.AUDIT_LOGGING: "45 CFR 164.312(b)",
            Topic.RECORD_RETENTION: "45 CFR 164.316(b)(2)",
            Topic.INCIDENT_RESPONSE: "45 CFR 164.308(a)(6)",
            Topic.MONITORING: "45 CFR 164.308(a)(1)(ii)(D)",
            Topic.ISOLATION: "45 CFR 164.312(c)(1)",
        },
    ),
}


def obligations_for(
    topics: Iterable[Topic], regimes: Iterable[Regime]
) -> tuple[ObligationRef, ...]:
    """The references each regime gives for these topics, deduplicated and sorted."""
    refs: set[ObligationRef] = set()
    for regime in regimes:
        table = PROFILES[regime].references
        for topic in topics:
            if topic in table:
                refs.add(ObligationRef(regime, table[topic]))
    return tuple(sorted(refs))
