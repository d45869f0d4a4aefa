"""The Terraform plan source: ``terraform show -json <planfile>`` output to an Inventory.

Inventory ids are Terraform addresses: ``aws_vpc.main``, ``module.net.aws_subnet.private[0]``,
``module.net["eu"].aws_subnet.private["a"]`` (module instance keys and count/for_each keys as
Terraform prints them). Every relation names such an address when it can be resolved, else the
literal value (``vpc-0abc``), else an :class:`~airlock.inventory.Unresolved` with the reason.

What the plan means, and what this source decides:

* **Values** come from ``resource_changes[].change.after`` (merged with ``planned_values``).
  Unknown until apply (``after_unknown``) is ``Unresolved("known after apply: <address>.<attr>")``
  -- except an argument the configuration omits (or builds only from variables and constants),
  which the provider computes from a null: that is "not set" (``None``), the AWS default.
  Sensitive values are printed in plain text by ``terraform show -json`` and used as they are;
  redacted ones (null or a redaction marker under ``after_sensitive``) are Unresolved.
* **A plan is a change.** ``["delete"]`` resources are not in the inventory, and a deleted
  configuring resource takes its effect with it (see :mod:`.assembly` and the per-service
  modules for what the provider leaves behind). Replacements keep the resource. ``forget``
  (``removed`` blocks) leaves the resource in AWS, so it stays, with its last values; so do
  deleted ``aws_default_*`` adopters (Terraform only forgets them).
* **Relations** follow configuration references (:mod:`.resolver`): inside modules, through
  module outputs (also read at one key: ``module.m.ids["a"]``) and variables, ``each.value``,
  and relation-like attributes of other resources (``aws_subnet.a.vpc_id`` names the VPC).
  A reference to a ``count``/``for_each`` resource without a key names the instance with the
  referrer's own key when it exists, else every instance: a single relation then becomes an
  Unresolved "one of ..."; a list relation keeps every instance, unless its expression
  indexes by ``count.index``/``each.key`` (then it takes the same-key instance too). Known
  values become the address of the plan resource with that id/ARN/name (:mod:`.identities`),
  else stay as written; unknown values with no reference to follow are Unresolved.
* **Split resources** are folded into what they configure (``configured_by`` lists them); see
  :mod:`.registry` for the full table. One whose target is not in the plan, or cannot be
  identified, is a coverage gap (scope: its type; resource id: its address, and the subnet's
  address for an unplaceable route table / network ACL association).
* **VPC defaults** (main route table, default network ACL and security group) are synthesized
  when the plan does not adopt them (:mod:`.defaults`).
* **Region/account** (:mod:`.providers`): the resource's ARN or v6 ``region`` argument, else its
  provider's configuration; the source's from the default ``aws`` provider.
* **Bad input** raises :class:`~airlock.errors.InputError` (:mod:`.reading`); nothing else
  escapes :func:`load`.
"""

from __future__ import annotations

from airlock.errors import AirlockError, InputError
from airlock.inventory.model import Inventory
from airlock.sources.terraform_plan.build import build_inventory
from airlock.sources.terraform_plan.reading import read_document

__all__ = ["load"]


def load(path: str) -> Inventory:
    """Read a ``terraform show -json`` plan file into an inventory."""
    document, text = read_document(path)
    try:
        return build_inventory(path, document, text)
    except AirlockError:
        raise
    except RecursionError:
        raise InputError(path, "the plan is nested too deeply to read") from None
    except Exception as err:  # a plan shape we did not foresee must not become a traceback
        raise InputError(
            path, f"could not interpret the plan ({type(err).__name__}: {err})"
        ) from None
