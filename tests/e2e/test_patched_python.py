"""Patched Python code, run with the real boto3 / botocore: every client construction form that
awsredirect rewrites must end up with the endpoint, and unpatch must restore the original."""
import subprocess
import sys
import textwrap

ENDPOINT = "http://127.0.0.1:4999"

PROGRAM = textwrap.dedent(
    '''
    import boto3
    import boto3.session
    from boto3 import client as make_client
    from botocore.session import get_session

    session = boto3.Session(region_name="us-east-1")


    class Holder:
        def __init__(self):
            self.session = boto3.session.Session(region_name="eu-west-1")
            self.queue = self.session.client(
                "sqs",
                region_name="eu-west-1",  # comment stays
            )


    clients = {
        "client": boto3.client("s3", region_name="us-east-1"),
        "alias": make_client('sts', region_name='us-east-1'),
        "session": session.client("dynamodb"),
        "resource": session.resource("s3").meta.client,
        "attribute": Holder().queue,
        "botocore": get_session().create_client("sns", region_name="us-east-1"),
    }
    for name, client in sorted(clients.items()):
        print(name, client.meta.endpoint_url)
    '''
)


def run(path, env):
    return subprocess.run([sys.executable, str(path)], env=env, capture_output=True, text=True, check=True).stdout


def test_every_patched_form_uses_the_endpoint(tmp_path, awsredirect_bin, aws_env):
    app = tmp_path / "app.py"
    app.write_text(PROGRAM)
    before = run(app, aws_env)
    assert "amazonaws.com" in before

    subprocess.run([awsredirect_bin, "patch", "--endpoint", ENDPOINT, str(app)], check=True)
    after = run(app, aws_env).splitlines()
    assert after == [f"{name} {ENDPOINT}" for name in sorted(["client", "alias", "session", "resource", "attribute", "botocore"])]

    check = subprocess.run([awsredirect_bin, "check", str(app)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout

    subprocess.run([awsredirect_bin, "unpatch", "--endpoint", ENDPOINT, str(app)], check=True)
    assert app.read_text() == PROGRAM
