"""Where a cross-region inference profile may send a request: prefix -> destination regions.

A system inference profile id is ``<geo>.<model id>``; requests made through it stay in its
geography (prompts and outputs travel; data at rest stays in the source region). The
destination set is defined per profile -- per model, and for some profiles per source
region -- and changes as AWS adds regions, so these dated tables are a fallback for offline
sources: a live source should read ``ListInferenceProfiles`` (``models[].modelArn`` names each
destination) instead.

:data:`PROFILES` holds the destinations of the profiles the Bedrock user guide spells out;
any other profile falls back to :data:`GEOGRAPHIES`, every region its geography may route to.
That is a superset of the profile's own destinations: all of it allowed proves the profile
stays inside, but one region of it outside proves nothing for this model (``Destinations
.per_model`` is False) -- only that fewer than two of them are allowed does, because a
cross-Region profile spreads requests over several regions.

Source: the ``CrossRegionInferenceProfileRegion`` table of ``@aws-cdk/aws-bedrock-alpha``
(tag v2.275.0-alpha.0) and the Bedrock user guide ("Supported Regions and models for
inference profiles"), as collected in reference/iac.md §6.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from msgspec import Struct

#: when the table was last checked against its sources
TABLE_DATE = date(2026, 10, 27)


class Geography(Struct, frozen=True):
    prefix: str
    name: str
    #: None: any commercial region (``global.``)
    destinations: frozenset[str] | None
    #: False when the destinations are not confirmed by an AWS or CDK source
    verified: bool = True
    note: str = ""


GEOGRAPHIES: Mapping[str, Geography] = {
    "global": Geography("global", "global", None, note="routes to any supported commercial region"),
    "us": Geography(
        "us",
        "United States",
        frozenset({"us-east-1", "us-east-2", "us-west-2", "us-west-1"}),
        note="CDK grants also cover us-west-1",
    ),
    "us-gov": Geography(
        "us-gov", "AWS GovCloud (US)", frozenset({"us-gov-east-1", "us-gov-west-1"})
    ),
    "eu": Geography(
        "eu",
        "Europe",
        frozenset(
            {
                "eu-central-1",
                "eu-west-1",
                "eu-west-3",
                "eu-west-2",
                "eu-north-1",
                "eu-south-1",
                "eu-south-2",
                "eu-central-2",
            }
        ),
        note="includes Zurich (eu-central-2) and London (eu-west-2), which are outside the EU",
    ),
    "apac": Geography(
        "apac",
        "Asia-Pacific",
        frozenset(
            {
                "ap-northeast-1",
                "ap-northeast-2",
                "ap-northeast-3",
                "ap-south-1",
                "ap-south-2",
                "ap-southeast-1",
                "ap-southeast-2",
                "ap-southeast-3",
                "ap-southeast-4",
                "ap-southeast-5",
                "ap-southeast-7",
                "ap-east-2",
                "me-central-1",
            }
        ),
        note="includes the UAE (me-central-1)",
    ),
    "jp": Geography("jp", "Japan", frozenset({"ap-northeast-1", "ap-northeast-3"})),
    "au": Geography(
        "au",
        "Australia",
        frozenset({"ap-southeast-2", "ap-southeast-4", "ap-southeast-6"}),
        note="Auckland (ap-southeast-6) is reported as a destination by a secondary source",
    ),
    "ca": Geography(
        "ca",
        "Canada",
        frozenset({"ca-central-1", "ca-west-1"}),
        verified=False,
        note="the prefix is in use but its destinations are not documented by AWS or CDK",
    ),
}


def geography(prefix: str) -> Geography | None:
    return GEOGRAPHIES.get(prefix.lower())


def profile_prefix(profile_id: str) -> str | None:
    """The geography prefix of a system profile id (``eu.anthropic...`` -> ``eu``)."""
    head, sep, _ = profile_id.partition(".")
    if sep and head.lower() in GEOGRAPHIES:
        return head.lower()
    return None


#: profile id -> source region -> destinations, for the profiles whose destinations the
#: Bedrock user guide spells out (it names this one as routing differently per source region)
PROFILES: Mapping[str, Mapping[str, frozenset[str]]] = {
    "us.anthropic.claude-3-haiku-20240307-v1:0": {
        "us-east-2": frozenset({"us-east-1", "us-east-2", "us-west-2"}),
        "us-west-2": frozenset({"us-east-1", "us-west-2"}),
    },
}


class Destinations(Struct, frozen=True):
    """Where a reference may be processed: ``regions`` (None: anywhere), or unknown."""

    regions: frozenset[str] | None
    known: bool = True
    why: str = ""
    #: True: ``regions`` are the profile's own; False: its geography's, a superset of them
    per_model: bool = False
    source: str | None = None

    def outside(self, allowed: frozenset[str]) -> frozenset[str] | None:
        """Destinations outside ``allowed``; None when the destination is "anywhere"."""
        if self.regions is None:
            return None
        return self.regions - allowed

    def surely_outside(self, allowed: frozenset[str]) -> bool:
        """Whether the profile routes some request outside ``allowed`` for certain."""
        outside = self.outside(allowed)
        if outside is None or self.per_model:
            return outside is None or bool(outside)
        if not outside:
            return False
        if self.source is not None and self.source not in allowed:
            return True  # data at rest stays in the source region
        return len((self.regions or frozenset()) & allowed) < 2


def destinations_of(
    prefix: str, source_region: str | None, profile_id: str | None = None
) -> Destinations:
    """The regions a ``<prefix>.`` profile called in ``source_region`` may process in."""
    geo = geography(prefix)
    if geo is None:
        return Destinations(
            frozenset(), known=False, why=f"the prefix {prefix!r} is not in the table"
        )
    if geo.destinations is None:
        return Destinations(None, why=geo.note)
    own = PROFILES.get(profile_id or "", {}).get(source_region or "")
    if own is not None:
        return Destinations(own, per_model=True, source=source_region)
    if not geo.verified:
        return Destinations(geo.destinations, known=False, why=geo.note)
    regions = set(geo.destinations)
    if source_region:
        regions.add(source_region)
    return Destinations(frozenset(regions), why=geo.note, source=source_region)
