#!/usr/bin/env bash
# Set up and scan the bundled examples: a compliant and a leaky deployment, as a
# CloudFormation template and as a Terraform plan. No AWS account is needed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 2
status=0
for example in \
  "cloudformation examples/cloudformation/compliant.yaml" \
  "terraform-plan examples/terraform/compliant.plan.json" \
  "cloudformation examples/cloudformation/leaky.yaml" \
  "terraform-plan examples/terraform/leaky.plan.json"; do
  set -- $example
  echo
  echo "\$ airlock scan --from $1 $2 --regime ndpa,gdpr"
  .venv/bin/airlock scan --from "$1" "$2" --regime ndpa,gdpr
  code=$?
  echo "(exit code $code)"
  case "$2" in
    *compliant*) [ "$code" -eq 0 ] || status=1 ;;
    *leaky*) [ "$code" -eq 1 ] || status=1 ;;
  esac
done
exit $status
