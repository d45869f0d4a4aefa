"""Inventory policy documents as the policy evaluator reads them, and back again for evidence.

:class:`DocumentBook` parses each document of a scan once (a managed policy attached to 400
roles is one :class:`~airlock.analysis.policy.PolicyDocument`) and remembers, per document
name, the statements as the source wrote them, so that a finding can show the deciding
statement itself rather than its position.

Parts the evaluator cannot read never disappear silently:

* an :class:`~airlock.inventory.model.Unresolved` value inside a document becomes JSON
  ``null`` there, which the evaluator rejects as malformed, so the statement -- and every
  answer it could change -- is UNKNOWN; :meth:`DocumentBook.explain` names the unresolved
  value instead of the parser's complaint;
* a document that is unresolved as a whole, or a policy the inventory does not hold (a
  customer managed policy or boundary of another stack), is *opaque*: it may allow or deny
  anything;
* an AWS managed policy outside Airlock's table (:mod:`airlock.controls.aws_managed`) may
  grant anything but is taken to deny nothing (AWS managed policies a workload uses hold no
  Deny), so it can turn a DENY into UNKNOWN but not an ALLOW.

Deploy-time tokens are replaced by stand-ins on the way in (:mod:`.deploy_tokens`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from msgspec import Struct, field

from airlock.analysis.policy import Answer, PolicyDocument, PolicyKind, StatementRef, Verdict
from airlock.analysis.policy.condition import OPERATORS, Comparison, Family, split_operator
from airlock.controls.aws_managed import KNOWN
from airlock.controls.deploy_tokens import for_evaluator, shown, unwritten_arn
from airlock.inventory.model import Unresolved

#: AWS managed policies the evaluator knows besides :data:`airlock.controls.aws_managed.KNOWN`
#: (the part that matters to Airlock's questions, as of the same date)
EXTRA_KNOWN: Mapping[str, tuple[Mapping[str, Any], ...]] = {
    "AmazonBedrockReadOnly": (
        {"Effect": "Allow", "Action": ["bedrock:Get*", "bedrock:List*"], "Resource": "*"},
    ),
    "AWSKeyManagementServicePowerUser": (
        {
            "Effect": "Allow",
            "Action": [
                "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*",
                "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*",
                "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
                "kms:CancelKeyDeletion",
            ],
            "Resource": "*",
        },
    ),
}  # fmt: skip
_UNKNOWN_GRANTS = "AirlockUnknownGrants"


class Written(Struct, frozen=True):
    """What a source wrote for one evaluated document."""

    display: str  # the name a user knows it by (inline policy name, managed policy id)
    statements: tuple[Any, ...]  # the statements as written (with Unresolved leaves)
    unresolved: Mapping[int, str] = field(default_factory=dict)  # statement index -> reason
    whole: str | None = None  # the document cannot be read at all: why


def _translate(value: Any, found: list[str], resource: bool = False, own_ids: bool = False) -> Any:
    """Tokens to stand-ins; Unresolved leaves and unwritten ARNs to null (reasons collected).
    ``own_ids``: unresolved endpoint and VPC ids compared exactly are opaque literals
    (:func:`_condition`)."""
    if isinstance(value, Unresolved):
        found.append(value.reason)
        return None
    if isinstance(value, str):
        why = unwritten_arn(value, resource)
        if why is not None:
            found.append(why)
            return None
        return for_evaluator(value)
    if isinstance(value, Mapping):
        return {
            for_evaluator(str(k)): _condition(v, found)
            if own_ids and k == "Condition" and isinstance(v, Mapping)
            else _translate(v, found, k in ("Resource", "NotResource"), own_ids)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_translate(v, found, resource, own_ids) for v in value]
    return value


#: exact-match operators (with IfExists and set prefixes stripped) and the network keys whose
#: unresolved values are still known to be one specific id of the deployment's own network
#: the string comparisons without patterns (StringEquals, StringNotEquals, IgnoreCase forms)
_EXACT = frozenset({Comparison.EQUALS, Comparison.EQUALS_IGNORE_CASE})
_OWN_NETWORK_KEYS = frozenset({"aws:sourcevpce", "aws:sourcevpc"})


def _condition(block: Mapping[str, Any], found: list[str]) -> dict[str, Any]:
    """A Condition block of an identity, resource or organization policy, where an unresolved
    endpoint or VPC id compared exactly and known to be one value (an
    ``Fn::ImportValue`` of the network stack's endpoint) becomes an opaque literal: whatever
    it is, it is one id of the deployment's own network, so it matches neither an absent key
    (a request from the internet) nor the fresh id of someone else's endpoint -- exactly as a
    literal id does. Under ``*Like`` operators it may be a pattern, so it stays unresolved."""
    out: dict[str, Any] = {}
    for operator, keys in block.items():
        spec = OPERATORS.get(split_operator(str(operator))[1])
        exact = spec is not None and spec[0] is Family.STRING and spec[1] in _EXACT
        if not exact or not isinstance(keys, Mapping):
            out[for_evaluator(str(operator))] = _translate(keys, found)
            continue
        out[for_evaluator(str(operator))] = {
            for_evaluator(str(key)): _opaque(values, found)
            if str(key).lower() in _OWN_NETWORK_KEYS
            else _translate(values, found)
            for key, values in keys.items()
        }
    return out


def _opaque(values: Any, found: list[str]) -> Any:
    """Only a value known to be exactly one scalar is an opaque id: any other unresolved value
    may be a list of ids, or nothing at all (``Fn::If`` with ``AWS::NoValue`` drops the key,
    and a missing key under StringNotEquals denies nothing), so it stays unresolved."""
    if isinstance(values, Unresolved):
        if not values.single:
            found.append(values.reason)
            return None
        return f"unresolved-id({values.reason})"
    if isinstance(values, list | tuple):
        return [_opaque(v, found) for v in values]
    if isinstance(values, str):
        return for_evaluator(values)
    return values


def _statements_of(document: Mapping[str, Any]) -> tuple[Any, ...]:
    raw = document.get("Statement")
    if isinstance(raw, Mapping):
        return (raw,)
    if isinstance(raw, list | tuple):
        return tuple(raw)
    return ()


class DocumentBook:
    """Evaluator documents for one scan, parsed once, with what was written."""

    def __init__(self) -> None:
        self._parsed: dict[tuple[int, str, str], tuple[object, PolicyDocument]] = {}
        self._written: dict[str, Written] = {}

    def _unique(self, name: str) -> str:
        if name not in self._written:
            return name
        count = 2
        while f"{name} #{count}" in self._written:
            count += 1
        return f"{name} #{count}"

    def document(
        self, value: object, kind: PolicyKind, name: str, display: str | None = None
    ) -> PolicyDocument:
        """The evaluator document for a policy value (a dict, a JSON string, Unresolved)."""
        key = (id(value), kind.value, name)
        cached = self._parsed.get(key)
        if cached is not None and cached[0] is value:
            return cached[1]
        doc = self._parse(value, kind, self._unique(name), display or name)
        self._parsed[key] = (value, doc)  # keep ``value`` alive so that its id stays unique
        return doc

    def attached(self, value: object, kind: PolicyKind, name: str) -> PolicyDocument:
        """The document of a resource (key, bucket, trust, endpoint policy) named ``name``
        ("key policy"): documents with the same content are parsed once and share one
        evaluator document, so that answers about them are reused."""
        content = json.dumps(value, sort_keys=True, default=repr)
        key = (0, kind.value, f"attached:{name}:{content}")
        cached = self._parsed.get(key)
        if cached is not None:
            return cached[1]
        doc = self._parse(value, kind, self._unique(name), name)
        self._parsed[key] = (value, doc)
        return doc

    def _parse(self, value: object, kind: PolicyKind, name: str, display: str) -> PolicyDocument:
        if isinstance(value, Unresolved):
            return self._opaque(kind, name, f"the policy is unresolved ({value.reason})", display)
        loaded: object = value
        if isinstance(value, str | bytes):
            try:
                loaded = json.loads(value)
            except (json.JSONDecodeError, UnicodeDecodeError):
                self._written[name] = Written(display, ())
                return PolicyDocument.parse(value, kind, name)
        if not isinstance(loaded, Mapping):
            return self._opaque(kind, name, "the policy is not a JSON object", display)
        raw = loaded.get("Statement")
        if isinstance(raw, Unresolved):
            reason = f"its statements are unresolved ({raw.reason})"
            return self._opaque(kind, name, reason, display)
        written = _statements_of(loaded)
        unresolved: dict[int, str] = {}
        statements: list[Any] = []
        for index, stmt in enumerate(written):
            reasons: list[str] = []
            # an endpoint policy is asked with its own endpoint's id, which an opaque id
            # would never equal: there an unresolved id stays unresolved
            statements.append(_translate(stmt, reasons, own_ids=kind is not PolicyKind.ENDPOINT))
            if reasons:
                unresolved[index] = reasons[0]
        ignored: list[str] = []
        translated = {
            for_evaluator(str(k)): _translate(v, ignored)
            for k, v in loaded.items()
            if k != "Statement"
        }
        if "Statement" in loaded:
            translated["Statement"] = statements[0] if isinstance(raw, Mapping) else statements
        self._written[name] = Written(display, written, unresolved)
        return PolicyDocument.parse(translated, kind, name)

    def _opaque(self, kind: PolicyKind, name: str, reason: str, display: str) -> PolicyDocument:
        self._written[name] = Written(display, (), {}, reason)
        return PolicyDocument.parse({"Statement": None}, kind, name)

    def opaque(self, kind: PolicyKind, name: str, reason: str) -> PolicyDocument:
        """A document that may allow or deny anything (the evaluator answers UNKNOWN)."""
        return self._opaque(kind, self._unique(name), reason, name)

    def unknown_grants(self, kind: PolicyKind, name: str, reason: str) -> PolicyDocument:
        """A document that may allow anything but denies nothing."""
        unique = self._unique(name)
        self._written[unique] = Written(name, (), {}, reason)
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {_UNKNOWN_GRANTS: {"airlock:policy": name}},
                }
            ],
        }
        return PolicyDocument.parse(document, kind, unique)

    def aws_managed(self, name: str, kind: PolicyKind) -> PolicyDocument:
        """An AWS managed policy by name: its known statements, or unknown grants."""
        key = (0, kind.value, f"aws-managed:{name}")
        cached = self._parsed.get(key)
        if cached is not None:
            return cached[1]
        statements = KNOWN.get(name)
        if statements is None:
            statements = EXTRA_KNOWN.get(name)
        if statements is None:
            reason = f"AWS managed policy {name} is not in Airlock's table"
            doc = self.unknown_grants(kind, name, reason)
        else:
            unique = self._unique(name)
            document = {"Version": "2012-10-17", "Statement": [dict(s) for s in statements]}
            self._written[unique] = Written(name, tuple(document["Statement"]))
            doc = PolicyDocument.parse(document, kind, unique)
        self._parsed[key] = (None, doc)
        return doc

    def synthetic(self, document: Mapping[str, Any], kind: PolicyKind, name: str) -> PolicyDocument:
        """A document Airlock assumes (the default key policy, FullAWSAccess...)."""
        key = (0, kind.value, f"synthetic:{name}")
        cached = self._parsed.get(key)
        if cached is not None:
            return cached[1]
        unique = self._unique(name)
        self._written[unique] = Written(name, _statements_of(document))
        doc = PolicyDocument.parse(_translate(document, []), kind, unique)
        self._parsed[key] = (None, doc)
        return doc

    # --- evidence -----------------------------------------------------------------------

    def written(self, ref: StatementRef) -> dict[str, Any]:
        """The deciding statement as the source wrote it, with the policy it belongs to."""
        found = self._written.get(ref.policy)
        out: dict[str, Any] = {"ref": shown(str(ref))}
        if found is None:
            return out
        out["policy"] = found.display
        if 0 <= ref.index < len(found.statements):
            out["statement"] = found.statements[ref.index]
        elif found.whole is not None:
            out["unreadable"] = found.whole
        return out

    def explain(self, answer: Answer) -> str:
        """The answer's reason, naming unresolved values instead of parser complaints."""
        reason = answer.reason
        if answer.status is not Verdict.UNKNOWN:
            return shown(reason)
        for match in _REF.finditer(reason):
            found = self._written.get(match.group(1))
            if found is None:
                continue
            if found.whole is not None:
                why = f"policy {found.display} cannot be read: {found.whole}"
                return shown(f"cannot decide: {why}")
            why_index = found.unresolved.get(int(match.group(2)))
            if why_index is not None:
                where = f"statement {match.group(2)} of policy {found.display}"
                return shown(f"cannot decide: {where} holds an unresolved value ({why_index})")
        return shown(reason)


_REF = re.compile(r"'([^']*)' statement (\d+)")
