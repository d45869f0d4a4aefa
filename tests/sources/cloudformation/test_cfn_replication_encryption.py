"""S3 replication of KMS-encrypted objects: SourceSelectionCriteria and ReplicaKmsKeyID."""

from __future__ import annotations

from airlock.inventory.encryption import S3Bucket
from airlock.inventory.model import Unresolved

from .conftest import Loader, resources


def test_replication_rules_opt_in_to_kms_encrypted_objects(load_yaml: Loader) -> None:
    inventory = load_yaml(
        resources("""\
        Logs:
          Type: AWS::S3::Bucket
          Properties:
            BucketEncryption:
              ServerSideEncryptionConfiguration:
                - ServerSideEncryptionByDefault: {SSEAlgorithm: aws:kms, KMSMasterKeyID: !Ref Key}
            ReplicationConfiguration:
              Role: arn:aws:iam::111122223333:role/replication
              Rules:
                - Id: opted-in
                  Status: Enabled
                  SourceSelectionCriteria:
                    SseKmsEncryptedObjects: {Status: Enabled}
                  Destination:
                    Bucket: arn:aws:s3:::audit-archive
                    EncryptionConfiguration: {ReplicaKmsKeyID: !GetAtt ReplicaKey.Arn}
                - Id: declined
                  Status: Enabled
                  SourceSelectionCriteria:
                    SseKmsEncryptedObjects: {Status: Disabled}
                  Destination:
                    Bucket: arn:aws:s3:::audit-archive
                    EncryptionConfiguration:
                      ReplicaKmsKeyID: arn:aws:kms:eu-central-1:444455556666:key/k
                - Id: silent
                  Status: Enabled
                  Destination: {Bucket: arn:aws:s3:::audit-archive}
                - Id: chosen
                  Status: Enabled
                  SourceSelectionCriteria:
                    SseKmsEncryptedObjects: {Status: !Ref KmsStatus}
                  Destination:
                    Bucket: arn:aws:s3:::audit-archive
                    EncryptionConfiguration: {ReplicaKmsKeyID: !Ref ReplicaKeyArn}
        Key:
          Type: AWS::KMS::Key
        ReplicaKey:
          Type: AWS::KMS::Key
        """)
        + "Parameters: {KmsStatus: {Type: String}, ReplicaKeyArn: {Type: String}}\n"
    )
    logs = inventory.get("Logs", S3Bucket)
    assert logs is not None and isinstance(logs.replication, tuple)
    opted, declined, silent, chosen = logs.replication
    assert (opted.sse_kms_objects, opted.replica_kms_key) == (True, "ReplicaKey")
    assert declined.sse_kms_objects is False
    assert declined.replica_kms_key == "arn:aws:kms:eu-central-1:444455556666:key/k"
    assert (silent.sse_kms_objects, silent.replica_kms_key) == (None, None)
    assert isinstance(chosen.sse_kms_objects, Unresolved)
    assert isinstance(chosen.replica_kms_key, Unresolved)  # set, to a key chosen at deploy time
