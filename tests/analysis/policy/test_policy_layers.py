"""The layered decision, re-derived from the AWS evaluation-logic pages (our own wording).

Single account: explicit deny wins; SCP levels, boundary and session policy cap; identity or
resource policy grants (the principal-type table); KMS key policies and trust policies must
allow. Cross account: both sides must allow.
"""

from __future__ import annotations

from policy_fixtures import (
    ACCOUNT,
    BUCKET,
    FULL_ACCESS_SCP,
    KEY,
    MODEL,
    OBJECT,
    OTHER,
    ROLE_ARN,
    USER_ARN,
    allow,
    deny,
    doc,
    role,
    stmt,
    user,
)

from airlock.analysis.policy import (
    Endpoint,
    Grant,
    PolicyKind,
    PolicySet,
    Principal,
    PrincipalKind,
    Verdict,
    can,
    evaluate,
)

ALLOW, DENY, UNKNOWN = Verdict.ALLOW, Verdict.DENY, Verdict.UNKNOWN


def test_identity_allow_grants_and_default_is_deny() -> None:
    assert (
        can(role(), "s3:GetObject", OBJECT, PolicySet(identity=(allow("s3:GetObject"),))).status
        is ALLOW
    )
    answer = can(role(), "s3:GetObject", OBJECT, PolicySet())
    assert answer.status is DENY and "no identity-based policy" in answer.reason


def test_explicit_deny_overrides_allow_and_names_the_statement() -> None:
    ps = PolicySet(identity=(allow("s3:*"), deny("s3:DeleteObject", name="guard")))
    answer = can(role(), "s3:DeleteObject", OBJECT, ps)
    assert answer.status is DENY
    assert answer.deciding[0].policy == "guard" and "explicitly denied" in answer.reason


def test_actions_are_case_insensitive_resources_case_sensitive() -> None:
    # fakecloud #2382: a miscased action in a Deny still denies.
    ps = PolicySet(identity=(allow("s3:*"), deny("s3:deleteobject")))
    assert can(role(), "s3:DeleteObject", OBJECT, ps).status is DENY
    # PMapper #7: resource matching is case-sensitive.
    ps = PolicySet(identity=(allow("s3:GetObject", "arn:aws:s3:::Audit-Logs/*"),))
    assert can(role(), "s3:GetObject", OBJECT, ps).status is DENY


def test_not_action_and_not_resource() -> None:
    ps = PolicySet(identity=(doc(stmt("Allow", None, "*", NotAction="iam:*")),))
    assert can(role(), "bedrock:InvokeModel", MODEL, ps).status is ALLOW
    assert can(role(), "iam:CreateUser", "*", ps).status is DENY
    ps = PolicySet(
        identity=(doc(stmt("Allow", "s3:*", None, NotResource=[BUCKET, f"{BUCKET}/*"])),)
    )
    assert can(role(), "s3:GetObject", OBJECT, ps).status is DENY
    assert can(role(), "s3:GetObject", "arn:aws:s3:::other/x", ps).status is ALLOW
    # IAMSpy: NotResource with two entries must not match everything.
    ps = PolicySet(
        identity=(
            allow("s3:*"),
            doc(stmt("Deny", "s3:*", None, NotResource=["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"])),
        )
    )
    assert can(role(), "s3:GetObject", "arn:aws:s3:::a/k", ps).status is ALLOW
    assert can(role(), "s3:GetObject", "arn:aws:s3:::c/k", ps).status is DENY


def test_every_scp_level_must_allow() -> None:
    only_s3 = allow("s3:*", kind=PolicyKind.SCP, name="S3Only")
    ps = PolicySet(identity=(allow(),), scps=((FULL_ACCESS_SCP,), (only_s3,)))
    assert can(role(), "s3:GetObject", OBJECT, ps).status is ALLOW
    answer = can(role(), "kms:Decrypt", KEY, ps)
    assert answer.status is DENY and "SCPs at level 2" in answer.reason
    # Union within a level.
    ps = PolicySet(
        identity=(allow(),),
        scps=((FULL_ACCESS_SCP,), (only_s3, allow("kms:*", kind=PolicyKind.SCP))),
    )
    assert can(role(), "kms:Decrypt", KEY, ps).status is ALLOW


def test_scps_apply_to_member_root_but_not_to_service_linked_roles() -> None:
    deny_all = deny(kind=PolicyKind.SCP, name="DenyAll")
    ps = PolicySet(scps=((FULL_ACCESS_SCP, deny_all),))
    assert can(Principal.root(ACCOUNT), "s3:GetObject", OBJECT, ps).status is DENY
    slr = role(arn=f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/x", service_linked=True)
    assert (
        can(slr, "s3:GetObject", OBJECT, PolicySet(identity=(allow(),), scps=((deny_all,),))).status
        is ALLOW
    )


def test_permissions_boundary_and_session_policy_cap_identity_policies() -> None:
    ps = PolicySet(identity=(allow(),), boundary=allow("s3:*", kind=PolicyKind.BOUNDARY))
    assert can(role(), "s3:GetObject", OBJECT, ps).status is ALLOW
    answer = can(role(), "kms:Decrypt", KEY, ps)
    assert answer.status is DENY and "permissions boundary" in answer.reason
    ps = PolicySet(
        identity=(allow("s3:*"),), session=allow("s3:GetObject", kind=PolicyKind.SESSION)
    )
    assert can(role(), "s3:GetObject", OBJECT, ps).status is ALLOW
    assert can(role(), "s3:PutObject", OBJECT, ps).status is DENY


def bucket_policy(
    principal: object, action: str = "s3:GetObject", effect: str = "Allow"
) -> PolicySet:
    return PolicySet(
        resource_policy=doc(
            stmt(effect, action, f"{BUCKET}/*", Principal={"AWS": principal}),
            kind=PolicyKind.RESOURCE,
            name="bucket",
        ),
        resource_account=ACCOUNT,
    )


def test_same_account_resource_policy_naming_a_user_needs_no_identity_policy() -> None:
    ps = bucket_policy(USER_ARN)
    assert can(user(), "s3:GetObject", OBJECT, ps).status is ALLOW


def test_resource_policy_naming_a_role_is_capped_by_its_boundary() -> None:
    ps = bucket_policy(ROLE_ARN)
    assert can(role(), "s3:GetObject", OBJECT, ps).status is ALLOW
    capped = PolicySet(
        boundary=allow("kms:*", kind=PolicyKind.BOUNDARY),
        resource_policy=ps.resource_policy,
        resource_account=ACCOUNT,
    )
    assert can(role(), "s3:GetObject", OBJECT, capped).status is DENY


def test_resource_policy_naming_a_role_session_bypasses_the_boundary() -> None:
    session_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/build-42"
    ps = PolicySet(
        boundary=allow("kms:*", kind=PolicyKind.BOUNDARY),
        resource_policy=bucket_policy(session_arn).resource_policy,
        resource_account=ACCOUNT,
    )
    assert can(role(session_name="build-42"), "s3:GetObject", OBJECT, ps).status is ALLOW
    assert can(role(session_name="other"), "s3:GetObject", OBJECT, ps).status is DENY


def test_resource_policy_naming_the_account_only_delegates() -> None:
    ps = bucket_policy(f"arn:aws:iam::{ACCOUNT}:root")
    assert can(role(), "s3:GetObject", OBJECT, ps).status is DENY
    with_iam = PolicySet(
        identity=(allow("s3:GetObject"),),
        resource_policy=ps.resource_policy,
        resource_account=ACCOUNT,
    )
    assert can(role(), "s3:GetObject", OBJECT, with_iam).status is ALLOW


def test_cross_account_needs_both_sides() -> None:
    outsider = Principal.role(f"arn:aws:iam::{OTHER}:role/reader")
    rp = bucket_policy(OTHER).resource_policy
    only_rp = PolicySet(resource_policy=rp, resource_account=ACCOUNT)
    assert can(outsider, "s3:GetObject", OBJECT, only_rp).status is DENY
    only_iam = PolicySet(identity=(allow("s3:GetObject"),), resource_account=ACCOUNT)
    answer = can(outsider, "s3:GetObject", OBJECT, only_iam)
    assert answer.status is DENY and "cross-account" in answer.reason
    both = PolicySet(
        identity=(allow("s3:GetObject"),), resource_policy=rp, resource_account=ACCOUNT
    )
    assert can(outsider, "s3:GetObject", OBJECT, both).status is ALLOW


def test_unknown_resource_account_with_a_resource_policy_is_unknown() -> None:
    ps = PolicySet(
        identity=(allow("s3:GetObject"),), resource_policy=bucket_policy(OTHER).resource_policy
    )
    assert can(role(), "s3:GetObject", OBJECT, ps).status is UNKNOWN


def key_policy(*statements: dict[str, object]) -> PolicySet:
    return PolicySet(resource_policy=doc(*statements, kind=PolicyKind.KEY_POLICY, name="default"))


ROOT_STATEMENT = stmt(
    "Allow",
    "kms:*",
    "*",
    Sid="Enable IAM User Permissions",
    Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
)


def test_kms_key_policy_root_statement_enables_iam_policies() -> None:
    kp = key_policy(ROOT_STATEMENT).resource_policy
    assert can(role(), "kms:Decrypt", KEY, PolicySet(resource_policy=kp)).status is DENY
    assert (
        can(
            role(),
            "kms:Decrypt",
            KEY,
            PolicySet(identity=(allow("kms:Decrypt"),), resource_policy=kp),
        ).status
        is ALLOW
    )


def test_kms_without_root_delegation_iam_policies_are_ineffective_but_denies_apply() -> None:
    kp = key_policy(stmt("Allow", "kms:Decrypt", "*", Principal={"AWS": ROLE_ARN})).resource_policy
    assert can(role(), "kms:Decrypt", KEY, PolicySet(resource_policy=kp)).status is ALLOW
    other = role(arn=f"arn:aws:iam::{ACCOUNT}:role/other")
    answer = can(
        other, "kms:Decrypt", KEY, PolicySet(identity=(allow("kms:*"),), resource_policy=kp)
    )
    assert answer.status is DENY and "key-policy" in answer.reason
    denied = PolicySet(identity=(deny("kms:Decrypt"),), resource_policy=kp)
    assert can(role(), "kms:Decrypt", KEY, denied).status is DENY


def test_key_policy_statement_without_action_has_no_effect() -> None:
    kp = key_policy(stmt("Allow", None, "*", Sid="no action", Principal={"AWS": ROLE_ARN}))
    assert kp.resource_policy is not None and kp.resource_policy.statements[0].inert
    assert can(role(), "kms:Decrypt", KEY, kp).status is DENY


def test_kms_grant_allows_its_grantee_with_its_constraints() -> None:
    kp = key_policy(ROOT_STATEMENT).resource_policy
    grant = Grant("g-1", ROLE_ARN, ("Decrypt",), {"purpose": "audit"})
    ps = PolicySet(resource_policy=kp, grants=(grant,))
    answer = can(role(), "kms:Decrypt", KEY, ps)
    assert answer.status is ALLOW and answer.counterexample is not None
    assert answer.counterexample["kms:EncryptionContext:purpose"] == "audit"
    assert "grant g-1" in {ref.policy for ref in answer.deciding}
    assert can(role(), "kms:Encrypt", KEY, ps).status is DENY
    assert (
        can(
            role(), "kms:Decrypt", KEY, ps, fixed_context={"kms:EncryptionContext:purpose": "x"}
        ).status
        is DENY
    )


def test_role_trust_policy_must_allow_assume_role() -> None:
    trust = doc(
        stmt("Allow", "sts:AssumeRole", None, Principal={"Service": "ec2.amazonaws.com"}),
        kind=PolicyKind.TRUST,
        name="trust",
    )
    target = f"arn:aws:iam::{ACCOUNT}:role/target"
    assert (
        can(
            Principal.service("ec2.amazonaws.com"),
            "sts:AssumeRole",
            target,
            PolicySet(resource_policy=trust),
        ).status
        is ALLOW
    )
    ps = PolicySet(identity=(allow("sts:AssumeRole"),), resource_policy=trust)
    assert can(role(), "sts:AssumeRole", target, ps).status is DENY


def test_not_principal_deny_always_hits_principals_with_a_boundary() -> None:
    rp = doc(
        stmt("Allow", "s3:GetObject", f"{BUCKET}/*", Principal={"AWS": ROLE_ARN}),
        stmt(
            "Deny",
            "s3:*",
            f"{BUCKET}/*",
            NotPrincipal={
                "AWS": [
                    f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s",
                    f"arn:aws:iam::{ACCOUNT}:root",
                ]
            },
        ),
        kind=PolicyKind.RESOURCE,
        name="bucket",
    )
    plain = PolicySet(resource_policy=rp, resource_account=ACCOUNT)
    assert can(role(session_name="s"), "s3:GetObject", OBJECT, plain).status is ALLOW
    assert can(role(session_name="t"), "s3:GetObject", OBJECT, plain).status is DENY
    bounded = PolicySet(
        resource_policy=rp, resource_account=ACCOUNT, boundary=allow(kind=PolicyKind.BOUNDARY)
    )
    assert can(role(session_name="s"), "s3:GetObject", OBJECT, bounded).status is DENY


def test_not_principal_with_allow_fails_closed() -> None:
    from airlock.analysis.policy import PolicyDocument

    rp = PolicyDocument.parse(
        {"Statement": [stmt("Allow", "s3:*", "*", NotPrincipal={"AWS": ROLE_ARN})]},
        PolicyKind.RESOURCE,
        "bad",
    )
    assert rp.all_issues
    answer = can(
        role(), "s3:GetObject", OBJECT, PolicySet(resource_policy=rp, resource_account=ACCOUNT)
    )
    assert answer.status is UNKNOWN and "NotPrincipal" in answer.reason


def test_bucket_owner_root_can_change_a_bucket_policy_that_denies_it() -> None:
    rp = doc(
        stmt("Deny", "s3:*", [BUCKET, f"{BUCKET}/*"], Principal="*"),
        kind=PolicyKind.RESOURCE,
        name="lock",
    )
    ps = PolicySet(resource_policy=rp, resource_account=ACCOUNT)
    root = Principal.root(ACCOUNT)
    assert can(root, "s3:PutBucketPolicy", BUCKET, ps).status is ALLOW
    assert can(root, "s3:DeleteObjectVersion", OBJECT, ps).status is DENY
    with_scp = PolicySet(
        resource_policy=rp,
        resource_account=ACCOUNT,
        scps=((FULL_ACCESS_SCP, deny("s3:PutBucketPolicy", kind=PolicyKind.SCP)),),
    )
    assert can(root, "s3:PutBucketPolicy", BUCKET, with_scp).status is DENY


def test_rcp_denies_apply_and_full_access_is_implicit() -> None:
    rcp = deny(
        "s3:*",
        Principal="*",
        kind=PolicyKind.RCP,
        name="rcp",
        Condition={"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-ours"}},
    )
    ps = PolicySet(identity=(allow("s3:*"),), rcps=(rcp,), resource_account=ACCOUNT)
    inside = role(org_id="o-ours")
    outside = Principal.role(f"arn:aws:iam::{OTHER}:role/x", org_id="o-theirs")
    assert can(inside, "s3:GetObject", OBJECT, ps).status is ALLOW
    assert can(outside, "s3:GetObject", OBJECT, ps).status is DENY


def test_endpoint_policy_applies_only_on_its_path() -> None:
    ep = Endpoint(
        "vpce-1",
        allow("s3:GetObject", Principal="*", kind=PolicyKind.ENDPOINT, name="ep"),
        vpc_id="vpc-1",
    )
    ps = PolicySet(identity=(allow("s3:*"),), endpoints=(ep,))
    through = can(role(), "s3:PutObject", OBJECT, ps, fixed_context={"aws:SourceVpce": "vpce-1"})
    assert through.status is DENY and "endpoint policy" in through.reason
    anywhere = can(role(), "s3:PutObject", OBJECT, ps)
    assert anywhere.status is ALLOW and anywhere.counterexample is not None
    assert anywhere.counterexample["aws:SourceVpce"] != "vpce-1"


def test_wildcard_resource_request_asks_about_some_resource() -> None:
    # "Any object in the bucket": an Allow on a prefix overlaps; a Deny on the same prefix
    # leaves nothing; a Deny on a narrower prefix leaves the rest.
    ps = PolicySet(identity=(allow("s3:DeleteObjectVersion", f"{BUCKET}/logs/*"),))
    answer = can(role(), "s3:DeleteObjectVersion", f"{BUCKET}/*", ps)
    assert answer.status is ALLOW and answer.resource.startswith(f"{BUCKET}/logs/")
    same = PolicySet(identity=(*ps.identity, deny("s3:DeleteObjectVersion", f"{BUCKET}/logs/*")))
    assert can(role(), "s3:DeleteObjectVersion", f"{BUCKET}/*", same).status is DENY
    narrower = PolicySet(
        identity=(*ps.identity, deny("s3:DeleteObjectVersion", f"{BUCKET}/logs/secret/*"))
    )
    assert can(role(), "s3:DeleteObjectVersion", f"{BUCKET}/*", narrower).status is ALLOW


def test_resource_variables() -> None:
    home = allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*")
    ps = PolicySet(identity=(home,))
    assert can(user(), "s3:GetObject", "arn:aws:s3:::home/alice/x", ps).status is ALLOW
    assert can(user(), "s3:GetObject", "arn:aws:s3:::home/bob/x", ps).status is DENY
    # Roles have no aws:username: the entry matches nothing.
    assert can(role(), "s3:GetObject", "arn:aws:s3:::home/alice/x", ps).status is DENY


def test_evaluate_is_concrete() -> None:
    ps = PolicySet(identity=(allow("s3:*", Condition={"Bool": {"aws:SecureTransport": "true"}}),))
    assert (
        evaluate(role(), "s3:GetObject", OBJECT, ps, {"aws:SecureTransport": True}).status is ALLOW
    )
    assert evaluate(role(), "s3:GetObject", OBJECT, ps, {}).status is DENY


def test_service_and_anonymous_callers_need_a_resource_policy() -> None:
    rp = doc(
        stmt(
            "Allow",
            "s3:PutObject",
            f"{BUCKET}/*",
            Principal={"Service": "cloudtrail.amazonaws.com"},
        ),
        kind=PolicyKind.RESOURCE,
        name="bucket",
    )
    ps = PolicySet(resource_policy=rp, resource_account=ACCOUNT)
    assert (
        can(Principal.service("cloudtrail.amazonaws.com"), "s3:PutObject", OBJECT, ps).status
        is ALLOW
    )
    assert can(Principal.service("config.amazonaws.com"), "s3:PutObject", OBJECT, ps).status is DENY
    public = doc(
        stmt("Allow", "s3:GetObject", f"{BUCKET}/*", Principal="*"),
        kind=PolicyKind.RESOURCE,
        name="public",
    )
    anon = Principal.anonymous()
    assert anon.kind is PrincipalKind.ANONYMOUS
    assert (
        can(
            anon,
            "s3:GetObject",
            OBJECT,
            PolicySet(resource_policy=public, resource_account=ACCOUNT),
        ).status
        is ALLOW
    )
