"""The principals of an inventory as the policy evaluator sees them.

For every IAM role, user and group, :class:`Directory` builds a :class:`Subject`: an
evaluator :class:`~airlock.analysis.policy.Principal` (ARN, account, tags) with its identity
policies -- inline, customer managed (referenced, or joined from the ManagedPolicy resources
that name it), AWS managed (from a table; unknown ones make answers UNKNOWN), a user's groups'
policies -- and its permissions boundary. A group is judged as a user holding its policies.

Two synthetic principals complete the picture of an account that a template or plan shows
only in part: the account root user (:meth:`Directory.root`), and :meth:`Directory.unlisted`
-- a role of the workload account that is not in the inventory, with full identity
permissions and any ARN (and, in :meth:`Directory.unlisted_variants`, any tag the policies
test). An IaC scan cannot rule such principals out; a live scan of IAM can.
"""

from __future__ import annotations

from collections.abc import Iterable

from msgspec import Struct
from msgspec.structs import replace

from airlock.analysis.policy import (
    ContextInput,
    Excluding,
    PolicyDocument,
    PolicyKind,
    Principal,
    PrincipalKind,
)
from airlock.controls.aws_managed import managed_name
from airlock.controls.deploy_tokens import for_evaluator, shown
from airlock.controls.policy_documents import DocumentBook
from airlock.inventory.identity import Group, ManagedPolicy, Role, User
from airlock.inventory.model import Inventory, Unresolved, Val

PrincipalResource = Role | User | Group
FULL_ACCESS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
UNLISTED_NAME = "airlock-principal-not-in-inventory"
MAX_TAG_VARIANTS = 8


class Subject(Struct, frozen=True):
    """A principal with its identity-side policies, ready for the evaluator."""

    principal: Principal
    identity: tuple[PolicyDocument, ...]
    boundary: PolicyDocument | None
    label: str  # "role WorkloadRole", "the account root user"...
    resource: PrincipalResource | None = None

    @property
    def arn(self) -> str:
        """The principal ARN as a finding shows it."""
        return shown(self.principal.arn)

    @property
    def key(self) -> str:
        """How other controls name this principal: its ARN when known, else its id."""
        if self.resource is not None:
            arn = self.resource.arn
            return arn if isinstance(arn, str) else self.resource.id
        return self.arn


def known(value: Val[str] | None) -> str | None:
    return value if isinstance(value, str) else None


class Directory:
    """The principals of one inventory (see the module docstring)."""

    def __init__(self, inventory: Inventory, book: DocumentBook, account: str) -> None:
        self.inventory = inventory
        self.book = book
        #: the workload account as the evaluator sees it (a stand-in when unknown)
        self.account = account
        self._subjects: dict[str, Subject] = {}
        self._listed: list[Subject] | None = None
        self._arns: dict[str, Subject] | None = None
        self._names: dict[tuple[int, str], frozenset[str | None]] = {}

    def subjects(self) -> list[Subject]:
        """Every role and user of the inventory (groups are judged through their members)."""
        if self._listed is None:
            found: list[PrincipalResource] = [*self.inventory.of(Role), *self.inventory.of(User)]
            self._listed = [self.subject(r) for r in found]
        return list(self._listed)

    def subject(self, resource: PrincipalResource) -> Subject:
        found = self._subjects.get(resource.id)
        if found is None:
            found = self._subjects[resource.id] = self._build(resource)
        return found

    def _build(self, resource: PrincipalResource) -> Subject:
        kind = (
            "role"
            if isinstance(resource, Role)
            else "user"
            if isinstance(resource, User)
            else "group"
        )
        own = known(resource.account)
        account = for_evaluator(own) if own is not None else self.account
        arn = known(resource.arn)
        name = known(resource.name) or resource.id
        if arn is None:
            arn = f"arn:aws:iam::{account}:{kind}/{name}"
        arn = for_evaluator(arn)
        tags = {k: v for k, v in resource.tags.items() if isinstance(v, str)}
        principal = Principal(
            arn,
            account,
            PrincipalKind.ROLE if isinstance(resource, Role) else PrincipalKind.USER,
            tags,
            service_linked=":role/aws-service-role/" in arn,
        )
        identity = list(self._own(resource))
        if isinstance(resource, User):
            for ref in resource.groups:
                group = self.inventory.find(ref, Group) if isinstance(ref, str) else None
                if group is None:
                    why = f"group {ref if isinstance(ref, str) else ref.reason} is not in the inventory"
                    identity.append(
                        self.book.opaque(PolicyKind.IDENTITY, f"{resource.id} groups", why)
                    )
                else:
                    identity += self._own(group)
        boundary = None
        if not isinstance(resource, Group) and resource.permissions_boundary is not None:
            boundary = self._managed(
                resource.permissions_boundary, PolicyKind.BOUNDARY, resource.id
            )
        return Subject(principal, tuple(identity), boundary, f"{kind} {resource.id}", resource)

    def _own(self, resource: PrincipalResource) -> list[PolicyDocument]:
        docs: list[PolicyDocument] = []
        for named in resource.inline_policies:
            name = f"{resource.id}/{named.name}"
            docs.append(self.book.document(named.document, PolicyKind.IDENTITY, name, named.name))
        seen: set[str] = set()
        for ref in resource.managed_policies:
            policy = self.inventory.find(ref, ManagedPolicy) if isinstance(ref, str) else None
            if policy is not None:
                seen.add(policy.id)
            docs.append(self._managed(ref, PolicyKind.IDENTITY, resource.id))
        names = {
            resource.id,
            *(v for v in (resource.name, resource.arn, resource.aws_id) if isinstance(v, str)),
        }
        for policy in self.inventory.of(ManagedPolicy):
            if policy.id in seen:
                continue
            holders = (
                policy.roles
                if isinstance(resource, Role)
                else policy.users
                if isinstance(resource, User)
                else policy.groups
            )
            if any(isinstance(h, str) and h in names for h in holders):
                docs.append(self.book.document(policy.document, PolicyKind.IDENTITY, policy.id))
        return docs

    def _managed(self, ref: Val[str], kind: PolicyKind, owner: str) -> PolicyDocument:
        if isinstance(ref, Unresolved):
            return self.book.opaque(
                kind, f"{owner} {kind.value}", f"a policy reference is unresolved ({ref.reason})"
            )
        policy = self.inventory.find(ref, ManagedPolicy)
        if policy is not None:
            return self.book.document(policy.document, kind, policy.id)
        name = managed_name(ref)
        if name is not None:
            return self.book.aws_managed(name, kind)
        return self.book.opaque(kind, ref, f"customer managed policy {ref} is not in the inventory")

    def root(self, account: str | None = None) -> Subject:
        """The root user of the workload account (or of ``account``)."""
        owner = account or self.account
        return Subject(Principal.root(owner), (), None, "the account root user")

    def unlisted(self) -> Subject:
        """A role of the workload account that the inventory does not list (full access)."""
        key = "\x00unlisted"
        found = self._subjects.get(key)
        if found is None:
            arn = f"arn:aws:iam::{self.account}:role/{UNLISTED_NAME}"
            full = self.book.synthetic(FULL_ACCESS, PolicyKind.IDENTITY, "full access (assumed)")
            principal = Principal(arn, self.account, PrincipalKind.ROLE)
            label = "a principal of the workload account outside this inventory"
            found = self._subjects[key] = Subject(principal, (full,), None, label)
        return found

    def unlisted_variants(self, docs: Iterable[PolicyDocument | None]) -> list[Subject]:
        """:meth:`unlisted`, and one copy per principal tag value the documents test (an
        unlisted principal may carry any tag; one tag at a time)."""
        base = self.unlisted()
        found: dict[tuple[str, str], None] = {}
        for doc in docs:
            for stmt in doc.statements if doc is not None else ():
                for clause in stmt.conditions:
                    if clause.key.startswith("aws:principaltag/") and not clause.variables:
                        tag = clause.key_as_written.split("/", 1)[1]
                        found.update(dict.fromkeys((tag, v) for v in clause.values))
        variants = [base]
        for tag, value in list(found)[:MAX_TAG_VARIANTS]:
            principal = replace(base.principal, tags={tag: value})
            label = f"{base.label} tagged {tag}={value}"
            variants.append(replace(base, principal=principal, label=label))
        return variants

    def unlisted_context(self, also_known: Iterable[str] = ()) -> dict[str, ContextInput]:
        """Context for :meth:`unlisted`: any principal ARN but those the inventory lists."""
        known = {s.principal.arn for s in self.subjects()}
        known.update(for_evaluator(a) for a in also_known)
        return {"aws:PrincipalArn": Excluding.of(sorted(known), allow_absent=False)}

    def named_by(self, doc: PolicyDocument | None, action: str, subject: Subject) -> bool:
        """Whether an Allow of ``doc`` for ``action`` may name ``subject`` itself (not only its
        account): ``*``, its ARN or a session of it, or a principal it cannot read."""
        if doc is None:
            return False
        names = self._allowed(doc, action)
        if None in names or "*" in names:
            return True
        principal = subject.principal
        if principal.arn in names:
            return True
        sessions = principal.session_arns()
        return bool(sessions) and any(
            isinstance(n, str) and n.startswith(sessions[0]) for n in names
        )

    def names_explicitly(self, doc: PolicyDocument | None, action: str, subject: Subject) -> bool:
        """Whether an Allow of ``doc`` for ``action`` names ``subject`` by ARN (a session of
        it, or for the root user its account) -- not through ``*``."""
        if doc is None:
            return False
        names = self._allowed(doc, action)
        principal = subject.principal
        own = {principal.arn}
        if principal.kind is PrincipalKind.ROOT and principal.account:
            own.add(principal.account)
        if own & names:
            return True
        sessions = principal.session_arns()
        return bool(sessions) and any(
            isinstance(n, str) and n.startswith(sessions[0]) for n in names
        )

    def named(self, doc: PolicyDocument | None, action: str) -> list[Subject]:
        """The listed subjects an Allow of ``doc`` for ``action`` may name itself (see
        :meth:`named_by`), found from the names rather than by asking every subject."""
        if doc is None:
            return []
        names = self._allowed(doc, action)
        if None in names or "*" in names:
            return self.subjects()
        by_arn = self._by_arn()
        found = [by_arn[n] for n in names if n is not None and n in by_arn]
        if any(n is not None and ":assumed-role/" in n for n in names):
            found += [s for s in self.subjects() if self.named_by(doc, action, s)]
        return list({id(s): s for s in found}.values())

    def _by_arn(self) -> dict[str, Subject]:
        if self._arns is None:
            self._arns = {s.principal.arn: s for s in self.subjects()}
        return self._arns

    def _allowed(self, doc: PolicyDocument, action: str) -> frozenset[str | None]:
        key = (id(doc), action)
        names = self._names.get(key)
        if names is None:
            names = self._names[key] = _allowed_names(doc, action)
        return names


def _allowed_names(doc: PolicyDocument, action: str) -> frozenset[str | None]:
    """Principal values the Allow statements of ``doc`` for ``action`` name (None: a
    statement whose Principal cannot be read)."""
    found: set[str | None] = set()
    for stmt in doc.statements_for(action):
        if stmt.effect is not None and stmt.effect.value == "Deny":
            continue
        if stmt.principals is None:
            found.add(None)
            continue
        found.update(entry.value for entry in stmt.principals)
    return frozenset(found)
