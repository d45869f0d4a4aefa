"""The values an intrinsic function can resolve to, besides plain JSON data.

* :class:`Symbol` -- a value CloudFormation only knows at deploy time but that we can still
  *name*: a pseudo parameter (``AWS::Region``), or the physical id / ARN of a resource declared
  in the template. ``text`` is how it is written inside strings and policy documents (a
  deploy-time token such as ``${AWS::Region}`` or a synthetic ARN); ``target`` is the logical
  id of the template resource it identifies, so relations can join on it.
* :class:`~airlock.inventory.Unresolved` -- a value that cannot be known or named
  (``Fn::ImportValue``, a parameter without a default, ``Fn::GetAZs``...).
* :data:`NO_VALUE` -- ``AWS::NoValue``: the enclosing property or list item is removed.
"""

from __future__ import annotations

from enum import Enum

from msgspec import Struct

from airlock.inventory.model import has_deploy_token


class Symbol(Struct, frozen=True):
    """A deploy-time value that can be named but not known (see the module docstring)."""

    text: str
    reason: str
    target: str | None = None

    @property
    def known(self) -> bool:
        """True when ``text`` is the real value (a literal bucket name, say)."""
        return not has_deploy_token(self.text)


class NoValue(Enum):
    """``AWS::NoValue``."""

    NO_VALUE = "AWS::NoValue"


NO_VALUE = NoValue.NO_VALUE
