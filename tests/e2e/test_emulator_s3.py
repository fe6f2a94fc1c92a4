"""S3 against `awsredirect serve`, driven by real boto3 (and raw HTTP for wire details)."""

import base64
import hashlib
import http.client
import os
import urllib.error
import urllib.request
import zlib

import pytest
from botocore.exceptions import ClientError

from emulator_support import Emulator, emulator, s3  # noqa: F401  (fixtures)


def raw(emulator, method, path, body=b"", headers=None):
    """One plain HTTP request to the emulator: (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), data


def test_bucket_lifecycle(s3):
    s3.create_bucket(Bucket="life-cycle")
    s3.create_bucket(
        Bucket="in-europe",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert {"life-cycle", "in-europe"} <= set(names)
    assert s3.get_bucket_location(Bucket="in-europe")["LocationConstraint"] == "eu-west-1"
    head = s3.head_bucket(Bucket="in-europe")
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-1"
    # S3's error list: BucketAlreadyOwnedByYou everywhere but for a us-east-1 bucket created
    # again in us-east-1, which is a no-op 200.
    s3.create_bucket(Bucket="life-cycle")
    with pytest.raises(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(
            Bucket="in-europe",
            CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
        )
    s3.put_object(Bucket="life-cycle", Key="k", Body=b"x")
    with pytest.raises(ClientError) as err:
        s3.delete_bucket(Bucket="life-cycle")
    assert err.value.response["Error"]["Code"] == "BucketNotEmpty"
    s3.delete_object(Bucket="life-cycle", Key="k")
    s3.delete_bucket(Bucket="life-cycle")
    with pytest.raises(ClientError) as err:
        s3.head_bucket(Bucket="life-cycle")
    assert err.value.response["Error"]["Code"] == "404"
    with pytest.raises(s3.exceptions.NoSuchBucket):
        s3.list_objects_v2(Bucket="life-cycle")


def test_invalid_bucket_name(s3):
    with pytest.raises(ClientError) as err:
        s3.create_bucket(Bucket="Bad_Name")
    assert err.value.response["Error"]["Code"] == "InvalidBucketName"


def test_account_regional_namespace(emulator, s3):
    """A bucket in the account-regional namespace ends with -<account>-<region>-an."""
    account = emulator.client("sts").get_caller_identity()["Account"]
    name = f"reports-{account}-us-east-1-an"
    created = s3.create_bucket(Bucket=name, BucketNamespace="account-regional")
    assert created["BucketArn"] == f"arn:aws:s3:::{name}"
    s3.head_bucket(Bucket=name)
    s3.delete_bucket(Bucket=name)
    for bucket, namespace in [
        ("reports-wrong-suffix", "account-regional"),
        (f"reports-{account}-eu-west-1-an", "account-regional"),
        ("reports-111122223333-us-east-1-an", "account-regional"),
        (name, "global"),
    ]:
        with pytest.raises(ClientError) as err:
            s3.create_bucket(Bucket=bucket, BucketNamespace=namespace)
        assert err.value.response["Error"]["Code"] == "InvalidNamespaceHeader", bucket
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_object_round_trip_with_metadata(s3):
    s3.create_bucket(Bucket="objects")
    body = os.urandom(4096)
    put = s3.put_object(
        Bucket="objects",
        Key="dir/file.bin",
        Body=body,
        ContentType="application/x-test",
        Metadata={"owner": "alice", "purpose": "e2e"},
        CacheControl="max-age=60",
    )
    assert put["ETag"] == '"%s"' % hashlib.md5(body).hexdigest()
    got = s3.get_object(Bucket="objects", Key="dir/file.bin")
    assert got["Body"].read() == body
    assert got["ContentType"] == "application/x-test"
    assert got["Metadata"] == {"owner": "alice", "purpose": "e2e"}
    assert got["CacheControl"] == "max-age=60"
    assert got["ETag"] == put["ETag"]
    head = s3.head_object(Bucket="objects", Key="dir/file.bin")
    assert head["ContentLength"] == 4096
    assert head["Metadata"]["owner"] == "alice"


def test_missing_objects_raise_typed_errors(s3):
    s3.create_bucket(Bucket="missing")
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket="missing", Key="nope")
    with pytest.raises(s3.exceptions.NoSuchBucket):
        s3.get_object(Bucket="no-such-bucket-here", Key="nope")
    with pytest.raises(ClientError) as err:
        s3.head_object(Bucket="missing", Key="nope")
    assert err.value.response["Error"]["Code"] == "404"


def test_range_and_conditional_gets(s3):
    s3.create_bucket(Bucket="ranges")
    s3.put_object(Bucket="ranges", Key="digits", Body=b"0123456789")
    part = s3.get_object(Bucket="ranges", Key="digits", Range="bytes=2-4")
    assert part["Body"].read() == b"234"
    assert part["ContentRange"] == "bytes 2-4/10"
    assert s3.get_object(Bucket="ranges", Key="digits", Range="bytes=-3")["Body"].read() == b"789"
    assert s3.get_object(Bucket="ranges", Key="digits", Range="bytes=7-")["Body"].read() == b"789"
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket="ranges", Key="digits", Range="bytes=20-30")
    assert err.value.response["Error"]["Code"] == "InvalidRange"
    etag = s3.head_object(Bucket="ranges", Key="digits")["ETag"]
    assert s3.get_object(Bucket="ranges", Key="digits", IfMatch=etag)["Body"].read() == b"0123456789"
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket="ranges", Key="digits", IfMatch='"0000"')
    assert err.value.response["Error"]["Code"] == "PreconditionFailed"
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket="ranges", Key="digits", IfNoneMatch=etag)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304


def test_delete_objects_and_copy(s3):
    s3.create_bucket(Bucket="copies")
    s3.put_object(Bucket="copies", Key="src", Body=b"data", ContentType="text/plain", Metadata={"a": "1"})
    copied = s3.copy_object(Bucket="copies", Key="dst", CopySource={"Bucket": "copies", "Key": "src"})
    assert copied["CopyObjectResult"]["ETag"] == '"%s"' % hashlib.md5(b"data").hexdigest()
    dst = s3.get_object(Bucket="copies", Key="dst")
    assert dst["Body"].read() == b"data" and dst["Metadata"] == {"a": "1"}
    s3.copy_object(
        Bucket="copies",
        Key="replaced",
        CopySource="copies/src",
        MetadataDirective="REPLACE",
        Metadata={"b": "2"},
        ContentType="text/csv",
    )
    replaced = s3.head_object(Bucket="copies", Key="replaced")
    assert replaced["Metadata"] == {"b": "2"} and replaced["ContentType"] == "text/csv"
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.copy_object(Bucket="copies", Key="x", CopySource="copies/absent")
    result = s3.delete_objects(
        Bucket="copies",
        Delete={"Objects": [{"Key": "src"}, {"Key": "dst"}, {"Key": "never-there"}]},
    )
    assert sorted(d["Key"] for d in result["Deleted"]) == ["dst", "never-there", "src"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="copies").get("Contents", [])]
    assert keys == ["replaced"]


def test_list_objects_v2_prefix_delimiter_and_pages(s3):
    s3.create_bucket(Bucket="listing")
    keys = ["a/1", "a/2", "a/b/3", "c/4", "d", "e f+g/ü"]
    for key in keys:
        s3.put_object(Bucket="listing", Key=key, Body=b"x")
    top = s3.list_objects_v2(Bucket="listing", Delimiter="/")
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["a/", "c/", "e f+g/"]
    assert [o["Key"] for o in top["Contents"]] == ["d"]
    under_a = s3.list_objects_v2(Bucket="listing", Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in under_a["Contents"]] == ["a/1", "a/2"]
    assert [p["Prefix"] for p in under_a["CommonPrefixes"]] == ["a/b/"]
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket="listing", PaginationConfig={"PageSize": 2})
    seen = [o["Key"] for page in pages for o in page.get("Contents", [])]
    assert seen == sorted(keys)
    first = s3.list_objects_v2(Bucket="listing", MaxKeys=2)
    assert first["IsTruncated"] and first["KeyCount"] == 2
    after = s3.list_objects_v2(Bucket="listing", StartAfter="c/4")
    assert [o["Key"] for o in after["Contents"]] == ["d", "e f+g/ü"]
    v1_pages = s3.get_paginator("list_objects").paginate(Bucket="listing", PaginationConfig={"PageSize": 4})
    assert [o["Key"] for page in v1_pages for o in page.get("Contents", [])] == sorted(keys)
    v1 = s3.list_objects(Bucket="listing", Delimiter="/", Prefix="a/")
    assert [p["Prefix"] for p in v1["CommonPrefixes"]] == ["a/b/"]


def test_multipart_upload(s3):
    s3.create_bucket(Bucket="multi")
    upload = s3.create_multipart_upload(Bucket="multi", Key="big", ContentType="video/mp4", Metadata={"m": "1"})
    upload_id = upload["UploadId"]
    part1 = os.urandom(5 * 1024 * 1024)
    part2 = os.urandom(1000)
    e1 = s3.upload_part(Bucket="multi", Key="big", UploadId=upload_id, PartNumber=1, Body=part1)["ETag"]
    e2 = s3.upload_part(Bucket="multi", Key="big", UploadId=upload_id, PartNumber=2, Body=part2)["ETag"]
    parts = s3.list_parts(Bucket="multi", Key="big", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, len(part1)), (2, len(part2))]
    done = s3.complete_multipart_upload(
        Bucket="multi",
        Key="big",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]},
    )
    digest = hashlib.md5(hashlib.md5(part1).digest() + hashlib.md5(part2).digest()).hexdigest()
    assert done["ETag"] == f'"{digest}-2"'
    got = s3.get_object(Bucket="multi", Key="big")
    assert got["Body"].read() == part1 + part2
    assert got["ContentType"] == "video/mp4" and got["Metadata"] == {"m": "1"}
    with pytest.raises(s3.exceptions.NoSuchUpload):
        s3.list_parts(Bucket="multi", Key="big", UploadId=upload_id)


def test_copy_of_a_multipart_object_has_an_md5_etag(s3):
    s3.create_bucket(Bucket="copy-parts")
    upload_id = s3.create_multipart_upload(Bucket="copy-parts", Key="big")["UploadId"]
    part = s3.upload_part(Bucket="copy-parts", Key="big", UploadId=upload_id, PartNumber=1, Body=b"only part")
    done = s3.complete_multipart_upload(
        Bucket="copy-parts", Key="big", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert done["ETag"] == '"%s-1"' % hashlib.md5(hashlib.md5(b"only part").digest()).hexdigest()
    copied = s3.copy_object(Bucket="copy-parts", Key="copy", CopySource="copy-parts/big")
    md5 = '"%s"' % hashlib.md5(b"only part").hexdigest()
    assert copied["CopyObjectResult"]["ETag"] == md5
    assert s3.head_object(Bucket="copy-parts", Key="copy")["ETag"] == md5


def test_list_objects_v1_next_marker_only_with_a_delimiter(s3):
    s3.create_bucket(Bucket="markers")
    for key in ("a", "b/1", "b/2", "c"):
        s3.put_object(Bucket="markers", Key=key, Body=b"x")
    plain = s3.list_objects(Bucket="markers", MaxKeys=2)
    assert plain["IsTruncated"] and "NextMarker" not in plain
    assert [o["Key"] for o in plain["Contents"]] == ["a", "b/1"]
    grouped = s3.list_objects(Bucket="markers", MaxKeys=2, Delimiter="/")
    assert grouped["IsTruncated"] and grouped["NextMarker"] == "b/"
    rest = s3.list_objects(Bucket="markers", Delimiter="/", Marker=grouped["NextMarker"])
    assert [o["Key"] for o in rest["Contents"]] == ["c"] and not rest["IsTruncated"]


def test_max_keys_zero_is_an_empty_complete_page(s3):
    s3.create_bucket(Bucket="zero-keys")
    s3.put_object(Bucket="zero-keys", Key="k", Body=b"x")
    v2 = s3.list_objects_v2(Bucket="zero-keys", MaxKeys=0)
    assert (v2["KeyCount"], v2["IsTruncated"]) == (0, False)
    assert "NextContinuationToken" not in v2 and "Contents" not in v2
    v1 = s3.list_objects(Bucket="zero-keys", MaxKeys=0)
    assert v1["IsTruncated"] is False and "Contents" not in v1


def test_failed_precondition_names_its_header(s3):
    import datetime

    s3.create_bucket(Bucket="conditions")
    s3.put_object(Bucket="conditions", Key="k", Body=b"x")
    long_ago = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket="conditions", Key="k", IfUnmodifiedSince=long_ago)
    assert err.value.response["Error"]["Code"] == "PreconditionFailed"
    assert err.value.response["Error"]["Condition"] == "If-Unmodified-Since"
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket="conditions", Key="k", IfMatch='"0000"')
    assert err.value.response["Error"]["Condition"] == "If-Match"


def test_an_inverted_range_is_ignored(emulator, s3):
    s3.create_bucket(Bucket="inverted-ranges")
    s3.put_object(Bucket="inverted-ranges", Key="k", Body=b"0123456789")
    status, headers, body = raw(emulator, "GET", "/inverted-ranges/k", headers={"Range": "bytes=7-2"})
    assert (status, body) == (200, b"0123456789")
    assert "Content-Range" not in headers and "content-range" not in headers


def test_multipart_errors_and_abort(s3):
    s3.create_bucket(Bucket="multi-errors")
    upload_id = s3.create_multipart_upload(Bucket="multi-errors", Key="k")["UploadId"]
    e1 = s3.upload_part(Bucket="multi-errors", Key="k", UploadId=upload_id, PartNumber=1, Body=b"small")["ETag"]
    e2 = s3.upload_part(Bucket="multi-errors", Key="k", UploadId=upload_id, PartNumber=2, Body=b"small")["ETag"]
    with pytest.raises(ClientError) as err:
        s3.complete_multipart_upload(
            Bucket="multi-errors", Key="k", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]},
        )
    assert err.value.response["Error"]["Code"] == "EntityTooSmall"
    with pytest.raises(ClientError) as err:
        s3.complete_multipart_upload(
            Bucket="multi-errors", Key="k", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"deadbeef"'}]},
        )
    assert err.value.response["Error"]["Code"] == "InvalidPart"
    s3.abort_multipart_upload(Bucket="multi-errors", Key="k", UploadId=upload_id)
    with pytest.raises(s3.exceptions.NoSuchUpload):
        s3.abort_multipart_upload(Bucket="multi-errors", Key="k", UploadId=upload_id)


@pytest.mark.parametrize("signature", ["s3v4", "s3"])
def test_presigned_get_and_put(emulator, signature):
    s3 = emulator.client("s3", signature_version=signature)
    bucket = f"presigned-{signature.replace('3', 'three')}"
    s3.create_bucket(Bucket=bucket)
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up.txt"})
    request = urllib.request.Request(put_url, data=b"via presigned put", method="PUT")
    assert urllib.request.urlopen(request, timeout=10).status == 200
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "up.txt"})
    assert urllib.request.urlopen(get_url, timeout=10).read() == b"via presigned put"
    if signature == "s3v4":
        assert "X-Amz-Credential" in get_url


@pytest.mark.parametrize("signature", ["s3v4", "s3"])
def test_presigned_put_stores_metadata_and_content_type(emulator, signature):
    s3 = emulator.client("s3", signature_version=signature)
    bucket = f"presigned-meta-{signature.replace('3', 'three')}"
    s3.create_bucket(Bucket=bucket)
    url = s3.generate_presigned_url(
        "put_object",
        Params={
            "Bucket": bucket,
            "Key": "doc.txt",
            "Metadata": {"owner": "me"},
            "ContentType": "text/plain",
        },
    )
    # SigV4 signs these headers (the uploader sends them); SigV2 carries them in the query.
    headers = {}
    if signature == "s3v4":
        headers = {"x-amz-meta-owner": "me", "Content-Type": "text/plain"}
    else:
        assert "x-amz-meta-owner=me" in url
    request = urllib.request.Request(url, data=b"meta", headers=headers, method="PUT")
    assert urllib.request.urlopen(request, timeout=10).status == 200
    head = s3.head_object(Bucket=bucket, Key="doc.txt")
    assert head["Metadata"] == {"owner": "me"}
    assert head["ContentType"] == "text/plain"


def test_presigned_sigv4_put_with_headers_in_the_query(emulator, s3):
    """Presigners that hoist headers into the query (the JavaScript SDK's) put them there."""
    s3.create_bucket(Bucket="presigned-hoisted")
    url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": "presigned-hoisted", "Key": "k"}
    )
    url += "&x-amz-meta-colour=blue&x-amz-tagging=a%3Db&Content-Type=text%2Fcsv"
    request = urllib.request.Request(url, data=b"a,b", method="PUT")
    assert urllib.request.urlopen(request, timeout=10).status == 200
    head = s3.head_object(Bucket="presigned-hoisted", Key="k")
    assert head["Metadata"] == {"colour": "blue"}
    assert head["ContentType"] == "text/csv"


@pytest.mark.parametrize("signature", ["s3v4", "s3"])
def test_expired_presigned_urls_are_refused(emulator, signature):
    s3 = emulator.client("s3", signature_version=signature)
    bucket = f"presigned-old-{signature.replace('3', 'three')}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"old")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60
    )
    assert urllib.request.urlopen(url, timeout=10).read() == b"old"
    # The emulator checks no signatures, so the expiry can be moved into the past.
    if signature == "s3v4":
        date = url.split("X-Amz-Date=", 1)[1][:16]
        expired = url.replace(f"X-Amz-Date={date}", "X-Amz-Date=20200101T000000Z")
    else:
        expires = url.split("Expires=", 1)[1].split("&")[0]
        expired = url.replace(f"Expires={expires}", "Expires=1577836800")
    for method in ("GET", "PUT"):
        request = urllib.request.Request(expired, data=b"x" if method == "PUT" else None,
                                         method=method)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=10)
        assert err.value.code == 403
        body = err.value.read().decode()
        assert "<Code>AccessDenied</Code>" in body
        assert "<Message>Request has expired</Message>" in body
        expected = "2020-01-01T00:01:00Z" if signature == "s3v4" else "2020-01-01T00:00:00Z"
        assert f"<Expires>{expected}</Expires>" in body
        assert "<ServerTime>" in body
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"old"
    if signature == "s3v4":
        # SigV4 URLs are valid for a week at most.
        too_long = s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=604801
        )
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(too_long, timeout=10)
        assert err.value.code == 400
        assert b"<Code>AuthorizationQueryParametersError</Code>" in err.value.read()


def test_virtual_host_addressing(emulator, s3):
    s3.create_bucket(Bucket="vhost")
    host = f"vhost.localhost:{emulator.port}"
    status, _, _ = raw(emulator, "PUT", "/greeting.txt", b"hello", {"Host": host})
    assert status == 200
    status, headers, body = raw(emulator, "GET", "/greeting.txt", headers={"Host": host})
    assert (status, body) == (200, b"hello")
    assert s3.get_object(Bucket="vhost", Key="greeting.txt")["Body"].read() == b"hello"


def test_aws_chunked_body_with_trailing_checksum(emulator, s3):
    s3.create_bucket(Bucket="chunked")
    data = b"hello chunked world" * 100
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()

    def chunked(crc_value):
        half = len(data) // 2
        return (
            b"%x\r\n" % half + data[:half] + b"\r\n"
            + b"%x\r\n" % (len(data) - half) + data[half:] + b"\r\n"
            + b"0\r\n" + b"x-amz-checksum-crc32:" + crc_value.encode() + b"\r\n\r\n"
        )

    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-decoded-content-length": str(len(data)),
        "x-amz-trailer": "x-amz-checksum-crc32",
        "Content-Type": "text/plain",
    }
    status, _, body = raw(emulator, "PUT", "/chunked/obj", chunked(crc), headers)
    assert status == 200, body
    got = s3.get_object(Bucket="chunked", Key="obj")
    assert got["Body"].read() == data
    assert got["ETag"] == '"%s"' % hashlib.md5(data).hexdigest()
    assert "ContentEncoding" not in got
    status, _, body = raw(emulator, "PUT", "/chunked/bad", chunked("AAAAAA=="), headers)
    assert status == 400 and b"<Code>BadDigest</Code>" in body


def test_unimplemented_operation_names_itself(s3):
    s3.create_bucket(Bucket="unimplemented")
    with pytest.raises(ClientError) as err:
        s3.get_bucket_logging(Bucket="unimplemented")
    assert err.value.response["Error"]["Code"] == "NotImplemented"
    assert "GetBucketLogging" in err.value.response["Error"]["Message"]


def test_malformed_xml_is_a_validation_error(emulator, s3):
    s3.create_bucket(Bucket="malformed")
    status, _, body = raw(emulator, "POST", "/malformed?delete", b"<Delete><Object>", {"Content-Type": "application/xml"})
    assert status == 400 and b"<Code>MalformedXML</Code>" in body
    status, _, body = raw(emulator, "PUT", "/malformed-two", b"not xml at all <", {})
    assert status == 400 and b"MalformedXML" in body


def test_oversized_body_gets_a_clear_error():
    server = Emulator("--max-body-bytes", "1024")
    try:
        s3 = server.client("s3")
        s3.create_bucket(Bucket="small")
        s3.put_object(Bucket="small", Key="fits", Body=b"x" * 1000)
        with pytest.raises(ClientError) as err:
            s3.put_object(Bucket="small", Key="too-big", Body=b"x" * 4096)
        assert err.value.response["Error"]["Code"] == "RequestEntityTooLarge"
        assert "1024" in err.value.response["Error"]["Message"]
    finally:
        server.stop()


def test_part_number_of_an_object_written_in_one_piece(s3):
    # Regression: `partNumber=1` answered 200 with no Content-Range; S3 answers the one part as 206.
    s3.create_bucket(Bucket="one-part")
    s3.put_object(Bucket="one-part", Key="k", Body=b"0123456789")
    got = s3.get_object(Bucket="one-part", Key="k", PartNumber=1)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["ContentRange"] == "bytes 0-9/10"
    assert got["Body"].read() == b"0123456789"
    head = s3.head_object(Bucket="one-part", Key="k", PartNumber=1)
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 206
    with pytest.raises(ClientError) as err:
        s3.head_object(Bucket="one-part", Key="k", PartNumber=2)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 416


def test_response_header_overrides_apply_without_stored_headers(s3):
    # Regression: `response-cache-control` and the like were applied only over a stored header.
    s3.create_bucket(Bucket="overrides")
    s3.put_object(Bucket="overrides", Key="k", Body=b"x")
    got = s3.get_object(
        Bucket="overrides", Key="k", ResponseCacheControl="max-age=67",
        ResponseContentDisposition="attachment", ResponseContentEncoding="identity",
        ResponseContentLanguage="fr-FR", ResponseContentType="image/png",
    )
    assert (got["CacheControl"], got["ContentDisposition"], got["ContentEncoding"]) == (
        "max-age=67", "attachment", "identity"
    )
    assert (got["ContentLanguage"], got["ContentType"]) == ("fr-FR", "image/png")
