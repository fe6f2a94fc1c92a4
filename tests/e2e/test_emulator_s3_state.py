"""S3 state stored as data against `awsredirect serve`, with real boto3: bucket and object
tagging, bucket configurations (policy, CORS, website, acceleration, public access block,
versioning status, inventory), ACLs, storage classes and restores, encryption headers, the
version listing of an unversioned bucket, and all of it surviving a restart."""

import json

import pytest
from botocore.exceptions import ClientError

from emulator_support import Emulator, emulator, s3  # noqa: F401  (fixtures)


def error_code(err):
    return err.value.response["Error"]["Code"]


def test_bucket_tagging_round_trip(s3):
    s3.create_bucket(Bucket="tagged")
    with pytest.raises(ClientError) as err:
        s3.get_bucket_tagging(Bucket="tagged")
    assert error_code(err) == "NoSuchTagSet"
    tags = [{"Key": "env", "Value": "test"}, {"Key": "team", "Value": ""}]
    s3.put_bucket_tagging(Bucket="tagged", Tagging={"TagSet": tags})
    assert s3.get_bucket_tagging(Bucket="tagged")["TagSet"] == tags
    s3.delete_bucket_tagging(Bucket="tagged")
    with pytest.raises(ClientError) as err:
        s3.get_bucket_tagging(Bucket="tagged")
    assert error_code(err) == "NoSuchTagSet"
    with pytest.raises(ClientError) as err:
        s3.put_bucket_tagging(
            Bucket="tagged",
            Tagging={"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]},
        )
    assert error_code(err) == "InvalidTag"
    with pytest.raises(ClientError) as err:
        s3.get_bucket_tagging(Bucket="no-such-bucket-here")
    assert error_code(err) == "NoSuchBucket"


def test_object_tagging_from_headers_and_calls(s3):
    s3.create_bucket(Bucket="obj-tags")
    s3.put_object(Bucket="obj-tags", Key="k", Body=b"x", Tagging="a=1&b=two%20words")
    head = s3.head_object(Bucket="obj-tags", Key="k")
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-tagging-count"] == "2"
    assert s3.get_object_tagging(Bucket="obj-tags", Key="k")["TagSet"] == [
        {"Key": "a", "Value": "1"},
        {"Key": "b", "Value": "two words"},
    ]
    s3.put_object_tagging(
        Bucket="obj-tags", Key="k", Tagging={"TagSet": [{"Key": "c", "Value": "3"}]}
    )
    assert s3.get_object(Bucket="obj-tags", Key="k")["TagCount"] == 1
    # A copy keeps the source's tags unless told to replace them.
    s3.copy_object(Bucket="obj-tags", Key="copy", CopySource="obj-tags/k")
    assert s3.get_object_tagging(Bucket="obj-tags", Key="copy")["TagSet"] == [
        {"Key": "c", "Value": "3"}
    ]
    s3.copy_object(
        Bucket="obj-tags", Key="copy", CopySource="obj-tags/k",
        TaggingDirective="REPLACE", Tagging="d=4",
    )
    assert s3.get_object_tagging(Bucket="obj-tags", Key="copy")["TagSet"] == [
        {"Key": "d", "Value": "4"}
    ]
    s3.delete_object_tagging(Bucket="obj-tags", Key="k")
    assert s3.get_object_tagging(Bucket="obj-tags", Key="k")["TagSet"] == []
    assert "TagCount" not in s3.get_object(Bucket="obj-tags", Key="k")
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket="obj-tags", Key="k", Body=b"x", Tagging="aws:x=1")
    assert error_code(err) == "InvalidTag"
    with pytest.raises(ClientError) as err:
        s3.get_object_tagging(Bucket="obj-tags", Key="missing")
    assert error_code(err) == "NoSuchKey"


def test_policy_cors_website_and_public_access_block(s3):
    s3.create_bucket(Bucket="configured")
    with pytest.raises(ClientError) as err:
        s3.get_bucket_policy(Bucket="configured")
    assert error_code(err) == "NoSuchBucketPolicy"
    policy = json.dumps({"Version": "2012-10-17", "Statement": []})
    s3.put_bucket_policy(Bucket="configured", Policy=policy)
    assert s3.get_bucket_policy(Bucket="configured")["Policy"] == policy
    with pytest.raises(ClientError) as err:
        s3.put_bucket_policy(Bucket="configured", Policy="not json")
    assert error_code(err) == "MalformedPolicy"
    s3.delete_bucket_policy(Bucket="configured")
    with pytest.raises(ClientError):
        s3.get_bucket_policy(Bucket="configured")

    rules = [{"AllowedMethods": ["GET", "PUT"], "AllowedOrigins": ["*"], "MaxAgeSeconds": 30}]
    s3.put_bucket_cors(Bucket="configured", CORSConfiguration={"CORSRules": rules})
    assert s3.get_bucket_cors(Bucket="configured")["CORSRules"] == rules
    with pytest.raises(ClientError) as err:
        s3.put_bucket_cors(
            Bucket="configured",
            CORSConfiguration={"CORSRules": [{"AllowedMethods": ["PATCH"], "AllowedOrigins": ["*"]}]},
        )
    assert error_code(err) == "InvalidRequest"
    s3.delete_bucket_cors(Bucket="configured")
    with pytest.raises(ClientError) as err:
        s3.get_bucket_cors(Bucket="configured")
    assert error_code(err) == "NoSuchCORSConfiguration"

    s3.put_bucket_website(
        Bucket="configured",
        WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"},
            "ErrorDocument": {"Key": "error.html"},
            "RoutingRules": [{"Condition": {"KeyPrefixEquals": "old/"},
                              "Redirect": {"ReplaceKeyPrefixWith": "new/"}}],
        },
    )
    site = s3.get_bucket_website(Bucket="configured")
    assert site["IndexDocument"] == {"Suffix": "index.html"}
    assert site["ErrorDocument"] == {"Key": "error.html"}
    assert site["RoutingRules"][0]["Redirect"] == {"ReplaceKeyPrefixWith": "new/"}
    s3.delete_bucket_website(Bucket="configured")
    with pytest.raises(ClientError) as err:
        s3.get_bucket_website(Bucket="configured")
    assert error_code(err) == "NoSuchWebsiteConfiguration"

    s3.put_public_access_block(
        Bucket="configured", PublicAccessBlockConfiguration={"BlockPublicAcls": True}
    )
    assert s3.get_public_access_block(Bucket="configured")["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    }
    s3.delete_public_access_block(Bucket="configured")
    with pytest.raises(ClientError) as err:
        s3.get_public_access_block(Bucket="configured")
    assert error_code(err) == "NoSuchPublicAccessBlockConfiguration"


def test_acceleration_versioning_status_and_inventory(s3):
    s3.create_bucket(Bucket="accel")
    assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket="accel")
    s3.put_bucket_accelerate_configuration(Bucket="accel", AccelerateConfiguration={"Status": "Suspended"})
    assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket="accel")
    s3.put_bucket_accelerate_configuration(Bucket="accel", AccelerateConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_accelerate_configuration(Bucket="accel")["Status"] == "Enabled"
    with pytest.raises(ClientError) as err:
        s3.put_bucket_accelerate_configuration(Bucket="accel", AccelerateConfiguration={"Status": "On"})
    assert error_code(err) == "MalformedXML"
    s3.create_bucket(Bucket="with.dots")
    with pytest.raises(ClientError) as err:
        s3.put_bucket_accelerate_configuration(Bucket="with.dots", AccelerateConfiguration={"Status": "Enabled"})
    assert error_code(err) == "InvalidRequest"

    assert "Status" not in s3.get_bucket_versioning(Bucket="accel")
    s3.put_bucket_versioning(Bucket="accel", VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket="accel")["Status"] == "Suspended"

    inventory = {
        "Destination": {"S3BucketDestination": {"Bucket": "arn:aws:s3:::accel", "Format": "CSV"}},
        "IsEnabled": True,
        "Id": "weekly",
        "IncludedObjectVersions": "Current",
        "Schedule": {"Frequency": "Weekly"},
    }
    s3.put_bucket_inventory_configuration(Bucket="accel", Id="weekly", InventoryConfiguration=inventory)
    got = s3.get_bucket_inventory_configuration(Bucket="accel", Id="weekly")
    assert got["InventoryConfiguration"] == inventory
    listed = s3.list_bucket_inventory_configurations(Bucket="accel")
    assert listed["InventoryConfigurationList"] == [inventory]
    assert listed["IsTruncated"] is False
    s3.delete_bucket_inventory_configuration(Bucket="accel", Id="weekly")
    with pytest.raises(ClientError) as err:
        s3.get_bucket_inventory_configuration(Bucket="accel", Id="weekly")
    assert error_code(err) == "NoSuchConfiguration"


def test_acls_canned_granted_and_documented(s3):
    s3.create_bucket(Bucket="acls")
    acl = s3.get_bucket_acl(Bucket="acls")
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
    assert acl["Grants"][0]["Grantee"]["Type"] == "CanonicalUser"
    s3.put_bucket_acl(Bucket="acls", ACL="public-read")
    grants = s3.get_bucket_acl(Bucket="acls")["Grants"]
    assert {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
            "Permission": "READ"} in grants
    s3.put_object(Bucket="acls", Key="k", Body=b"x", ACL="authenticated-read")
    grants = s3.get_object_acl(Bucket="acls", Key="k")["Grants"]
    assert grants[1]["Grantee"]["URI"].endswith("/AuthenticatedUsers")
    owner = s3.get_object_acl(Bucket="acls", Key="k")["Owner"]
    s3.put_object_acl(
        Bucket="acls", Key="k",
        AccessControlPolicy={
            "Owner": owner,
            "Grants": [{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"},
                        "Permission": "WRITE"}],
        },
    )
    grants = s3.get_object_acl(Bucket="acls", Key="k")["Grants"]
    assert grants == [{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"},
                       "Permission": "WRITE"}]
    s3.put_object_acl(Bucket="acls", Key="k", GrantRead='id="someone"')
    [grant] = s3.get_object_acl(Bucket="acls", Key="k")["Grants"]
    assert grant["Grantee"] == {"Type": "CanonicalUser", "ID": "someone"}
    with pytest.raises(ClientError) as err:
        s3.put_object_acl(Bucket="acls", Key="missing", ACL="private")
    assert error_code(err) == "NoSuchKey"


def test_storage_class_encryption_redirect_and_restore(s3):
    s3.create_bucket(Bucket="classes")
    s3.put_object(Bucket="classes", Key="plain", Body=b"x", StorageClass="STANDARD")
    assert "StorageClass" not in s3.head_object(Bucket="classes", Key="plain")
    s3.put_object(
        Bucket="classes", Key="rr", Body=b"x", StorageClass="REDUCED_REDUNDANCY",
        ServerSideEncryption="aws:kms", SSEKMSKeyId="my-key",
        WebsiteRedirectLocation="/elsewhere",
    )
    head = s3.head_object(Bucket="classes", Key="rr")
    assert head["StorageClass"] == "REDUCED_REDUNDANCY"
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == "my-key"
    assert head["WebsiteRedirectLocation"] == "/elsewhere"
    listed = {o["Key"]: o["StorageClass"] for o in s3.list_objects_v2(Bucket="classes")["Contents"]}
    assert listed == {"plain": "STANDARD", "rr": "REDUCED_REDUNDANCY"}
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket="classes", Key="bad", Body=b"x", StorageClass="COLD")
    assert error_code(err) == "InvalidStorageClass"
    # Changing only the storage class is a valid copy onto itself; the encryption of the
    # source is not carried over when the copy does not ask for it.
    s3.copy_object(Bucket="classes", Key="rr", CopySource="classes/rr", StorageClass="STANDARD_IA")
    head = s3.head_object(Bucket="classes", Key="rr")
    assert head["StorageClass"] == "STANDARD_IA"
    assert "ServerSideEncryption" not in head

    with pytest.raises(ClientError) as err:
        s3.restore_object(Bucket="classes", Key="plain", RestoreRequest={"Days": 1})
    assert error_code(err) == "InvalidObjectState"
    assert err.value.response["Error"]["StorageClass"] == "STANDARD"
    s3.put_object(Bucket="classes", Key="cold", Body=b"archived", StorageClass="GLACIER")
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket="classes", Key="cold")
    assert error_code(err) == "InvalidObjectState"
    first = s3.restore_object(Bucket="classes", Key="cold", RestoreRequest={"Days": 1})
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 202
    again = s3.restore_object(Bucket="classes", Key="cold", RestoreRequest={"Days": 2})
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert 'ongoing-request="false"' in s3.head_object(Bucket="classes", Key="cold")["Restore"]
    assert s3.get_object(Bucket="classes", Key="cold")["Body"].read() == b"archived"


def test_versions_of_an_unversioned_bucket(s3):
    s3.create_bucket(Bucket="unversioned")
    for key in ["a", "dir/b", "dir/c", "z"]:
        s3.put_object(Bucket="unversioned", Key=key, Body=key.encode())
    listed = s3.list_object_versions(Bucket="unversioned", Delimiter="/")
    assert [(v["Key"], v["VersionId"], v["IsLatest"]) for v in listed["Versions"]] == [
        ("a", "null", True), ("z", "null", True)
    ]
    assert listed["CommonPrefixes"] == [{"Prefix": "dir/"}]
    page = s3.list_object_versions(Bucket="unversioned", MaxKeys=2)
    assert [v["Key"] for v in page["Versions"]] == ["a", "dir/b"]
    assert page["IsTruncated"] is True and page["NextKeyMarker"] == "dir/b"
    rest = s3.list_object_versions(Bucket="unversioned", KeyMarker="dir/b")
    assert [v["Key"] for v in rest["Versions"]] == ["dir/c", "z"]
    assert s3.get_object(Bucket="unversioned", Key="a", VersionId="null")["Body"].read() == b"a"
    with pytest.raises(ClientError) as err:
        s3.head_object(Bucket="unversioned", Key="a", VersionId="not-a-version")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    s3.delete_object(Bucket="unversioned", Key="a", VersionId="null")
    assert [v["Key"] for v in s3.list_object_versions(Bucket="unversioned")["Versions"]] == [
        "dir/b", "dir/c", "z"
    ]


def test_stored_state_survives_a_restart(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    server = Emulator(state_dir=state)
    s3 = server.client("s3")
    s3.create_bucket(Bucket="durable-config")
    s3.put_bucket_tagging(Bucket="durable-config", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    s3.put_bucket_cors(
        Bucket="durable-config",
        CORSConfiguration={"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]},
    )
    s3.put_object(Bucket="durable-config", Key="o", Body=b"body", Tagging="t=1", StorageClass="GLACIER")
    s3.put_object_acl(Bucket="durable-config", Key="o", ACL="public-read")
    s3.restore_object(Bucket="durable-config", Key="o", RestoreRequest={"Days": 1})
    server.kill9()
    again = Emulator(state_dir=state)
    try:
        s3 = again.client("s3")
        assert s3.get_bucket_tagging(Bucket="durable-config")["TagSet"] == [{"Key": "k", "Value": "v"}]
        assert s3.get_bucket_cors(Bucket="durable-config")["CORSRules"][0]["AllowedMethods"] == ["GET"]
        assert s3.get_object_tagging(Bucket="durable-config", Key="o")["TagSet"] == [{"Key": "t", "Value": "1"}]
        assert len(s3.get_object_acl(Bucket="durable-config", Key="o")["Grants"]) == 2
        got = s3.get_object(Bucket="durable-config", Key="o")
        assert got["Body"].read() == b"body"
        assert got["StorageClass"] == "GLACIER"
    finally:
        again.stop()


def test_create_bucket_location_rules(emulator):
    east = emulator.client("s3")
    west = emulator.client("s3", region="us-west-2")
    with pytest.raises(ClientError) as err:
        west.create_bucket(Bucket="no-constraint")
    assert error_code(err) == "IllegalLocationConstraintException"
    with pytest.raises(ClientError) as err:
        west.create_bucket(Bucket="elsewhere", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert error_code(err) == "IllegalLocationConstraintException"
    created = west.create_bucket(Bucket="in-oregon", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    assert created["BucketArn"] == "arn:aws:s3:::in-oregon"
    east.create_bucket(Bucket="from-east", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert east.get_bucket_location(Bucket="from-east")["LocationConstraint"] == "eu-west-1"
    # us-east-1 repeats a create of its own bucket as a success; other regions refuse it.
    east.create_bucket(Bucket="twice")
    east.create_bucket(Bucket="twice")
    with pytest.raises(ClientError) as err:
        east.create_bucket(Bucket="from-east")
    assert error_code(err) == "BucketAlreadyOwnedByYou"
    with pytest.raises(ClientError) as err:
        west.create_bucket(Bucket="in-oregon", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    assert error_code(err) == "BucketAlreadyOwnedByYou"


def test_list_buckets_filters_and_pages(s3):
    for name in ["page-a", "page-b", "page-c", "other"]:
        s3.create_bucket(Bucket=name)
    s3.create_bucket(Bucket="page-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    names = lambda resp: [b["Name"] for b in resp["Buckets"]]  # noqa: E731
    first = s3.list_buckets(Prefix="page-", MaxBuckets=2)
    assert names(first) == ["page-a", "page-b"]
    assert first["Prefix"] == "page-"
    rest = s3.list_buckets(Prefix="page-", MaxBuckets=2, ContinuationToken=first["ContinuationToken"])
    assert names(rest) == ["page-c", "page-eu"]
    assert "ContinuationToken" not in s3.list_buckets(Prefix="page-", MaxBuckets=10)
    eu = s3.list_buckets(Prefix="page-", BucketRegion="eu-west-1")
    assert names(eu) == ["page-eu"]
    assert eu["Buckets"][0]["BucketRegion"] == "eu-west-1"


def test_delete_objects_by_version_and_encryption_echo(s3):
    s3.create_bucket(Bucket="by-version")
    put = s3.put_object(Bucket="by-version", Key="a", Body=b"x", ServerSideEncryption="aws:kms",
                        SSEKMSKeyId="key-1", BucketKeyEnabled=True)
    assert (put["ServerSideEncryption"], put["SSEKMSKeyId"], put["BucketKeyEnabled"]) == ("aws:kms", "key-1", True)
    s3.put_object(Bucket="by-version", Key="b", Body=b"x")
    resp = s3.delete_objects(
        Bucket="by-version",
        Delete={"Objects": [{"Key": "a", "VersionId": "null"}, {"Key": "b", "VersionId": "v-unknown"}]},
    )
    assert resp["Deleted"] == [{"Key": "a", "VersionId": "null"}]
    assert resp["Errors"][0]["Code"] == "NoSuchVersion"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="by-version")["Contents"]] == ["b"]
    # Once versioning is enabled an unknown id names a version that does not exist, and the
    # object written before is the `null` version.
    s3.put_bucket_versioning(Bucket="by-version", VersioningConfiguration={"Status": "Enabled"})
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket="by-version", Key="b", VersionId="v-unknown")
    assert error_code(err) == "NoSuchVersion"
    listed = s3.list_object_versions(Bucket="by-version")["Versions"]
    assert [(v["Key"], v["VersionId"]) for v in listed] == [("b", "null")]


def test_copy_of_a_version_that_does_not_exist_is_refused(s3):
    # Regression: the source's `?versionId=` was ignored, so the current object was copied.
    s3.create_bucket(Bucket="copy-versions")
    s3.put_object(Bucket="copy-versions", Key="src", Body=b"current")
    with pytest.raises(ClientError) as err:
        s3.copy_object(Bucket="copy-versions", Key="dst",
                       CopySource={"Bucket": "copy-versions", "Key": "src", "VersionId": "v-old"})
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError):
        s3.head_object(Bucket="copy-versions", Key="dst")
    s3.copy_object(Bucket="copy-versions", Key="dst",
                   CopySource={"Bucket": "copy-versions", "Key": "src", "VersionId": "null"})
    assert s3.get_object(Bucket="copy-versions", Key="dst")["Body"].read() == b"current"


def test_multipart_upload_keeps_the_acl_of_its_creation(s3):
    # Regression: CreateMultipartUpload's `x-amz-acl` was dropped, so the object came out private.
    s3.create_bucket(Bucket="mpu-acl")
    upload = s3.create_multipart_upload(Bucket="mpu-acl", Key="k", ACL="authenticated-read")
    part = s3.upload_part(Bucket="mpu-acl", Key="k", UploadId=upload["UploadId"], PartNumber=1, Body=b"x")
    s3.complete_multipart_upload(
        Bucket="mpu-acl", Key="k", UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )
    grants = s3.get_object_acl(Bucket="mpu-acl", Key="k")["Grants"]
    uris = [g["Grantee"].get("URI") for g in grants]
    assert "http://acs.amazonaws.com/groups/global/AuthenticatedUsers" in uris
