"""S3 multipart uploads, additional checksums, listing details and presigned uploads against
`awsredirect serve`, driven by real boto3 (and plain HTTP where a browser or curl would be)."""

import base64
import hashlib
import http.client
import os
import urllib.parse
import zlib

import pytest
from botocore.exceptions import ClientError

from emulator_support import Emulator, emulator, s3  # noqa: F401  (fixtures)


def request(emulator, method, url, body=b"", headers=None):
    """One plain HTTP request to a URL on the emulator: (status, headers, body)."""
    parts = urllib.parse.urlsplit(url if "://" in url else f"http://host{url}")
    conn = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=10)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    conn.request(method, target, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def form_body(fields, file_name, file_data, boundary="e2eBoundary"):
    """A multipart/form-data body: the fields, then the file."""
    out = b""
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    out += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    out += file_data + f"\r\n--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def test_ranged_get_with_checksum_mode_returns_the_range(s3):
    # Regression: the whole object's checksum was sent with a range, and botocore (which asks
    # for checksums by default) rejected the correct bytes.
    s3.create_bucket(Bucket="ranged")
    body = b"0123456789" * 10
    s3.put_object(Bucket="ranged", Key="k", Body=body, ChecksumAlgorithm="CRC32")
    got = s3.get_object(Bucket="ranged", Key="k", Range="bytes=10-19", ChecksumMode="ENABLED")
    assert got["Body"].read() == body[10:20]
    assert "ChecksumCRC32" not in got
    whole = s3.get_object(Bucket="ranged", Key="k", ChecksumMode="ENABLED")
    assert whole["ChecksumCRC32"] == base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256"])
def test_checksums_are_stored_and_returned(s3, algorithm):
    bucket = f"sums-{algorithm.lower()}"
    s3.create_bucket(Bucket=bucket)
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"hello", ChecksumAlgorithm=algorithm)
    member = f"Checksum{algorithm}"
    assert member in put
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head[member] == put[member]
    assert head["ChecksumType"] == "FULL_OBJECT"
    assert member not in s3.head_object(Bucket=bucket, Key="k")
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"][0]
    assert listed["ChecksumAlgorithm"] == [algorithm]
    if algorithm == "SHA256":
        assert put[member] == base64.b64encode(hashlib.sha256(b"hello").digest()).decode()


@pytest.mark.parametrize(
    "algorithm,check",
    # The catalogued check values of the CRCs over b"123456789" (botocore needs its CRT extra
    # to compute these, so the request is sent by hand).
    [("CRC32C", 0xE3069283.to_bytes(4, "big")), ("CRC64NVME", 0xAE8B14860A799888.to_bytes(8, "big"))],
)
def test_crc32c_and_crc64nvme_checksums(emulator, s3, algorithm, check):
    bucket = f"crc-{algorithm.lower()}"
    s3.create_bucket(Bucket=bucket)
    header = f"x-amz-checksum-{algorithm.lower()}"
    value = base64.b64encode(check).decode()
    status, headers, _ = request(emulator, "PUT", f"/{bucket}/k", b"123456789", {header: value})
    assert status == 200 and headers[header] == value
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == value
    wrong = base64.b64encode(bytes(len(check))).decode()
    status, _, data = request(emulator, "PUT", f"/{bucket}/k", b"123456789", {header: wrong})
    assert status == 400 and b"<Code>BadDigest</Code>" in data


def test_wrong_checksum_is_bad_digest(emulator, s3):
    s3.create_bucket(Bucket="bad-sum")
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    status, _, data = request(
        emulator, "PUT", "/bad-sum/k", b"hello", {"x-amz-checksum-sha256": wrong}
    )
    assert status == 400 and b"<Code>BadDigest</Code>" in data
    with pytest.raises(ClientError):
        s3.head_object(Bucket="bad-sum", Key="k")


def test_composite_multipart_checksum_and_parts(s3):
    s3.create_bucket(Bucket="mp-sums")
    upload_id = s3.create_multipart_upload(Bucket="mp-sums", Key="k", ChecksumAlgorithm="SHA256")["UploadId"]
    part1, part2 = os.urandom(5 * 1024 * 1024), b"tail"
    tags = []
    for number, data in ((1, part1), (2, part2)):
        put = s3.upload_part(
            Bucket="mp-sums", Key="k", UploadId=upload_id, PartNumber=number, Body=data,
            ChecksumAlgorithm="SHA256",
        )
        tags.append({"PartNumber": number, "ETag": put["ETag"], "ChecksumSHA256": put["ChecksumSHA256"]})
    listed = s3.list_parts(Bucket="mp-sums", Key="k", UploadId=upload_id)
    assert listed["ChecksumAlgorithm"] == "SHA256"
    assert [p["ChecksumSHA256"] for p in listed["Parts"]] == [t["ChecksumSHA256"] for t in tags]
    done = s3.complete_multipart_upload(
        Bucket="mp-sums", Key="k", UploadId=upload_id, MultipartUpload={"Parts": tags}
    )
    joined = hashlib.sha256(hashlib.sha256(part1).digest() + hashlib.sha256(part2).digest()).digest()
    expected = base64.b64encode(joined).decode() + "-2"
    assert done["ChecksumSHA256"] == expected
    head = s3.head_object(Bucket="mp-sums", Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == expected and head["ChecksumType"] == "COMPOSITE"
    # A repeated Complete answers the same.
    again = s3.complete_multipart_upload(
        Bucket="mp-sums", Key="k", UploadId=upload_id, MultipartUpload={"Parts": tags}
    )
    assert again["ETag"] == done["ETag"]
    second = s3.get_object(Bucket="mp-sums", Key="k", PartNumber=2)
    assert second["Body"].read() == part2 and second["PartsCount"] == 2
    assert "PartsCount" not in s3.head_object(Bucket="mp-sums", Key="k")


def test_upload_part_copy_and_list_uploads(s3):
    s3.create_bucket(Bucket="mp-copy")
    source_key = "dir/a b+c?ü.txt"
    s3.put_object(Bucket="mp-copy", Key=source_key, Body=b"0123456789")
    upload_id = s3.create_multipart_upload(Bucket="mp-copy", Key="dest")["UploadId"]
    first = os.urandom(5 * 1024 * 1024)
    e1 = s3.upload_part(Bucket="mp-copy", Key="dest", UploadId=upload_id, PartNumber=1, Body=first)["ETag"]
    copied = s3.upload_part_copy(
        Bucket="mp-copy", Key="dest", UploadId=upload_id, PartNumber=2,
        CopySource={"Bucket": "mp-copy", "Key": source_key}, CopySourceRange="bytes=2-5",
    )
    e2 = copied["CopyPartResult"]["ETag"]
    assert e2 == '"' + hashlib.md5(b"2345").hexdigest() + '"'
    with pytest.raises(ClientError) as err:
        s3.upload_part_copy(
            Bucket="mp-copy", Key="dest", UploadId=upload_id, PartNumber=3,
            CopySource={"Bucket": "mp-copy", "Key": source_key}, CopySourceRange="bytes=5-50",
        )
    assert err.value.response["Error"]["Code"] == "InvalidRange"
    for key in ("logs/a", "logs/b", "other"):
        s3.create_multipart_upload(Bucket="mp-copy", Key=key)
    everything = s3.list_multipart_uploads(Bucket="mp-copy")
    assert [u["Key"] for u in everything["Uploads"]] == ["dest", "logs/a", "logs/b", "other"]
    folded = s3.list_multipart_uploads(Bucket="mp-copy", Delimiter="/")
    assert [p["Prefix"] for p in folded["CommonPrefixes"]] == ["logs/"]
    assert [u["Key"] for u in folded["Uploads"]] == ["dest", "other"]
    page = s3.list_multipart_uploads(Bucket="mp-copy", MaxUploads=2)
    assert page["IsTruncated"] and [u["Key"] for u in page["Uploads"]] == ["dest", "logs/a"]
    rest = s3.list_multipart_uploads(
        Bucket="mp-copy", KeyMarker=page["NextKeyMarker"], UploadIdMarker=page["NextUploadIdMarker"]
    )
    assert [u["Key"] for u in rest["Uploads"]] == ["logs/b", "other"]
    assert [u["Key"] for u in s3.list_multipart_uploads(Bucket="mp-copy", Prefix="logs/")["Uploads"]] == [
        "logs/a", "logs/b",
    ]
    s3.complete_multipart_upload(
        Bucket="mp-copy", Key="dest", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]},
    )
    assert s3.get_object(Bucket="mp-copy", Key="dest")["Body"].read() == first + b"2345"


def test_part_number_and_list_parts_arguments(s3):
    s3.create_bucket(Bucket="mp-args")
    upload_id = s3.create_multipart_upload(Bucket="mp-args", Key="k")["UploadId"]
    with pytest.raises(ClientError) as err:
        s3.upload_part(Bucket="mp-args", Key="k", UploadId=upload_id, PartNumber=10001, Body=b"x")
    error = err.value.response["Error"]
    assert (error["Code"], error["ArgumentName"], error["ArgumentValue"]) == ("InvalidArgument", "partNumber", "10001")
    with pytest.raises(ClientError) as err:
        s3.list_parts(Bucket="mp-args", Key="k", UploadId=upload_id, MaxParts=-1)
    assert err.value.response["Error"]["Message"] == "Argument max-parts must be an integer between 0 and 2147483647"
    for number in (1, 2, 3):
        s3.upload_part(Bucket="mp-args", Key="k", UploadId=upload_id, PartNumber=number, Body=b"x")
    page = s3.list_parts(Bucket="mp-args", Key="k", UploadId=upload_id, MaxParts=2)
    assert page["IsTruncated"] and page["NextPartNumberMarker"] == 2
    rest = s3.list_parts(Bucket="mp-args", Key="k", UploadId=upload_id, PartNumberMarker=2)
    assert [p["PartNumber"] for p in rest["Parts"]] == [3] and not rest["IsTruncated"]
    with pytest.raises(ClientError) as err:
        s3.complete_multipart_upload(Bucket="mp-args", Key="k", UploadId=upload_id, MultipartUpload={"Parts": []})
    assert err.value.response["Error"]["Code"] == "MalformedXML"


def test_listing_owner_and_tokens(s3):
    s3.create_bucket(Bucket="listing")
    for key in ("a", "b", "c"):
        s3.put_object(Bucket="listing", Key=key, Body=b"x")
    assert "Owner" not in s3.list_objects_v2(Bucket="listing")["Contents"][0]
    owner = s3.list_objects_v2(Bucket="listing", FetchOwner=True)["Contents"][0]["Owner"]
    assert set(owner) == {"ID", "DisplayName"}
    with pytest.raises(ClientError) as err:
        s3.list_objects_v2(Bucket="listing", ContinuationToken="")
    assert err.value.response["Error"]["Code"] == "InvalidArgument"
    first = s3.list_objects_v2(Bucket="listing", MaxKeys=1, StartAfter="a")
    assert first["StartAfter"] == "a" and [o["Key"] for o in first["Contents"]] == ["b"]
    second = s3.list_objects_v2(
        Bucket="listing", MaxKeys=1, StartAfter="a", ContinuationToken=first["NextContinuationToken"]
    )
    assert "StartAfter" not in second and [o["Key"] for o in second["Contents"]] == ["c"]


def test_presigned_post_redirects_and_answers(emulator, s3):
    s3.create_bucket(Bucket="forms")
    success = "http://example.invalid/done"
    post = s3.generate_presigned_post(
        Bucket="forms", Key="up/${filename}",
        Fields={"success_action_redirect": success, "Content-Type": "text/plain"},
        Conditions=[{"success_action_redirect": success}, ["starts-with", "$key", "up/"],
                    ["content-length-range", 1, 100], {"Content-Type": "text/plain"}],
    )
    body, content_type = form_body(post["fields"], "a.txt", b"form data\r\n")
    status, headers, _ = request(emulator, "POST", post["url"], body, {"Content-Type": content_type})
    assert status == 303
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(headers["location"]).query)
    assert query["key"] == ["up/a.txt"] and query["bucket"] == ["forms"]
    got = s3.get_object(Bucket="forms", Key="up/a.txt")
    assert got["Body"].read() == b"form data\r\n" and got["ContentType"] == "text/plain"
    too_big, content_type = form_body(post["fields"], "b.txt", b"x" * 101)
    status, _, data = request(emulator, "POST", post["url"], too_big, {"Content-Type": content_type})
    assert status == 400 and b"EntityTooLarge" in data
    created = s3.generate_presigned_post(Bucket="forms", Key="k201", Fields={"success_action_status": "201"},
                                         Conditions=[{"success_action_status": "201"}])
    body, content_type = form_body(created["fields"], "c.txt", b"abc")
    status, _, data = request(emulator, "POST", created["url"], body, {"Content-Type": content_type})
    assert status == 201 and b"<Key>k201</Key>" in data


def test_presigned_put_needs_signed_headers_and_stores_body_as_sent(emulator):
    # SigV4 names the headers it signed; SigV2 URLs carry Content-Type in the query instead.
    s3 = emulator.client("s3", signature_version="s3v4")
    s3.create_bucket(Bucket="presigned-put")
    url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": "presigned-put", "Key": "typed", "ContentType": "app/sth"}
    )
    status, _, data = request(emulator, "PUT", url, b"content")
    assert status == 403 and b"SignatureDoesNotMatch" in data
    status, _, _ = request(emulator, "PUT", url, b"content", {"Content-Type": "app/sth"})
    assert status == 200
    assert s3.get_object(Bucket="presigned-put", Key="typed")["ContentType"] == "app/sth"
    # A multipart/form-data body sent to a presigned PUT is the object: S3 does not parse it.
    plain = s3.generate_presigned_url("put_object", Params={"Bucket": "presigned-put", "Key": "form"})
    body, content_type = form_body({}, "f.txt", b"test")
    status, _, _ = request(emulator, "PUT", plain, body, {"Content-Type": content_type})
    assert status == 200
    assert s3.get_object(Bucket="presigned-put", Key="form")["Body"].read() == body
