"""S3 object versioning against `awsredirect serve`, with real boto3 (AWS S3 user guide, "Using
versioning in S3 buckets"): versions kept and addressed by id, delete markers, suspended
versioning's `null` version, ListObjectVersions paging, DeleteObjects by version, and all of
it surviving a restart with `--state-dir`."""

import pytest
from botocore.exceptions import ClientError

from emulator_support import Emulator, emulator, s3  # noqa: F401  (fixtures)


def versioned_bucket(s3, name):
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def body(s3, bucket, key, **kwargs):
    return s3.get_object(Bucket=bucket, Key=key, **kwargs)["Body"].read()


def test_every_write_is_a_version_readable_by_id(s3):
    versioned_bucket(s3, "vers")
    first = s3.put_object(Bucket="vers", Key="k", Body=b"one")["VersionId"]
    second = s3.put_object(Bucket="vers", Key="k", Body=b"two")["VersionId"]
    assert first != second and "null" not in (first, second)
    assert body(s3, "vers", "k") == b"two"
    assert body(s3, "vers", "k", VersionId=first) == b"one"
    head = s3.head_object(Bucket="vers", Key="k", VersionId=first)
    assert head["VersionId"] == first and head["ContentLength"] == 3
    copied = s3.copy_object(Bucket="vers", Key="copy", CopySource={"Bucket": "vers", "Key": "k", "VersionId": first})
    assert copied["CopySourceVersionId"] == first and copied["VersionId"]
    assert body(s3, "vers", "copy") == b"one"
    s3.put_object_tagging(Bucket="vers", Key="k", VersionId=first, Tagging={"TagSet": [{"Key": "t", "Value": "1"}]})
    assert s3.get_object_tagging(Bucket="vers", Key="k", VersionId=first)["TagSet"] == [{"Key": "t", "Value": "1"}]
    assert s3.get_object_tagging(Bucket="vers", Key="k")["TagSet"] == []
    listed = s3.list_object_versions(Bucket="vers", Prefix="k")["Versions"]
    assert [(v["VersionId"], v["IsLatest"], v["Size"]) for v in listed] == [(second, True, 3), (first, False, 3)]


def test_delete_markers_hide_the_object_until_removed(s3):
    versioned_bucket(s3, "markers")
    kept = s3.put_object(Bucket="markers", Key="k", Body=b"kept")["VersionId"]
    deleted = s3.delete_object(Bucket="markers", Key="k")
    assert deleted["DeleteMarker"] is True
    marker = deleted["VersionId"]
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket="markers", Key="k")
    assert err.value.response["Error"]["Code"] == "NoSuchKey"
    assert err.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket="markers", Key="k", VersionId=marker)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 405
    assert "Contents" not in s3.list_objects_v2(Bucket="markers")
    listed = s3.list_object_versions(Bucket="markers")
    assert [(m["VersionId"], m["IsLatest"]) for m in listed["DeleteMarkers"]] == [(marker, True)]
    assert [(v["VersionId"], v["IsLatest"]) for v in listed["Versions"]] == [(kept, False)]
    with pytest.raises(ClientError) as err:
        s3.delete_bucket(Bucket="markers")
    assert err.value.response["Error"]["Code"] == "BucketNotEmpty"
    removed = s3.delete_object(Bucket="markers", Key="k", VersionId=marker)
    assert removed["DeleteMarker"] is True and removed["VersionId"] == marker
    assert body(s3, "markers", "k") == b"kept"
    s3.delete_object(Bucket="markers", Key="k", VersionId=kept)
    assert "Versions" not in s3.list_object_versions(Bucket="markers")
    s3.delete_bucket(Bucket="markers")


def test_suspended_versioning_replaces_the_null_version(s3):
    versioned_bucket(s3, "suspended")
    kept = s3.put_object(Bucket="suspended", Key="k", Body=b"versioned")["VersionId"]
    s3.put_bucket_versioning(Bucket="suspended", VersioningConfiguration={"Status": "Suspended"})
    assert s3.put_object(Bucket="suspended", Key="k", Body=b"null 1")["VersionId"] == "null"
    s3.put_object(Bucket="suspended", Key="k", Body=b"null 2")
    listed = s3.list_object_versions(Bucket="suspended")["Versions"]
    assert [v["VersionId"] for v in listed] == ["null", kept]
    assert body(s3, "suspended", "k", VersionId="null") == b"null 2"
    assert s3.delete_object(Bucket="suspended", Key="k")["VersionId"] == "null"
    listed = s3.list_object_versions(Bucket="suspended")
    assert [m["VersionId"] for m in listed["DeleteMarkers"]] == ["null"]
    assert [v["VersionId"] for v in listed["Versions"]] == [kept]


def test_version_listing_pages_and_delete_objects_by_version(s3):
    versioned_bucket(s3, "pages")
    ids = [s3.put_object(Bucket="pages", Key="a", Body=str(i).encode())["VersionId"] for i in range(3)]
    s3.put_object(Bucket="pages", Key="dir/x", Body=b"x")
    s3.put_object(Bucket="pages", Key="b", Body=b"b")
    page = s3.list_object_versions(Bucket="pages", MaxKeys=2, Delimiter="/")
    assert page["IsTruncated"] and [v["VersionId"] for v in page["Versions"]] == [ids[2], ids[1]]
    rest = s3.list_object_versions(
        Bucket="pages", Delimiter="/", KeyMarker=page["NextKeyMarker"], VersionIdMarker=page["NextVersionIdMarker"]
    )
    assert [(v["Key"], v["VersionId"]) for v in rest["Versions"]][:1] == [("a", ids[0])]
    assert [v["Key"] for v in rest["Versions"]] == ["a", "b"]
    assert rest["CommonPrefixes"] == [{"Prefix": "dir/"}]
    answer = s3.delete_objects(
        Bucket="pages", Delete={"Objects": [{"Key": "a", "VersionId": ids[0]}, {"Key": "b"}]}
    )
    by_key = {d["Key"]: d for d in answer["Deleted"]}
    assert by_key["a"]["VersionId"] == ids[0] and "DeleteMarker" not in by_key["a"]
    assert by_key["b"]["DeleteMarker"] is True and by_key["b"]["DeleteMarkerVersionId"]
    remaining = s3.list_object_versions(Bucket="pages", Prefix="a")["Versions"]
    assert [v["VersionId"] for v in remaining] == [ids[2], ids[1]]


def test_versions_survive_a_restart(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    server = Emulator(state_dir=state)
    s3 = server.client("s3")
    versioned_bucket(s3, "durable-versions")
    first = s3.put_object(Bucket="durable-versions", Key="k", Body=b"one")["VersionId"]
    second = s3.put_object(Bucket="durable-versions", Key="k", Body=b"two")["VersionId"]
    marker = s3.delete_object(Bucket="durable-versions", Key="k")["VersionId"]
    server.kill9()
    again = Emulator(state_dir=state)
    try:
        s3 = again.client("s3")
        listed = s3.list_object_versions(Bucket="durable-versions")
        assert [v["VersionId"] for v in listed["Versions"]] == [second, first]
        assert [m["VersionId"] for m in listed["DeleteMarkers"]] == [marker]
        assert body(s3, "durable-versions", "k", VersionId=first) == b"one"
        s3.delete_object(Bucket="durable-versions", Key="k", VersionId=marker)
        assert body(s3, "durable-versions", "k") == b"two"
    finally:
        again.stop()


def zipped(text):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", text)
    return buffer.getvalue()


def test_lambda_code_is_read_from_the_version_asked_for(emulator):
    # CreateFunction / UpdateFunctionCode with S3ObjectVersion take that version, not the latest.
    s3, lam = emulator.client("s3"), emulator.client("lambda")
    versioned_bucket(s3, "code-vers")
    old, new = zipped("old = 1\n"), zipped("new = 2  # a longer file\n")
    first = s3.put_object(Bucket="code-vers", Key="fn.zip", Body=old)["VersionId"]
    s3.put_object(Bucket="code-vers", Key="fn.zip", Body=new)
    made = lam.create_function(
        FunctionName="versioned-code", Runtime="python3.12", Handler="handler.main",
        Role="arn:aws:iam::123456789012:role/r",
        Code={"S3Bucket": "code-vers", "S3Key": "fn.zip", "S3ObjectVersion": first},
    )
    assert made["CodeSize"] == len(old)
    with pytest.raises(ClientError) as missing:
        lam.update_function_code(FunctionName="versioned-code", S3Bucket="code-vers", S3Key="fn.zip",
                                 S3ObjectVersion="no-such-version")
    assert "NoSuchVersion" in missing.value.response["Error"]["Message"]
    updated = lam.update_function_code(FunctionName="versioned-code", S3Bucket="code-vers", S3Key="fn.zip")
    assert updated["CodeSize"] == len(new)
