"""Lambda against `awsredirect serve`: function management and Invoke of Python handlers run
from the stored zip, through boto3 and the AWS CLI."""

import base64
import io
import json
import urllib.request
import zipfile

import pytest
from botocore.exceptions import ClientError

from emulator_support import emulator, run_aws, sqs, wait_until  # noqa: F401  (fixtures)

ROLE = "arn:aws:iam::000000000000:role/lambda"

HANDLER = '''
import json, os, time

def handler(event, context):
    print("got", json.dumps(event))
    if event.get("fail"):
        raise ValueError("asked to fail")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("queue_url"):
        import boto3
        boto3.client("sqs").send_message(QueueUrl=event["queue_url"], MessageBody="from lambda")
    return {
        "echo": event,
        "greeting": os.environ.get("GREETING"),
        "endpoint": os.environ["AWS_ENDPOINT_URL"],
        "name": context.function_name,
        "remaining": context.get_remaining_time_in_millis() > 0,
    }
'''


def zipped(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


@pytest.fixture(scope="module")
def lam(emulator):
    return emulator.client("lambda")


@pytest.fixture(scope="module")
def function(lam):
    lam.create_function(FunctionName="echo", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": zipped({"app.py": HANDLER})}, Timeout=10,
                        Environment={"Variables": {"GREETING": "hi"}})
    return "echo"


def test_management(lam, function, emulator):
    config = lam.get_function(FunctionName=function)["Configuration"]
    assert config["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:echo"
    assert config["State"] == "Active" and config["Runtime"] == "python3.12"
    lam.get_waiter("function_active_v2").wait(FunctionName=function)
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_function(FunctionName=function, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                            Code={"ZipFile": zipped({"app.py": HANDLER})})
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.create_function(FunctionName="broken", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                            Code={"ZipFile": b"not a zip"})
    for i in range(3):
        lam.create_function(FunctionName=f"listed-{i}", Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
                            Code={"ZipFile": zipped({"index.js": "exports.handler = async () => 1;"})})
    names = [f["FunctionName"] for page in lam.get_paginator("list_functions").paginate(
        PaginationConfig={"PageSize": 2}) for f in page["Functions"]]
    assert {"echo", "listed-0", "listed-1", "listed-2"} <= set(names)
    listed = json.loads(run_aws(emulator, "lambda", "list-functions").stdout)["Functions"]
    assert {"echo", "listed-0"} <= {f["FunctionName"] for f in listed}
    location = lam.get_function(FunctionName="listed-1")["Code"]["Location"]
    with urllib.request.urlopen(location) as response:
        assert zipfile.ZipFile(io.BytesIO(response.read())).namelist() == ["index.js"]
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="listed-1", Qualifier="1")
    assert lam.get_function(FunctionName="listed-1:$LATEST")["Configuration"]["FunctionName"] == "listed-1"
    lam.delete_function(FunctionName="listed-2")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="listed-2")


def test_invoke_with_log_tail_and_environment(lam, function, emulator):
    out = lam.invoke(FunctionName=function, Payload=json.dumps({"a": 1}), LogType="Tail")
    assert out["StatusCode"] == 200 and "FunctionError" not in out
    result = json.loads(out["Payload"].read())
    assert result["echo"] == {"a": 1} and result["greeting"] == "hi" and result["name"] == "echo"
    assert result["endpoint"] == emulator.url and result["remaining"] is True
    log = base64.b64decode(out["LogResult"]).decode()
    assert 'got {"a": 1}' in log and "START RequestId" in log and "REPORT RequestId" in log


def test_function_error_and_timeout(lam, function):
    out = lam.invoke(FunctionName=function, Payload=json.dumps({"fail": True}))
    assert out["FunctionError"] == "Unhandled"
    error = json.loads(out["Payload"].read())
    assert error["errorType"] == "ValueError" and error["errorMessage"] == "asked to fail"
    lam.update_function_configuration(FunctionName=function, Timeout=1)
    out = lam.invoke(FunctionName=function, Payload=json.dumps({"sleep": 5}))
    assert out["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in json.loads(out["Payload"].read())["errorMessage"]
    lam.update_function_configuration(FunctionName=function, Timeout=10)


def test_update_code_and_event_invocation(lam, function, sqs):
    lam.update_function_code(FunctionName=function, ZipFile=zipped({"app.py": HANDLER.replace('"hi"', '"x"')}))
    url = sqs.create_queue(QueueName="lambda-events")["QueueUrl"]
    out = lam.invoke(FunctionName=function, InvocationType="Event", Payload=json.dumps({"queue_url": url}))
    assert out["StatusCode"] == 202
    messages = []
    assert wait_until(lambda: messages.extend(sqs.receive_message(QueueUrl=url).get("Messages", [])) or messages,
                      timeout=20)
    assert messages[0]["Body"] == "from lambda"


def test_runtimes_it_cannot_run(lam):
    lam.create_function(FunctionName="javafn", Runtime="java17", Role=ROLE, Handler="a.B::handle",
                        Code={"ZipFile": zipped({"a.txt": "x"})})
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName="javafn")
    assert err.value.response["Error"]["Code"] == "InvalidRuntimeException"
    assert "java17" in err.value.response["Error"]["Message"]


def test_image_functions_are_stored_but_not_run(lam):
    uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:prod"
    config = {"EntryPoint": ["python"], "Command": ["/opt/app.py"], "WorkingDirectory": "/opt"}
    lam.create_function(FunctionName="imagefn", Role=ROLE, PackageType="Image",
                        Code={"ImageUri": uri}, ImageConfig=config)
    got = lam.get_function(FunctionName="imagefn")
    assert got["Configuration"]["PackageType"] == "Image"
    assert got["Configuration"]["ImageConfigResponse"]["ImageConfig"] == config
    assert got["Code"]["RepositoryType"] == "ECR" and got["Code"]["ImageUri"] == uri
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName="imagefn")
    assert err.value.response["Error"]["Code"] == "NotImplemented"
    with pytest.raises(ClientError) as err:
        lam.update_function_code(FunctionName="imagefn", ZipFile=zipped({"a.py": ""}))
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    newer = uri.replace("prod", "newer")
    lam.update_function_code(FunctionName="imagefn", ImageUri=newer)
    assert lam.get_function(FunctionName="imagefn")["Code"]["ImageUri"] == newer


def test_resource_policy_is_stored(lam, function):
    with pytest.raises(ClientError) as err:
        lam.remove_permission(FunctionName=function, StatementId="s3")
    assert err.value.response["Error"]["Message"] == "No policy is associated with the given resource."
    added = lam.add_permission(FunctionName=function, StatementId="s3", Action="lambda:InvokeFunction",
                               Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bucket")
    statement = json.loads(added["Statement"])
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Condition"] == {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}}
    with pytest.raises(ClientError) as err:
        lam.add_permission(FunctionName=function, StatementId="s3", Action="lambda:InvokeFunction",
                           Principal="sns.amazonaws.com")
    assert err.value.response["Error"]["Code"] == "ResourceConflictException"
    policy = json.loads(lam.get_policy(FunctionName=function)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["s3"]
    lam.remove_permission(FunctionName=function, StatementId="s3")
    with pytest.raises(ClientError) as err:
        lam.get_policy(FunctionName=function)
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_publish_on_create_and_listing_every_version(lam):
    created = lam.create_function(FunctionName="published", Runtime="python3.12", Role=ROLE,
                                  Handler="app.handler", Publish=True,
                                  Code={"ZipFile": zipped({"app.py": HANDLER})})
    # The published version's number, with the unqualified ARN (as AWS answers CreateFunction).
    assert created["Version"] == "1"
    assert created["FunctionArn"].endswith(":function:published")
    latest = lam.get_function_configuration(FunctionName="published", Qualifier="$LATEST")
    assert latest["FunctionArn"].endswith(":function:published:$LATEST")
    plain = [f for f in lam.list_functions()["Functions"] if f["FunctionName"] == "published"]
    assert [f["Version"] for f in plain] == ["$LATEST"]
    every = [f for f in lam.list_functions(FunctionVersion="ALL")["Functions"]
             if f["FunctionName"] == "published"]
    assert [(f["Version"], f["FunctionArn"].rsplit(":", 1)[1]) for f in every] == [
        ("$LATEST", "$LATEST"), ("1", "1")]


def test_aws_cli(emulator, tmp_path):
    code = tmp_path / "fn.zip"
    code.write_bytes(zipped({"app.py": "def handler(event, context):\n    return {'got': event}\n"}))
    run_aws(emulator, "lambda", "create-function", "--function-name", "cli-fn", "--runtime", "python3.12",
            "--handler", "app.handler", "--role", ROLE, "--zip-file", f"fileb://{code}")
    assert json.loads(run_aws(emulator, "lambda", "get-function", "--function-name", "cli-fn").stdout)[
        "Configuration"]["Handler"] == "app.handler"
    run_aws(emulator, "lambda", "update-function-configuration", "--function-name", "cli-fn", "--timeout", "5")
    run_aws(emulator, "lambda", "update-function-code", "--function-name", "cli-fn", "--zip-file", f"fileb://{code}")
    out = tmp_path / "out.json"
    result = json.loads(run_aws(emulator, "lambda", "invoke", "--function-name", "cli-fn", "--payload", '{"x": 1}',
                                "--log-type", "Tail", str(out)).stdout)
    assert result["StatusCode"] == 200 and "LogResult" in result
    assert json.loads(out.read_text()) == {"got": {"x": 1}}
    run_aws(emulator, "lambda", "delete-function", "--function-name", "cli-fn")


def test_sns_lambda_subscription_invokes_the_function(lam, emulator, sqs):
    url = sqs.create_queue(QueueName="from-sns-lambda")["QueueUrl"]
    code = (
        "import boto3, json, os\n"
        "def handler(event, context):\n"
        "    record = event['Records'][0]\n"
        "    body = json.dumps({'source': record['EventSource'], 'message': record['Sns']['Message']})\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['QUEUE'], MessageBody=body)\n"
    )
    arn = lam.create_function(FunctionName="on-topic", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                              Code={"ZipFile": zipped({"app.py": code})}, Timeout=30,
                              Environment={"Variables": {"QUEUE": url}})["FunctionArn"]
    sns = emulator.client("sns")
    topic = sns.create_topic(Name="to-lambda")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="ping")
    messages = []
    assert wait_until(lambda: messages.extend(sqs.receive_message(QueueUrl=url).get("Messages", [])) or messages,
                      timeout=20)
    assert json.loads(messages[0]["Body"]) == {"source": "aws:sns", "message": "ping"}


def returning(value):
    return zipped({"app.py": f"def handler(event, context):\n    return {value!r}\n"})


def invoked(lam, name, **kw):
    out = lam.invoke(FunctionName=name, **kw)
    return json.loads(out["Payload"].read()), out["ExecutedVersion"]


def test_versions_and_aliases(lam, emulator):
    lam.create_function(FunctionName="versioned", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": returning("one")}, Publish=True)
    assert lam.get_function(FunctionName="versioned", Qualifier="1")["Configuration"]["Version"] == "1"
    lam.update_function_code(FunctionName="versioned", ZipFile=returning("two"))
    sha = lam.get_function(FunctionName="versioned")["Configuration"]["CodeSha256"]
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.publish_version(FunctionName="versioned", CodeSha256="not-the-hash")
    two = lam.publish_version(FunctionName="versioned", CodeSha256=sha, Description="second")
    assert two["Version"] == "2" and two["Description"] == "second"
    assert two["FunctionArn"].endswith(":function:versioned:2")
    # Nothing changed since version 2: publishing again answers version 2.
    assert lam.publish_version(FunctionName="versioned")["Version"] == "2"
    lam.update_function_code(FunctionName="versioned", ZipFile=returning("three"))

    assert invoked(lam, "versioned", Qualifier="1") == ("one", "1")
    assert invoked(lam, "versioned:2") == ("two", "2")
    assert invoked(lam, "versioned") == ("three", "$LATEST")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="versioned", Qualifier="9")

    versions = lam.list_versions_by_function(FunctionName="versioned")["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]
    assert versions[0]["FunctionArn"].endswith(":versioned:$LATEST")
    location = lam.get_function(FunctionName="versioned", Qualifier="1")["Code"]["Location"]
    with urllib.request.urlopen(location) as response:
        code = zipfile.ZipFile(io.BytesIO(response.read())).read("app.py").decode()
    assert "'one'" in code

    alias = lam.create_alias(FunctionName="versioned", Name="live", FunctionVersion="1")
    assert alias["AliasArn"].endswith(":function:versioned:live")
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_alias(FunctionName="versioned", Name="live", FunctionVersion="2")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.create_alias(FunctionName="versioned", Name="ghost", FunctionVersion="7")
    assert invoked(lam, "versioned:live") == ("one", "1")
    assert lam.get_function_configuration(FunctionName="versioned", Qualifier="live")["Version"] == "1"
    lam.update_alias(FunctionName="versioned", Name="live", FunctionVersion="2")
    assert invoked(lam, "versioned", Qualifier="live") == ("two", "2")
    # All the traffic to the additional version.
    lam.update_alias(FunctionName="versioned", Name="live", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 1.0}})
    assert invoked(lam, "versioned:live") == ("two", "2")
    lam.create_alias(FunctionName="versioned", Name="edge", FunctionVersion="$LATEST")
    aliases = lam.list_aliases(FunctionName="versioned")["Aliases"]
    assert [a["Name"] for a in aliases] == ["edge", "live"]
    assert [a["Name"] for a in lam.list_aliases(FunctionName="versioned", FunctionVersion="1")["Aliases"]] == ["live"]
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as missing:
        lam.get_alias(FunctionName="versioned", Name="nope")
    assert "Cannot find alias arn" in str(missing.value)

    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.delete_function(FunctionName="versioned", Qualifier="1")
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.delete_function(FunctionName="versioned", Qualifier="$LATEST")
    lam.delete_alias(FunctionName="versioned", Name="live")
    lam.delete_function(FunctionName="versioned", Qualifier="1")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="versioned", Qualifier="1")
    assert invoked(lam, "versioned") == ("three", "$LATEST")
    listed = json.loads(run_aws(emulator, "lambda", "list-versions-by-function",
                                "--function-name", "versioned").stdout)["Versions"]
    assert [v["Version"] for v in listed] == ["$LATEST", "2"]

    # Deleting the function removes its versions and aliases; numbers restart with a new function.
    lam.delete_function(FunctionName="versioned")
    lam.create_function(FunctionName="versioned", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": returning("again")})
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_alias(FunctionName="versioned", Name="edge")
    assert lam.publish_version(FunctionName="versioned")["Version"] == "1"


def test_reserved_concurrency_is_stored(lam):
    lam.create_function(FunctionName="reserved", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": returning("r")})
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName="reserved")
    assert lam.put_function_concurrency(FunctionName="reserved", ReservedConcurrentExecutions=5)[
        "ReservedConcurrentExecutions"] == 5
    assert lam.get_function_concurrency(FunctionName="reserved")["ReservedConcurrentExecutions"] == 5
    assert lam.get_function(FunctionName="reserved")["Concurrency"] == {"ReservedConcurrentExecutions": 5}
    lam.delete_function_concurrency(FunctionName="reserved")
    assert "Concurrency" not in lam.get_function(FunctionName="reserved")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.put_function_concurrency(FunctionName="missing", ReservedConcurrentExecutions=1)


def test_versions_and_aliases_survive_a_restart(tmp_path):
    from emulator_support import Emulator

    state = tmp_path / "state"
    state.mkdir()
    server = Emulator(state_dir=state)
    lam = server.client("lambda")
    lam.create_function(FunctionName="kept", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": returning("v1")}, Publish=True)
    lam.update_function_code(FunctionName="kept", ZipFile=returning("latest"), Publish=False)
    lam.create_alias(FunctionName="kept", Name="prod", FunctionVersion="1")
    server.kill9()
    again = Emulator(state_dir=state)
    try:
        lam = again.client("lambda")
        assert invoked(lam, "kept:prod") == ("v1", "1")
        assert invoked(lam, "kept") == ("latest", "$LATEST")
        assert lam.publish_version(FunctionName="kept")["Version"] == "2"
    finally:
        again.stop()
