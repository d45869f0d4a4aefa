"""`airlock scan` end to end: exit codes, formats, and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airlock.cli import main

ROOT = Path(__file__).resolve().parents[2]
CFN_COMPLIANT = ROOT / "examples" / "cloudformation" / "compliant.yaml"
CFN_LEAKY = ROOT / "examples" / "cloudformation" / "leaky.yaml"


def _one_line_error(capsys: pytest.CaptureFixture[str], needle: str) -> None:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert needle in err


@pytest.mark.parametrize("source", ["cloudformation", "terraform-plan"])
def test_missing_file_is_exit_2_naming_the_file(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.json"
    assert main(["scan", "--from", source, str(missing)]) == 2
    _one_line_error(capsys, str(missing))


@pytest.mark.parametrize("source", ["cloudformation", "terraform-plan"])
def test_directory_is_exit_2(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "--from", source, str(tmp_path)]) == 2
    _one_line_error(capsys, str(tmp_path))


@pytest.mark.parametrize("source", ["cloudformation", "terraform-plan"])
def test_empty_file_is_exit_2(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert main(["scan", "--from", source, str(empty)]) == 2
    _one_line_error(capsys, str(empty))


def test_malformed_yaml_names_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("Resources:\n  A:\n    Type: AWS::S3::Bucket\n   Properties: [\n")
    assert main(["scan", "--from", "cloudformation", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_malformed_plan_json_names_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text('{\n  "format_version": "1.2",\n  "planned_values": {,\n}\n')
    assert main(["scan", "--from", "terraform-plan", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3" in err
    assert len(err.strip().splitlines()) == 1


def test_template_given_as_plan_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--from", "terraform-plan", str(CFN_COMPLIANT)]) == 2
    _one_line_error(capsys, str(CFN_COMPLIANT))


def test_unknown_regime_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--from", "cloudformation", str(CFN_COMPLIANT), "--regime", "sox"]) == 2
    _one_line_error(capsys, "unknown regime 'sox'")


def test_bad_flag_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--from", "pulumi", str(CFN_COMPLIANT)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_output_refuses_to_overwrite_the_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "t.yaml"
    copy.write_text(CFN_COMPLIANT.read_text())
    before = copy.read_bytes()
    assert main(["scan", "--from", "cloudformation", str(copy), "--output", str(copy)]) == 2
    assert copy.read_bytes() == before


def test_leaky_example_fails_with_exit_1_and_json_output(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    code = main(
        [
            "scan",
            "--from",
            "cloudformation",
            str(CFN_LEAKY),
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )
    assert code == 1
    doc = json.loads(out.read_text())
    assert doc["summary"]["FAIL"] > 0


def test_compliant_example_exit_0_and_strict_exit_3_when_unknown(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    assert (
        main(
            [
                "scan",
                "--from",
                "cloudformation",
                str(CFN_COMPLIANT),
                "--format",
                "json",
                "--output",
                str(out),
                "--regime",
                "ndpa",
            ]
        )
        == 0
    )
    doc = json.loads(out.read_text())
    assert doc["summary"]["FAIL"] == 0
    strict = main(
        [
            "scan",
            "--from",
            "cloudformation",
            str(CFN_COMPLIANT),
            "--strict",
            "--output",
            str(out),
            "--regime",
            "ndpa",
        ]
    )
    assert strict == (3 if doc["summary"]["UNKNOWN"] else 0)


def test_scan_restores_the_garbage_collector(tmp_path: Path) -> None:
    import gc

    assert gc.isenabled()
    out = tmp_path / "o.json"
    main(
        [
            "scan",
            "--from",
            "cloudformation",
            str(CFN_LEAKY),
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )
    assert gc.isenabled() and json.loads(out.read_text(encoding="utf-8"))["findings"]
    assert main(["scan", "--from", "cloudformation", str(tmp_path / "missing.yaml")]) == 2
    assert gc.isenabled()


def test_jobs_accepts_one_or_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--from", "cloudformation", str(CFN_LEAKY), "--jobs", "3"]) == 2
    _one_line_error(capsys, "--jobs")


def test_two_jobs_write_the_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from airlock.controls import parallel

    monkeypatch.setattr(parallel, "usable", lambda: True)
    reports = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}.json"
        args = ["scan", "--from", "cloudformation", str(CFN_LEAKY), "--format", "json"]
        assert main([*args, "--output", str(out), "--jobs", jobs]) == 1
        reports.append(out.read_text(encoding="utf-8"))
    assert reports[0] == reports[1]


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_the_installed_entry_point_flushes_its_report_before_leaving(fmt: str) -> None:
    """``airlock`` leaves with os._exit (no heap teardown): nothing written may be lost."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "from airlock.cli import run; run()", "scan", "--from",
         "cloudformation", str(CFN_LEAKY), "--format", fmt],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    if fmt == "json":
        assert json.loads(done.stdout)["summary"]["FAIL"] > 0
    else:
        assert done.stdout.rstrip().splitlines()[-1].startswith("Summary:")


def test_template_deploy_values_can_be_pinned(tmp_path: Path) -> None:
    """--region/--account/--parameter pin what a template leaves to deploy time, so the
    residency controls can decide; a plan refuses them (it has its values)."""
    out = tmp_path / "pinned.json"
    args = ["scan", "--from", "cloudformation", str(CFN_COMPLIANT), "--format", "json"]
    assert main([*args, "--output", str(out), "--regime", "gdpr"]) == 0
    floating = json.loads(out.read_text(encoding="utf-8"))
    pinned_args = ["--region", "eu-central-1", "--account", "123456789012", "--regime", "gdpr"]
    assert main([*args, "--output", str(out), *pinned_args]) == 0
    pinned = json.loads(out.read_text(encoding="utf-8"))
    assert pinned["scope"]["region"] == "eu-central-1" and floating["scope"]["region"] is None

    def residency(doc: dict[str, object]) -> dict[str, str]:
        found = doc["findings"]
        assert isinstance(found, list)
        return {f["resource"]["id"]: f["status"] for f in found if f["control_id"] == "AL-RES-001"}

    assert "UNKNOWN" in residency(floating).values()
    assert set(residency(pinned).values()) == {"PASS"}


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--parameter", "NoSuchParameter=1"], "declares no parameter named NoSuchParameter"),
        (["--parameter", "novalue"], "is not KEY=VALUE"),
        (["--account", "12345"], "12-digit"),
    ],
)
def test_bad_pins_are_usage_errors(
    extra: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "--from", "cloudformation", str(CFN_COMPLIANT), *extra]) == 2
    _one_line_error(capsys, needle)


def test_a_plan_refuses_template_pins(capsys: pytest.CaptureFixture[str]) -> None:
    plan = ROOT / "examples" / "terraform" / "compliant.plan.json"
    assert main(["scan", "--from", "terraform-plan", str(plan), "--region", "eu-west-1"]) == 2
    _one_line_error(capsys, "a Terraform plan already carries them")


def test_a_parameter_value_outside_its_allowed_values_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """CloudFormation refuses the stack: a mistyped environment must not read as clean."""
    template = tmp_path / "t.yaml"
    template.write_text(
        "Parameters:\n"
        "  Environment: {Type: String, AllowedValues: [dev, prod], Default: prod}\n"
        "  Zones: {Type: CommaDelimitedList, AllowedValues: [a, b], Default: a}\n"
        "  FlowLogs: {Type: String, AllowedValues: [true, false], Default: 'true'}\n"
        "Resources:\n"
        "  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}\n",
        encoding="utf-8",
    )
    args = ["scan", "--from", "cloudformation", str(template), "--format", "json"]
    out = str(tmp_path / "o.json")
    assert main([*args, "--output", out, "--parameter", "Environment=dev"]) in (0, 1)
    assert main([*args, "--output", out, "--parameter", "Zones=a, b"]) in (0, 1)
    assert main([*args, "--output", out, "--parameter", "FlowLogs=false"]) in (0, 1)
    capsys.readouterr()
    assert main([*args, "--parameter", "Environment=staging"]) == 2
    _one_line_error(capsys, "'staging' is not one of its AllowedValues (dev, prod)")
    assert main([*args, "--parameter", "Zones=a,c"]) == 2
    _one_line_error(capsys, "'c' is not one of its AllowedValues")
    assert main([*args, "--parameter", "FlowLogs=True"]) == 2  # CloudFormation compares text
    _one_line_error(capsys, "(true, false)")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this platform")
@pytest.mark.parametrize("to_file", [False, True], ids=["stdout", "output"])
def test_a_report_that_cannot_be_written_is_one_line_and_exit_2(to_file: bool) -> None:
    import subprocess
    import sys

    args = ["scan", "--from", "cloudformation", str(CFN_LEAKY), "--format", "json"]
    if to_file:
        args += ["--output", "/dev/full"]
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-c", "from airlock.cli import run; run()", *args],
            stdout=full, stderr=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "cannot write" in done.stderr and "No space left on device" in done.stderr
