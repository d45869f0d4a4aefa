"""Airlock's AWS authorization evaluator (pure standard library).

The question it answers: *is there any request context in which principal P can perform
action A on resource R?* — ALLOW with one concrete counterexample context, DENY, or UNKNOWN
when some part of a policy is not understood (fail closed, with the reason).

Inputs::

    from airlock.analysis.policy import (
        ABSENT, Excluding, PolicyDocument, PolicyKind, PolicySet, Principal, PrincipalKind, can,
    )

    role = Principal("arn:aws:iam::111122223333:role/app", "111122223333", PrincipalKind.ROLE,
                     {"team": "ml"})
    policies = PolicySet(
        identity=(PolicyDocument.parse(inline_json, PolicyKind.IDENTITY, "app-inline"),),
        scps=((PolicyDocument.parse(full_access, PolicyKind.SCP, "FullAWSAccess"),),
              (PolicyDocument.parse(perimeter, PolicyKind.SCP, "network-perimeter"),)),
    )
    answer = can(role, "bedrock:InvokeModel", model_arn, policies,
                 fixed_context={"aws:SourceVpce": Excluding.of(["vpce-0abc"])})
    answer.status          # Verdict.ALLOW / DENY / UNKNOWN
    answer.counterexample  # {"aws:SourceVpce": ABSENT, "aws:ViaAWSService": "false", ...}
    answer.deciding        # (StatementRef(policy="app-inline", index=0, ...), ...)
    answer.reason          # one sentence

* :class:`PolicyDocument` — ``parse`` (lenient: a string that is not JSON or a document with
  unsupported elements gives a document whose ``issues`` make answers UNKNOWN) and
  ``parse_strict`` (raises :class:`~airlock.errors.PolicyError`).
* :class:`Principal` — ARN, account, :class:`PrincipalKind`, tags (plus org, session name,
  service-linked flag). It fixes the principal-side keys.
* :class:`PolicySet` — the layers: identity, boundary, session, SCP levels, RCPs, resource
  policy (its kind: ``RESOURCE``, ``KEY_POLICY``, ``TRUST``), KMS :class:`Grant` s, VPC
  :class:`Endpoint` s with their policies, resource account.
* ``fixed_context`` — per key a value, :data:`ABSENT`, or :class:`Excluding`; other keys that
  conditions mention are free.

Queries: :func:`can`, :func:`can_each`, :func:`can_any` (sets of actions and resources),
:func:`evaluate` (one concrete context), :func:`who_can` (which principals can do it).
Helpers: :func:`open_principals`, :func:`statement_count`, :func:`policy_size_bytes`,
:data:`KEY_POLICY_SIZE_LIMIT`.

Performance: answers are remembered per request *shape* (:mod:`.memo`, :mod:`.fastpath`), so
thousands of roles sharing SCPs and managed policies cost little more than one. The caches are
per process and bounded; :func:`clear_caches` empties them. They are not thread-safe: use
processes for parallelism.

Semantics follow the AWS IAM evaluation logic; see :mod:`.decision` (layers),
:mod:`.condition` (operators, missing keys), :mod:`.principal` (who a resource policy names),
:mod:`.candidates` and :mod:`.network` (the enumeration).
"""

from __future__ import annotations

from .answer import Answer, Verdict
from .context import ABSENT, Absent, ContextInput, Excluding
from .document import Effect, PolicyDocument, PolicyKind, Statement, StatementRef
from .exposure import OpenPrincipal, open_principals
from .policy_set import Endpoint, Grant, Identity, PolicySet
from .principal import Principal, PrincipalKind
from .query import can, can_any, can_each, clear_caches, evaluate
from .size import KEY_POLICY_SIZE_LIMIT, inert_statements, policy_size_bytes, statement_count
from .who_can import Access, who_can

__all__ = [
    "ABSENT",
    "KEY_POLICY_SIZE_LIMIT",
    "Absent",
    "Access",
    "Answer",
    "ContextInput",
    "Effect",
    "Endpoint",
    "Excluding",
    "Grant",
    "Identity",
    "OpenPrincipal",
    "PolicyDocument",
    "PolicyKind",
    "PolicySet",
    "Principal",
    "PrincipalKind",
    "Statement",
    "StatementRef",
    "Verdict",
    "can",
    "can_any",
    "can_each",
    "clear_caches",
    "evaluate",
    "inert_statements",
    "open_principals",
    "policy_size_bytes",
    "statement_count",
    "who_can",
]
