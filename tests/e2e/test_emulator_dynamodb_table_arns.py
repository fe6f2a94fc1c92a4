"""DynamoDB table ARNs in place of table names against `awsredirect serve`, with boto3.

DynamoDB takes a table's ARN wherever it takes an existing table's name (the botocore model's
`TableArn` members; API reference: "You can also provide the Amazon Resource Name (ARN) of the
table in this parameter"). Answers name the table by its name; a batch answers under the keys
the caller sent (moto's AWS-verified `test_batch_write_using_arn`)."""

import pytest
from botocore.exceptions import ClientError

from emulator_support import emulator  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def ddb(emulator):
    return emulator.client("dynamodb")


def table(ddb, name):
    return ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                            BillingMode="PAY_PER_REQUEST")["TableDescription"]["TableArn"]


def error(call, **kwargs):
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response["Error"]


def test_item_reads_and_writes_take_the_tables_arn(ddb):
    arn = table(ddb, "by-arn")
    assert ddb.describe_table(TableName=arn)["Table"]["TableName"] == "by-arn"
    ddb.put_item(TableName=arn, Item={"id": {"S": "a"}, "v": {"N": "1"}})
    assert ddb.get_item(TableName=arn, Key={"id": {"S": "a"}})["Item"]["v"] == {"N": "1"}
    ddb.update_item(TableName=arn, Key={"id": {"S": "a"}}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"N": "2"}})
    found = ddb.query(TableName=arn, KeyConditionExpression="id = :a",
                      ExpressionAttributeValues={":a": {"S": "a"}})["Items"]
    assert found == [{"id": {"S": "a"}, "v": {"N": "2"}}]
    assert ddb.scan(TableName=arn)["Count"] == 1
    ddb.delete_item(TableName=arn, Key={"id": {"S": "a"}})
    assert ddb.scan(TableName="by-arn")["Count"] == 0


def test_batches_answer_under_the_key_sent_and_transactions_take_arns(ddb):
    arn = table(ddb, "batched")
    ddb.batch_write_item(RequestItems={arn: [{"PutRequest": {"Item": {"id": {"S": "a"}}}}]})
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": arn, "Key": {"id": {"S": "b"}}, "UpdateExpression": "SET x = :x",
                    "ExpressionAttributeValues": {":x": {"S": "1"}}}},
        {"ConditionCheck": {"TableName": arn, "Key": {"id": {"S": "a"}},
                            "ConditionExpression": "attribute_exists(id)"}},
    ])
    got = ddb.batch_get_item(RequestItems={arn: {"Keys": [{"id": {"S": "a"}}]},
                                           "batched": {"Keys": [{"id": {"S": "b"}}]}})["Responses"]
    assert got == {arn: [{"id": {"S": "a"}}], "batched": [{"id": {"S": "b"}, "x": {"S": "1"}}]}
    items = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": arn, "Key": {"id": {"S": "b"}}}}])
    assert items["Responses"] == [{"Item": {"id": {"S": "b"}, "x": {"S": "1"}}}]
    # One item named once by name and once by ARN is one item.
    err = error(ddb.batch_write_item, RequestItems={
        arn: [{"DeleteRequest": {"Key": {"id": {"S": "a"}}}}],
        "batched": [{"DeleteRequest": {"Key": {"id": {"S": "a"}}}}],
    })
    assert err["Message"] == "Provided list of item keys contains duplicates"


def test_table_settings_backups_and_deletion_take_the_tables_arn(ddb):
    arn = table(ddb, "managed")
    ddb.update_table(TableName=arn, BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 2})
    ddb.update_time_to_live(TableName=arn, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert ddb.describe_time_to_live(TableName=arn)["TimeToLiveDescription"]["AttributeName"] == "exp"
    ddb.update_continuous_backups(TableName=arn,
                                  PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    status = ddb.describe_continuous_backups(TableName=arn)["ContinuousBackupsDescription"]
    assert status["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    backup = ddb.create_backup(TableName=arn, BackupName="nightly")["BackupDetails"]["BackupArn"]
    assert backup.startswith(arn + "/backup/")
    summaries = ddb.list_backups(TableName=arn)["BackupSummaries"]
    assert [(s["BackupArn"], s["TableName"]) for s in summaries] == [(backup, "managed")]
    restored = ddb.restore_table_to_point_in_time(SourceTableArn=arn, TargetTableName="managed-copy",
                                                  UseLatestRestorableTime=True)["TableDescription"]
    assert restored["RestoreSummary"]["SourceTableArn"] == arn
    deleted = ddb.delete_table(TableName=arn)["TableDescription"]
    assert deleted["TableName"] == "managed"
    err = error(ddb.describe_table, TableName=arn)
    assert err["Code"] == "ResourceNotFoundException"


def test_arns_of_another_region_or_account_and_malformed_names_are_refused(ddb, emulator):
    arn = table(ddb, "placed")
    elsewhere = arn.replace(":us-east-1:", ":eu-west-1:")
    err = error(ddb.get_item, TableName=elsewhere, Key={"id": {"S": "a"}})
    assert err == {"Code": "ValidationException",
                   "Message": f"1 validation error detected: Invalid AWS region in '{elsewhere}'"}
    # Another account's table needs a resource-based policy allowing the caller, which the
    # emulator does not keep: AWS denies the request.
    other = emulator.client("dynamodb", access_key="999988887777")
    err = error(other.describe_table, TableName=arn)
    assert err["Code"] == "AccessDeniedException"
    assert "dynamodb:DescribeTable on resource: " + arn in err["Message"]
    index = arn + "/index/by-date"
    err = error(ddb.query, TableName=index, KeyConditionExpression="id = :a",
                ExpressionAttributeValues={":a": {"S": "a"}})
    assert err["Code"] == "ValidationException" and "Valid ARN format is" in err["Message"]
    # A value that is not an ARN is a name, checked as the model's TableName.
    err = error(ddb.describe_table, TableName="ab")
    assert err["Message"] == ("1 validation error detected: Value 'ab' at 'tableName' failed to satisfy "
                              "constraint: Member must have length greater than or equal to 3")
    err = error(ddb.put_item, TableName="no such table", Item={"id": {"S": "a"}})
    assert err["Code"] == "ValidationException" and "regular expression pattern" in err["Message"]
    # CreateTable takes a name only.
    err = error(ddb.create_table, TableName=arn.replace("placed", "fresh"),
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST")
    assert err["Code"] == "ValidationException" and "at 'tableName'" in err["Message"]


def test_point_in_time_restore_names_its_source_once(ddb):
    arn = table(ddb, "pitr-source")
    ddb.update_continuous_backups(TableName=arn,
                                  PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    err = error(ddb.restore_table_to_point_in_time, SourceTableArn=arn, SourceTableName="pitr-source",
                TargetTableName="pitr-target", UseLatestRestorableTime=True)
    assert err["Code"] == "ValidationException"
    err = error(ddb.restore_table_to_point_in_time, SourceTableArn="pitr-source",
                TargetTableName="pitr-target", UseLatestRestorableTime=True)
    assert err["Message"] == ("One or more parameter values were invalid: ARNs must start with 'arn:': "
                              "pitr-source")
    # A missing source is TableNotFoundException, the code the botocore model lists for it
    # ("A source table with the name TableName does not currently exist").
    err = error(ddb.restore_table_to_point_in_time, SourceTableArn=arn.replace("pitr-source", "gone"),
                TargetTableName="pitr-target", UseLatestRestorableTime=True)
    assert err["Code"] == "TableNotFoundException"


def test_tags_read_the_resource_arn_as_the_other_operations_read_table_arns(ddb, emulator):
    arn = table(ddb, "tag-arns")
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}])
    missing = arn.replace("tag-arns", "tag-gone")
    err = error(ddb.list_tags_of_resource, ResourceArn=missing)
    assert err == {"Code": "ResourceNotFoundException",
                   "Message": f"Requested resource not found: ResourceArn: {missing} not found"}
    elsewhere = arn.replace(":us-east-1:", ":eu-west-1:")
    err = error(ddb.list_tags_of_resource, ResourceArn=elsewhere)
    assert err == {"Code": "ValidationException",
                   "Message": f"Invalid TableArn: Invalid ResourceArn provided as input {elsewhere}"}
    other = emulator.client("dynamodb", access_key="999988887777")
    err = error(other.tag_resource, ResourceArn=arn, Tags=[{"Key": "k", "Value": "w"}])
    assert err["Code"] == "AccessDeniedException"
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
