"""The audit trail: read CloudTrail and Bedrock invocation logs, prove them intact, answer
incident questions from them.

``source`` reads a local folder (the bucket's key layout plus metadata sidecars) or S3;
``integrity`` proves digest chains and log-file hashes; ``ingest`` loads a DuckDB ``store``;
``queries`` and ``scope`` answer the incident questions; ``fetch`` copies a trail for evidence.
"""
