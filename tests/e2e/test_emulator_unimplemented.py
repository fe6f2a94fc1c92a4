"""Services and operations `awsredirect serve` does not implement: the real AWS CLI prints the
emulator's message, naming the service and the operation, for every wire protocol (query, EC2,
JSON 1.0 / 1.1, rest-json) — not `An error occurred (Unknown)`."""

import pytest

from emulator_support import emulator, run_aws  # noqa: F401  (fixtures)

CASES = [
    # (CLI arguments, service name in the message, operation)
    (["cloudformation", "create-stack", "--stack-name", "s", "--template-body", "{}"], "CloudFormation", "CreateStack"),
    (["cloudformation", "list-stacks"], "CloudFormation", "ListStacks"),
    (["rds", "describe-db-instances"], "RDS", "DescribeDBInstances"),
    (["ec2", "describe-instances"], "EC2", "DescribeInstances"),
    (["apigateway", "get-rest-apis"], "API Gateway", "GET /restapis"),
    (["kinesis", "list-streams"], "Kinesis", "ListStreams"),
    (["events", "list-archives"], "EventBridge", "ListArchives"),
    (["stepfunctions", "list-state-machines"], "Step Functions", "ListStateMachines"),
]


@pytest.mark.parametrize("args, service, operation", CASES, ids=[" ".join(c[0][:2]) for c in CASES])
def test_the_cli_prints_what_is_not_implemented(emulator, args, service, operation):
    result = run_aws(emulator, *args, check=False, timeout=60)
    assert result.returncode != 0
    assert "(Unknown)" not in result.stderr, result.stderr
    assert "An error occurred (NotImplemented)" in result.stderr, result.stderr
    assert f"{service} operation {operation} is not implemented by awsredirect serve" in result.stderr, result.stderr


def test_an_unimplemented_operation_of_an_emulated_service_is_named(emulator):
    result = run_aws(emulator, "sqs", "list-dead-letter-source-queues", "--queue-url",
                     "http://x/000000000000/q", check=False)
    assert result.returncode != 0
    assert "(Unknown)" not in result.stderr, result.stderr
    assert "ListDeadLetterSourceQueues is not implemented by awsredirect serve" in result.stderr, result.stderr
