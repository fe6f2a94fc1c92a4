"""SSM Parameter Store against `awsredirect serve`: boto3 and the AWS CLI."""

import datetime
import json
import time

import pytest
from botocore.exceptions import ClientError

from emulator_support import emulator, run_aws  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def ssm(emulator):
    return emulator.client("ssm")


def test_put_get_versions_and_overwrite(ssm):
    assert ssm.put_parameter(Name="/app/db/host", Value="db1", Type="String")["Version"] == 1
    with pytest.raises(ssm.exceptions.ParameterAlreadyExists):
        ssm.put_parameter(Name="/app/db/host", Value="db2", Type="String")
    assert ssm.put_parameter(Name="/app/db/host", Value="db2", Type="String", Overwrite=True)["Version"] == 2
    got = ssm.get_parameter(Name="/app/db/host")["Parameter"]
    assert got["Value"] == "db2" and got["Version"] == 2
    assert got["ARN"] == "arn:aws:ssm:us-east-1:000000000000:parameter/app/db/host"
    assert ssm.get_parameter(Name="/app/db/host:1")["Parameter"]["Value"] == "db1"
    ssm.put_parameter(Name="/app/hosts", Value="a,b,c", Type="StringList")
    assert ssm.get_parameter(Name="/app/hosts")["Parameter"]["Type"] == "StringList"
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name="/nope")
    history = ssm.get_parameter_history(Name="/app/db/host")["Parameters"]
    assert [h["Value"] for h in history] == ["db1", "db2"]


def test_secure_strings_and_decryption(ssm):
    ssm.put_parameter(Name="/app/secret", Value="hunter2", Type="SecureString")
    hidden = ssm.get_parameter(Name="/app/secret")["Parameter"]["Value"]
    assert hidden != "hunter2"
    assert ssm.get_parameter(Name="/app/secret", WithDecryption=True)["Parameter"]["Value"] == "hunter2"
    many = ssm.get_parameters(Names=["/app/secret", "/app/db/host", "/missing"], WithDecryption=True)
    assert sorted(p["Name"] for p in many["Parameters"]) == ["/app/db/host", "/app/secret"]
    assert many["InvalidParameters"] == ["/missing"]
    (version,) = ssm.get_parameter_history(Name="/app/secret")["Parameters"]
    assert version["Value"] == hidden
    (version,) = ssm.get_parameter_history(Name="/app/secret", WithDecryption=True)["Parameters"]
    assert version["Value"] == "hunter2"


def test_by_path_recursive_and_pagination(ssm):
    for i in range(12):
        ssm.put_parameter(Name=f"/tree/a/p{i:02}", Value=str(i), Type="String")
    ssm.put_parameter(Name="/tree/a/deep/x", Value="x", Type="String")
    ssm.put_parameter(Name="/tree/top", Value="t", Type="String")
    flat = []
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path="/tree/a", PaginationConfig={"PageSize": 5}):
        flat += [p["Name"] for p in page["Parameters"]]
    assert flat == [f"/tree/a/p{i:02}" for i in range(12)]
    deep = []
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path="/tree", Recursive=True):
        deep += [p["Name"] for p in page["Parameters"]]
    assert len(deep) == 14 and "/tree/a/deep/x" in deep


def test_a_full_last_page_carries_a_token_to_an_empty_page(ssm):
    """SSM's paged answers hold between zero and MaxResults items (API reference)."""
    for i in range(4):
        ssm.put_parameter(Name=f"/full-page/p{i}", Value=str(i), Type="String")
    first = ssm.get_parameters_by_path(Path="/full-page", MaxResults=4)
    assert len(first["Parameters"]) == 4 and first["NextToken"]
    last = ssm.get_parameters_by_path(Path="/full-page", MaxResults=4, NextToken=first["NextToken"])
    assert last["Parameters"] == [] and "NextToken" not in last
    partial = ssm.get_parameters_by_path(Path="/full-page", MaxResults=5)
    assert len(partial["Parameters"]) == 4 and "NextToken" not in partial


def test_describe_and_delete(ssm):
    ssm.put_parameter(Name="/del/one", Value="1", Type="String", Description="first")
    ssm.put_parameter(Name="/del/two", Value="2", Type="String")
    described = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "BeginsWith", "Values": ["/del/"]}])
    assert [p["Name"] for p in described["Parameters"]] == ["/del/one", "/del/two"]
    assert described["Parameters"][0]["Description"] == "first"
    assert "Value" not in described["Parameters"][0]
    ssm.delete_parameter(Name="/del/one")
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.delete_parameter(Name="/del/one")
    out = ssm.delete_parameters(Names=["/del/two", "/del/none"])
    assert out["DeletedParameters"] == ["/del/two"] and out["InvalidParameters"] == ["/del/none"]


def test_unimplemented_operation_is_refused(ssm):
    with pytest.raises(ClientError) as err:
        ssm.list_documents()
    assert err.value.response["Error"]["Code"] == "NotImplemented"


def test_aws_cli(emulator):
    run_aws(emulator, "ssm", "put-parameter", "--name", "/cli/p", "--value", "v", "--type", "String")
    out = json.loads(run_aws(emulator, "ssm", "get-parameter", "--name", "/cli/p").stdout)
    assert out["Parameter"]["Value"] == "v"
    out = json.loads(run_aws(emulator, "ssm", "get-parameters-by-path", "--path", "/cli").stdout)
    assert [p["Name"] for p in out["Parameters"]] == ["/cli/p"]
    described = json.loads(run_aws(emulator, "ssm", "describe-parameters").stdout)["Parameters"]
    assert "/cli/p" in [p["Name"] for p in described]
    run_aws(emulator, "ssm", "delete-parameter", "--name", "/cli/p")


def test_version_labels(ssm):
    ssm.put_parameter(Name="/labelled", Value="one", Type="String")
    ssm.put_parameter(Name="/labelled", Value="two", Type="String", Overwrite=True)
    out = ssm.label_parameter_version(Name="/labelled", ParameterVersion=1, Labels=["prod", "1bad", "awsx"])
    assert out["ParameterVersion"] == 1 and sorted(out["InvalidLabels"]) == ["1bad", "awsx"]
    assert ssm.get_parameter(Name="/labelled:prod")["Parameter"]["Value"] == "one"
    # Without a version the label goes to the latest, moving off version 1.
    assert ssm.label_parameter_version(Name="/labelled", Labels=["prod", "edge"])["ParameterVersion"] == 2
    assert ssm.get_parameter(Name="/labelled:prod")["Parameter"]["Value"] == "two"
    history = {p["Version"]: p["Labels"] for p in ssm.get_parameter_history(Name="/labelled")["Parameters"]}
    assert history == {1: [], 2: ["prod", "edge"]}
    with pytest.raises(ssm.exceptions.ParameterVersionNotFound):
        ssm.label_parameter_version(Name="/labelled", ParameterVersion=9, Labels=["x"])
    with pytest.raises(ssm.exceptions.ParameterVersionLabelLimitExceeded):
        ssm.label_parameter_version(Name="/labelled", Labels=[f"l{i}" for i in range(10)])
    out = ssm.unlabel_parameter_version(Name="/labelled", ParameterVersion=2, Labels=["edge", "never"])
    assert out["RemovedLabels"] == ["edge"] and out["InvalidLabels"] == ["never"]
    with pytest.raises(ssm.exceptions.ParameterVersionNotFound):
        ssm.get_parameter(Name="/labelled:edge")
    # A new version starts without labels; the old ones stay where they were.
    ssm.put_parameter(Name="/labelled", Value="three", Type="String", Overwrite=True)
    assert ssm.get_parameter(Name="/labelled:prod")["Parameter"]["Version"] == 2


def test_tags(ssm):
    ssm.put_parameter(Name="/tagged", Value="v", Type="String", Tags=[{"Key": "team", "Value": "a"}])
    ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId="/tagged",
                             Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "b"}])
    ssm.put_parameter(Name="/tagged", Value="w", Overwrite=True)
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/tagged")["TagList"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "dev"), ("team", "b")]
    ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId="/tagged", TagKeys=["env"])
    assert ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/tagged")["TagList"] == [
        {"Key": "team", "Value": "b"}]
    with pytest.raises(ssm.exceptions.InvalidResourceId):
        ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/missing")
    with pytest.raises(ssm.exceptions.InvalidResourceType):
        ssm.list_tags_for_resource(ResourceType="Document", ResourceId="/tagged")
    with pytest.raises(ClientError) as both:
        ssm.put_parameter(Name="/tagged", Value="x", Overwrite=True, Tags=[{"Key": "k", "Value": "v"}])
    assert both.value.response["Error"]["Code"] == "ValidationException"


def test_a_one_level_name_is_the_same_parameter_with_or_without_its_slash(ssm):
    ssm.put_parameter(Name="/solo", Value="v", Type="String")
    got = ssm.get_parameter(Name="solo")["Parameter"]
    assert got["Name"] == "/solo" and got["ARN"].endswith(":parameter/solo")
    assert ssm.get_parameters(Names=[got["ARN"], "solo", "/solo"])["InvalidParameters"] == []
    assert len(ssm.get_parameters(Names=["solo", "solo"])["Parameters"]) == 1
    ssm.delete_parameter(Name="solo")
    with pytest.raises(ClientError):
        ssm.get_parameter(Name="/solo")


def test_describe_filters_by_tag_and_refuses_invalid_filters(ssm):
    ssm.put_parameter(Name="/f/tagged", Value="v", Type="String", Tags=[{"Key": "team", "Value": "blue"}])
    ssm.put_parameter(Name="/f/plain", Value="v", Type="String")
    names = {p["Name"] for p in ssm.describe_parameters(
        ParameterFilters=[{"Key": "tag:team", "Values": ["blue"]}, {"Key": "Path", "Values": ["/f"]}])["Parameters"]}
    assert names == {"/f/tagged"}
    with pytest.raises(ClientError) as err:
        ssm.describe_parameters(ParameterFilters=[{"Key": "Path", "Option": "Equals", "Values": ["/f"]}])
    assert err.value.response["Error"]["Code"] == "InvalidFilterOption"
    with pytest.raises(ClientError) as err:
        ssm.get_parameters_by_path(Path="/f", ParameterFilters=[{"Key": "Name", "Values": ["x"]}])
    assert err.value.response["Error"]["Code"] == "InvalidFilterKey"


def test_only_the_last_hundred_versions_are_kept(ssm):
    for i in range(101):
        ssm.put_parameter(Name="many", Value=f"v{i}", Type="String", Overwrite=True)
    history = ssm.get_paginator("get_parameter_history").paginate(Name="many").build_full_result()["Parameters"]
    assert [h["Version"] for h in history] == list(range(2, 102))
    ssm.label_parameter_version(Name="many", ParameterVersion=2, Labels=["pinned"])
    with pytest.raises(ClientError) as err:
        ssm.put_parameter(Name="many", Value="next", Type="String", Overwrite=True)
    assert err.value.response["Error"]["Code"] == "ParameterMaxVersionLimitExceeded"


def test_describe_answers_the_arn_and_the_last_modifying_user(ssm, emulator):
    ssm.put_parameter(Name="/who/p", Value="v", Type="String")
    caller = emulator.client("sts").get_caller_identity()["Arn"]
    (meta,) = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/who/p"]}])["Parameters"]
    assert meta["LastModifiedUser"] == caller
    assert meta["ARN"].endswith(":parameter/who/p")
    assert ssm.get_parameter_history(Name="/who/p")["Parameters"][0]["LastModifiedUser"] == caller


def test_reserved_names_and_list_items_are_refused_as_ssm_words_them(ssm):
    with pytest.raises(ClientError) as err:
        ssm.put_parameter(Name="/aws/mine", Value="v", Type="String")
    assert err.value.response["Error"]["Code"] == "AccessDeniedException"
    assert err.value.response["Error"]["Message"] == "No access to reserved parameter name: /aws/mine."
    with pytest.raises(ClientError) as err:
        ssm.put_parameter(Name="/ssm/mine", Value="v", Type="String")
    assert "If formed as a path" in err.value.response["Error"]["Message"]
    ssm.put_parameter(Name="/words/labelled", Value="v", Type="String")
    with pytest.raises(ClientError) as err:
        ssm.label_parameter_version(Name="/words/labelled", Labels=["x" * 101])
    assert err.value.response["Error"]["Message"].endswith(
        "at 'labels' failed to satisfy constraint: Member must satisfy constraint: "
        "[Member must have length less than or equal to 100, Member must have length greater than or equal to 1]")


def test_run_command_is_recorded_and_never_delivered(ssm):
    sent = ssm.send_command(
        InstanceIds=["i-0123456789abcdef0", "i-0123456789abcdef1"], DocumentName="AWS-RunShellScript",
        Parameters={"commands": ["echo hi"]}, Comment="hello", TimeoutSeconds=60)["Command"]
    command_id = sent["CommandId"]
    assert len(command_id) == 36 and sent["Status"] == "Pending" and sent["TargetCount"] == 2
    assert sent["Parameters"] == {"commands": ["echo hi"]} and sent["Comment"] == "hello"
    listed = ssm.list_commands(CommandId=command_id)["Commands"]
    assert [c["CommandId"] for c in listed] == [command_id]
    by_instance = ssm.list_commands(InstanceId="i-0123456789abcdef1")["Commands"]
    assert command_id in [c["CommandId"] for c in by_instance]
    invocations = ssm.list_command_invocations(CommandId=command_id, Details=True)["CommandInvocations"]
    assert sorted(i["InstanceId"] for i in invocations) == ["i-0123456789abcdef0", "i-0123456789abcdef1"]
    assert {i["Status"] for i in invocations} == {"Pending"}
    assert invocations[0]["CommandPlugins"][0]["Name"] == "aws:runShellScript"
    got = ssm.get_command_invocation(CommandId=command_id, InstanceId="i-0123456789abcdef0")
    assert (got["Status"], got["StatusDetails"], got["PluginName"]) == ("Pending", "Pending", "aws:runShellScript")
    with pytest.raises(ClientError) as err:
        ssm.get_command_invocation(CommandId=command_id, InstanceId="i-0123456789abcdef9")
    assert err.value.response["Error"]["Code"] == "InvocationDoesNotExist"
    with pytest.raises(ClientError) as err:
        ssm.get_command_invocation(CommandId=command_id, InstanceId="i-0123456789abcdef0", PluginName="aws:other")
    assert err.value.response["Error"]["Code"] == "InvalidPluginName"
    with pytest.raises(ClientError) as err:
        ssm.list_commands(CommandId="00000000-0000-0000-0000-000000000000")
    assert err.value.response["Error"]["Code"] == "InvalidCommandId"


def expiration(when):
    return json.dumps([{"Type": "Expiration", "Version": "1.0",
                        "Attributes": {"Timestamp": when.strftime("%Y-%m-%dT%H:%M:%S.000Z")}}])


def test_an_expiration_policy_deletes_the_parameter_when_it_is_reached(ssm):
    """Parameter policies (SSM user guide): Expiration deletes the parameter at its timestamp."""
    soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)
    ssm.put_parameter(Name="/expiring/soon", Value="v", Type="String", Tier="Advanced", Policies=expiration(soon))
    later = soon + datetime.timedelta(days=1)
    ssm.put_parameter(Name="/expiring/later", Value="v", Type="String", Tier="Advanced", Policies=expiration(later))
    described = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/expiring/soon"]}])
    [policy] = described["Parameters"][0]["Policies"]
    assert (policy["PolicyType"], policy["PolicyStatus"]) == ("Expiration", "Pending")
    # Overwriting the value keeps the policy (the API reference: policies stay until replaced).
    ssm.put_parameter(Name="/expiring/soon", Value="w", Type="String", Overwrite=True)
    assert ssm.get_parameter(Name="/expiring/soon")["Parameter"]["Value"] == "w"
    time.sleep(2.5)
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name="/expiring/soon")
    names = [p["Name"] for p in ssm.get_parameters_by_path(Path="/expiring")["Parameters"]]
    assert names == ["/expiring/later"]


def test_invalid_policies_are_refused(ssm):
    cases = {
        '["Expiration"]': "ValidationException",
        "not json": "ValidationException",
        '[{"Type": "Rotation", "Version": "1.0", "Attributes": {}}]': "InvalidPolicyTypeException",
        '[{"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": "tomorrow"}}]':
            "InvalidPolicyAttributeException",
        '[{"Type": "NoChangeNotification", "Version": "1.0", "Attributes": {"After": "2", "Unit": "Weeks"}}]':
            "InvalidPolicyAttributeException",
    }
    for policies, code in cases.items():
        with pytest.raises(ClientError) as err:
            ssm.put_parameter(Name="/refused", Value="v", Type="String", Tier="Advanced", Policies=policies)
        assert err.value.response["Error"]["Code"] == code, policies
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name="/refused")
