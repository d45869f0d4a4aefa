"""Evaluator inputs built from the inventory: deploy-time tokens, unreadable documents."""

from __future__ import annotations

from control_fixtures import U, allow, doc

from airlock.analysis.policy import PolicyKind, PolicySet, Principal, Verdict, can
from airlock.controls.deploy_tokens import for_evaluator, shown, shown_value, unwritten_arn
from airlock.controls.policy_documents import DocumentBook

KEY = "arn:aws:kms:${AWS::Region}:${AWS::AccountId}:key/${DataKey}"


def test_pseudo_parameter_tokens_lose_their_colons_and_come_back() -> None:
    inside = for_evaluator(KEY)
    assert inside.count(":") == 5 and "${DataKey}" in inside
    assert shown(inside) == KEY
    assert shown(for_evaluator("${AWS::StackName}-logs")) == "${AWS::StackName}-logs"
    assert shown_value({"k": [for_evaluator("${AWS::AccountId}")]}) == {"k": ["${AWS::AccountId}"]}


def test_token_arns_match_segment_wildcards() -> None:
    # `*` in an ARN's account segment never crosses a colon; a token with colons would
    # have defeated it
    book = DocumentBook()
    grant = book.document(
        doc(allow("kms:Decrypt", "arn:aws:kms:*:*:key/*")), PolicyKind.IDENTITY, "p"
    )
    account = for_evaluator("${AWS::AccountId}")
    role = Principal.role(f"arn:aws:iam::{account}:role/app")
    answer = can(role, "kms:Decrypt", for_evaluator(KEY), PolicySet(identity=(grant,)))
    assert answer.status is Verdict.ALLOW


def test_unresolved_values_make_answers_unknown_and_are_named() -> None:
    book = DocumentBook()
    lost = book.document(doc(allow("kms:Decrypt", U)), PolicyKind.IDENTITY, "app")
    role = Principal.role("arn:aws:iam::111122223333:role/app")
    answer = can(
        role,
        "kms:Decrypt",
        "arn:aws:kms:eu-central-1:111122223333:key/k",
        PolicySet(identity=(lost,)),
    )
    assert answer.status is Verdict.UNKNOWN
    assert book.explain(answer) == (
        "cannot decide: statement 0 of policy app holds an unresolved value (from parameter KeyArn)"
    )
    whole = book.document(U, PolicyKind.IDENTITY, "other")
    answer = can(role, "kms:Decrypt", "*", PolicySet(identity=(whole,)))
    assert answer.status is Verdict.UNKNOWN
    assert "policy other cannot be read: the policy is unresolved" in book.explain(answer)


def test_unknown_aws_managed_policies_grant_but_never_deny() -> None:
    book = DocumentBook()
    unknown = book.aws_managed("ReadOnlyAccess", PolicyKind.IDENTITY)
    deny_all = book.document(
        doc({"Effect": "Deny", "Action": "*", "Resource": "*"}), PolicyKind.IDENTITY, "deny"
    )
    role = Principal.role("arn:aws:iam::111122223333:role/app")
    alone = can(role, "s3:GetObject", "arn:aws:s3:::b/k", PolicySet(identity=(unknown,)))
    assert alone.status is Verdict.UNKNOWN
    assert "not in Airlock's table" in book.explain(alone)
    both = can(role, "s3:GetObject", "arn:aws:s3:::b/k", PolicySet(identity=(unknown, deny_all)))
    assert both.status is Verdict.DENY


def test_the_written_statement_is_shown_for_a_reference() -> None:
    book = DocumentBook()
    written = doc(allow("kms:Decrypt", "*"))
    parsed = book.document(written, PolicyKind.IDENTITY, "App/app", "app")
    shown_ref = book.written(parsed.statements[0].ref)
    assert shown_ref == {
        "ref": "identity 'App/app' statement 0",
        "policy": "app",
        "statement": written["Statement"][0],
    }


def test_an_arn_nobody_wrote_out_is_unresolved_not_literal() -> None:
    # `!GetAtt Thing.ThingArn` of a type Airlock has no ARN format for: as literal text it
    # would match nothing, so the Allow would grant nothing
    book = DocumentBook()
    grant = book.document(
        doc(allow("bedrock:InvokeAgent", "${Thing.ThingArn}")), PolicyKind.IDENTITY, "app"
    )
    role = Principal.role("arn:aws:iam::111122223333:role/app")
    target = "arn:aws:bedrock:eu-central-1:111122223333:agent-alias/A/B"
    answer = can(role, "bedrock:InvokeAgent", target, PolicySet(identity=(grant,)))
    assert answer.status is Verdict.UNKNOWN
    assert "${Thing.ThingArn} stands for an ARN known only after deployment" in book.explain(answer)
    # nor does a Deny naming it deny nothing
    allow_all = book.document(doc(allow("bedrock:*", "*")), PolicyKind.IDENTITY, "all")
    deny = book.document(
        doc({"Effect": "Deny", "Action": "bedrock:*", "Resource": "${Thing.ThingArn}"}),
        PolicyKind.IDENTITY,
        "deny",
    )
    both = PolicySet(identity=(allow_all, deny))
    assert can(role, "bedrock:InvokeAgent", target, both).status is Verdict.UNKNOWN


def test_which_tokens_stand_for_unwritten_arns() -> None:
    assert unwritten_arn("${Thing.ThingArn}") is not None
    assert unwritten_arn("${Thing.Arn}/*") is not None
    assert unwritten_arn("${Thing}", resource=True) is not None  # Ref in Resource: an ARN
    # ids and names written the same way on both sides stay literal
    assert unwritten_arn("${Endpoint}") is None
    assert unwritten_arn("${Guardrail.GuardrailId}") is None
    assert unwritten_arn("arn:aws:kms:${AWS::Region}:${AWS::AccountId}:key/${Key}") is None
    assert unwritten_arn("${AWS::AccountId}", resource=True) is None
    book = DocumentBook()
    pinned = book.document(
        doc(
            allow(
                "bedrock:InvokeModel",
                "*",
                Condition={"StringEquals": {"aws:SourceVpce": "${Endpoint}"}},
            )
        ),
        PolicyKind.IDENTITY,
        "pinned",
    )
    role = Principal.role("arn:aws:iam::111122223333:role/app")
    answer = can(role, "bedrock:InvokeModel", "*", PolicySet(identity=(pinned,)))
    assert answer.status is Verdict.ALLOW
