"""Airlock: prove that an Amazon Bedrock deployment is private."""

__version__ = "0.1.0"
