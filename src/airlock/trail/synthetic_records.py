"""Record builders for the synthetic trail: identities and CloudTrail records.

Shapes follow ``reference/audit.md`` §2 (eventVersion 1.11 envelopes, assumed-role session
contexts, STS minting events, data events with ``resources``). Bedrock calls and their
invocation logs are built in ``synthetic_bedrock``.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from airlock.trail.layout import format_iso

if TYPE_CHECKING:
    from airlock.trail.synthetic import TrailSpec

# --- identities -------------------------------------------------------------------------------


def access_key(name: str, region: str, hour: int, *, long_term: bool = False) -> str:
    """The access key a principal uses in a region during a generated hour."""
    digest = hashlib.sha256(f"{name}/{region}/{hour if not long_term else 0}".encode()).hexdigest()
    body = "".join(chr(ord("A") + int(c, 16) % 26) if c.isalpha() else c for c in digest[:16])
    return ("AKIA" if long_term else "ASIA") + body.upper()


def uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def role_identity(spec: TrailSpec, role: str, session: str, key: str) -> dict[str, Any]:
    role_id = "AROA" + hashlib.sha1(role.encode()).hexdigest()[:17].upper()
    return {
        "type": "AssumedRole",
        "principalId": f"{role_id}:{session}",
        "arn": f"arn:aws:sts::{spec.account}:assumed-role/{role}/{session}",
        "accountId": spec.account,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": role_id,
                "arn": f"arn:aws:iam::{spec.account}:role/{role}",
                "accountId": spec.account,
                "userName": role,
            },
            "attributes": {"creationDate": format_iso(spec.start), "mfaAuthenticated": "false"},
        },
    }


def user_identity(spec: TrailSpec, user: str, key: str) -> dict[str, Any]:
    return {
        "type": "IAMUser",
        "principalId": "AIDA" + hashlib.sha1(user.encode()).hexdigest()[:17].upper(),
        "arn": f"arn:aws:iam::{spec.account}:user/{user}",
        "accountId": spec.account,
        "accessKeyId": key,
        "userName": user,
    }


class Actor(Struct, frozen=True):
    name: str
    identity: dict[str, Any]
    vpce: bool
    source_ip: str


def actors(spec: TrailSpec, region: str, hour: int) -> tuple[list[Actor], Actor, Actor | None]:
    """Workload callers of the hour, the legacy user, and the contractor (last hour only)."""
    app = Actor(
        "claims-genai-app",
        role_identity(
            spec,
            "claims-genai-app",
            "claims-svc-7f9c",
            access_key("claims-genai-app", region, hour),
        ),
        True,
        "10.42.3.17",
    )
    workloads = [app]
    for n in range(spec.services):
        name = f"svc-{n:03d}"
        workloads.append(
            Actor(
                name,
                role_identity(spec, name, f"i-{n:017x}", access_key(name, region, hour)),
                True,
                f"10.42.{4 + n % 200}.{10 + n % 240}",
            )
        )
    legacy = Actor(
        "legacy-batch",
        user_identity(spec, "legacy-batch", access_key("legacy-batch", region, 0, long_term=True)),
        False,
        "203.0.113.7",
    )
    contractor = None
    if hour == spec.hours - 1:
        contractor = Actor(
            "contractor-x",
            role_identity(
                spec, "contractor-x", "contractor", access_key("contractor-x", region, hour)
            ),
            True,
            "10.42.9.99",
        )
    return workloads, legacy, contractor


# --- records ------------------------------------------------------------------------------------


def envelope(
    spec: TrailSpec,
    rng: random.Random,
    region: str,
    when: datetime,
    identity: dict[str, Any],
    source: str,
    name: str,
    *,
    source_ip: str,
    read_only: bool,
    category: str = "Management",
) -> dict[str, Any]:
    return {
        "eventVersion": "1.11",
        "userIdentity": identity,
        "eventTime": format_iso(when),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": source_ip,
        "userAgent": "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux#5.10.223 md/arch#x86_64 "
        "lang/python#3.12.3 md/pyimpl#CPython cfg/retry-mode#standard",
        "requestParameters": None,
        "responseElements": None,
        "requestID": uuid(rng),
        "eventID": uuid(rng),
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": category == "Management",
        "recipientAccountId": spec.account,
        "eventCategory": category,
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com",
        },
    }


def other_event(
    spec: TrailSpec, rng: random.Random, region: str, when: datetime, actor: Actor
) -> dict[str, Any]:
    kind = rng.randrange(6)
    ident = actor.identity
    ip = actor.source_ip
    if kind == 0:
        obj = f"claims/2026/{rng.randrange(1, 13):02d}/claim-{rng.randrange(10**6):06d}.pdf"
        r = envelope(
            spec,
            rng,
            region,
            when,
            ident,
            "s3.amazonaws.com",
            "GetObject",
            source_ip=ip,
            read_only=True,
            category="Data",
        )
        r["requestParameters"] = {
            "bucketName": "claims-documents",
            "Host": "claims-documents.s3.eu-west-1.amazonaws.com",
            "key": obj,
        }
        r["additionalEventData"] = {
            "SignatureVersion": "SigV4",
            "CipherSuite": "TLS_AES_128_GCM_SHA256",
            "bytesTransferredIn": 0,
            "AuthenticationMethod": "AuthHeader",
            "x-amz-id-2": hashlib.sha256(obj.encode()).hexdigest()[:60],
            "bytesTransferredOut": rng.randrange(1000, 10**6),
        }
        r["resources"] = [
            {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::claims-documents/{obj}"},
            {
                "accountId": spec.account,
                "type": "AWS::S3::Bucket",
                "ARN": "arn:aws:s3:::claims-documents",
            },
        ]
        if actor.vpce:
            r["vpcEndpointId"] = "vpce-0f00d5e3b0c1a2b3c"
        return r
    if kind == 1:
        r = envelope(
            spec,
            rng,
            region,
            when,
            ident,
            "kms.amazonaws.com",
            "Decrypt",
            source_ip=ip,
            read_only=True,
        )
        r["requestParameters"] = {
            "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
            "encryptionContext": {"aws:s3:arn": "arn:aws:s3:::claims-documents"},
        }
        r["resources"] = [
            {
                "accountId": spec.account,
                "type": "AWS::KMS::Key",
                "ARN": f"arn:aws:kms:{region}:{spec.account}:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
            }
        ]
        return r
    if kind == 2:
        r = envelope(
            spec,
            rng,
            region,
            when,
            ident,
            "ec2.amazonaws.com",
            "DescribeInstances",
            source_ip=ip,
            read_only=True,
        )
        r["requestParameters"] = {
            "instancesSet": {},
            "filterSet": {
                "items": [
                    {"name": "tag:Workload", "valueSet": {"items": [{"value": "claims"}]}},
                    {"name": "instance-state-name", "valueSet": {"items": [{"value": "running"}]}},
                ]
            },
        }
        return r
    if kind == 3:
        r = envelope(
            spec,
            rng,
            region,
            when,
            ident,
            "logs.amazonaws.com",
            "CreateLogStream",
            source_ip=ip,
            read_only=False,
        )
        r["requestParameters"] = {
            "logGroupName": "/aws/bedrock/claims",
            "logStreamName": uuid(rng),
        }
        return r
    if kind == 4:
        r = envelope(
            spec,
            rng,
            region,
            when,
            ident,
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            source_ip=ip,
            read_only=True,
        )
        r["requestParameters"] = {
            "secretId": f"arn:aws:secretsmanager:{region}:{spec.account}:secret:claims/db-AbCdEf"
        }
        return r
    r = envelope(
        spec,
        rng,
        region,
        when,
        ident,
        "sts.amazonaws.com",
        "GetCallerIdentity",
        source_ip=ip,
        read_only=True,
    )
    return r


def assume_role(
    spec: TrailSpec,
    rng: random.Random,
    region: str,
    when: datetime,
    caller: dict[str, Any],
    role: str,
    session: str,
    minted: str,
    *,
    source_ip: str,
) -> dict[str, Any]:
    r = envelope(
        spec,
        rng,
        region,
        when,
        caller,
        "sts.amazonaws.com",
        "AssumeRole",
        source_ip=source_ip,
        read_only=True,
    )
    role_arn = f"arn:aws:iam::{spec.account}:role/{role}"
    r["requestParameters"] = {
        "roleArn": role_arn,
        "roleSessionName": session,
        "durationSeconds": 3600,
    }
    r["responseElements"] = {
        "credentials": {
            "accessKeyId": minted,
            "sessionToken": "<redacted>",
            "expiration": format_iso(when + timedelta(hours=1)),
        },
        "assumedRoleUser": {
            "assumedRoleId": f"AROA{role.upper()[:8]}:{session}",
            "arn": f"arn:aws:sts::{spec.account}:assumed-role/{role}/{session}",
        },
    }
    r["resources"] = [{"accountId": spec.account, "type": "AWS::IAM::Role", "ARN": role_arn}]
    return r


def mint_events(
    spec: TrailSpec, rng: random.Random, region: str, hour: int, when: datetime
) -> list[dict[str, Any]]:
    """The STS events that minted this hour's temporary keys."""
    events: list[dict[str, Any]] = []
    ops_key = access_key("BedrockOperators", region, hour)
    saml = envelope(
        spec,
        rng,
        region,
        when,
        {
            "type": "SAMLUser",
            "principalId": "SAMLProviderBank:alice@bank.example",
            "userName": "alice@bank.example",
            "identityProvider": f"arn:aws:iam::{spec.account}:saml-provider/BankIdP",
        },
        "sts.amazonaws.com",
        "AssumeRoleWithSAML",
        source_ip="198.51.100.23",
        read_only=True,
    )
    ops_arn = f"arn:aws:iam::{spec.account}:role/BedrockOperators"
    saml["requestParameters"] = {
        "roleArn": ops_arn,
        "principalArn": f"arn:aws:iam::{spec.account}:saml-provider/BankIdP",
        "durationSeconds": 3600,
    }
    saml["responseElements"] = {
        "credentials": {
            "accessKeyId": ops_key,
            "sessionToken": "<redacted>",
            "expiration": format_iso(when + timedelta(hours=1)),
        },
        "assumedRoleUser": {
            "assumedRoleId": "AROAOPS:alice@bank.example",
            "arn": f"arn:aws:sts::{spec.account}:assumed-role/BedrockOperators/alice@bank.example",
        },
        "subject": "alice@bank.example",
        "subjectType": "persistent",
        "issuer": "https://idp.bank.example/saml",
        "audience": "https://signin.aws.amazon.com/saml",
        "nameQualifier": "Qq2S0sQ8pYz0fBNr0XNEh0L0Dk4=",
    }
    saml["userAgent"] = "aws-internal/3 aws-sdk-java/1.12.772"
    events.append(saml)
    ops_identity = role_identity(spec, "BedrockOperators", "alice@bank.example", ops_key)
    events.append(
        assume_role(
            spec,
            rng,
            region,
            when + timedelta(seconds=2),
            ops_identity,
            "claims-genai-app",
            "claims-svc-7f9c",
            access_key("claims-genai-app", region, hour),
            source_ip="198.51.100.23",
        )
    )
    ec2 = {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}
    for n in range(spec.services):
        name = f"svc-{n:03d}"
        r = assume_role(
            spec,
            rng,
            region,
            when + timedelta(seconds=3),
            ec2,
            name,
            f"i-{n:017x}",
            access_key(name, region, hour),
            source_ip="ec2.amazonaws.com",
        )
        events.append(r)
    if hour == spec.hours - 1:
        contractor = user_identity(
            spec, "contractor", access_key("contractor", region, 0, long_term=True)
        )
        events.append(
            assume_role(
                spec,
                rng,
                region,
                when + timedelta(seconds=4),
                contractor,
                "contractor-x",
                "contractor",
                access_key("contractor-x", region, hour),
                source_ip="192.0.2.44",
            )
        )
    return events
