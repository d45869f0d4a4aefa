#!/usr/bin/env bash
# Set up and scan the bundled examples: a compliant and a leaky deployment, as a
# CloudFormation template and as a Terraform plan. No AWS account is needed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 2
status=0
# A template leaves its region and account to deploy time; the demo pins them as a deployment
# pipeline would (a plan already carries its own).
pins="--region eu-central-1 --account 123456789012"
for example in \
  "cloudformation examples/cloudformation/compliant.yaml" \
  "terraform-plan examples/terraform/compliant.plan.json" \
  "cloudformation examples/cloudformation/leaky.yaml" \
  "terraform-plan examples/terraform/leaky.plan.json"; do
  set -- $example
  extra=""
  [ "$1" = cloudformation ] && extra="$pins"
  echo
  echo "\$ airlock scan --from $1 $2 --regime ndpa,gdpr $extra"
  # shellcheck disable=SC2086  # $extra is a list of flags
  .venv/bin/airlock scan --from "$1" "$2" --regime ndpa,gdpr $extra
  code=$?
  echo "(exit code $code)"
  case "$2" in
    *compliant*) [ "$code" -eq 0 ] || status=1 ;;
    *leaky*) [ "$code" -eq 1 ] || status=1 ;;
  esac
done
exit $status
