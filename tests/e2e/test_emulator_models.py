"""The emulator's typed shapes come from the botocore models: the checked-in Rust matches the
trimmed models, and the models' constraints reach real clients as the service's own errors."""

import pathlib
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError

from emulator_support import emulator  # noqa: F401  (fixture)

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_generated_shapes_match_the_checked_in_models():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen-emulator-models.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_model_ranges_and_enums_are_validation_errors(emulator):
    ssm = emulator.client("ssm")
    with pytest.raises(ClientError) as caught:
        ssm.get_parameters_by_path(Path="/app", MaxResults=11)
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "1 validation error detected: Value '11' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 10"
    )
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name="/app/x", Value="v", Type="Text")
    message = caught.value.response["Error"]["Message"]
    assert "Member must satisfy enum value set: [String, StringList, SecureString]" in message
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_query_protocol_services_answer_from_the_model(emulator):
    identity = emulator.client("sts").get_caller_identity()
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:root"
