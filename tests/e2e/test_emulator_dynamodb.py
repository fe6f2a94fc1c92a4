"""DynamoDB against `awsredirect serve`: boto3 (client and resource layers) and the AWS CLI."""

import json
from decimal import Decimal

import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from emulator_support import emulator, run_aws  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def ddb(emulator):
    return emulator.client("dynamodb")


@pytest.fixture(scope="module")
def resource(emulator):
    import boto3

    return boto3.resource(
        "dynamodb",
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def make_orders(ddb, name="orders"):
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "customer", "AttributeType": "S"},
            {"AttributeName": "n", "AttributeType": "N"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "total", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexes=[{
            "IndexName": "by-status",
            "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
        LocalSecondaryIndexes=[{
            "IndexName": "by-total",
            "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "total", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 2})


def test_table_lifecycle_and_listing(ddb):
    for i in range(5):
        ddb.create_table(
            TableName=f"list-{i}",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        )
    with pytest.raises(ddb.exceptions.ResourceInUseException):
        ddb.create_table(
            TableName="list-0",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    table = ddb.describe_table(TableName="list-0")["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["TableArn"] == "arn:aws:dynamodb:us-east-1:000000000000:table/list-0"
    names = []
    for page in ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2}):
        names += page["TableNames"]
    assert [n for n in names if n.startswith("list-")] == [f"list-{i}" for i in range(5)]
    ddb.delete_table(TableName="list-4")
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.describe_table(TableName="list-4")
    with pytest.raises(ClientError) as err:
        ddb.create_table(
            TableName="bad",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "other", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    assert err.value.response["Error"]["Code"] == "ValidationException"


def test_update_table_adds_and_removes_a_gsi(ddb):
    ddb.create_table(
        TableName="gsi-later",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="gsi-later", Item={"id": {"S": "1"}, "email": {"S": "a@x"}})
    ddb.update_table(
        TableName="gsi-later",
        AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "by-email",
            "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }}],
    )
    out = ddb.query(TableName="gsi-later", IndexName="by-email",
                    KeyConditionExpression="email = :e", ExpressionAttributeValues={":e": {"S": "a@x"}})
    assert [i["id"]["S"] for i in out["Items"]] == ["1"]
    ddb.update_table(TableName="gsi-later", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-email"}}])
    assert "GlobalSecondaryIndexes" not in ddb.describe_table(TableName="gsi-later")["Table"]


def test_every_type_and_38_digit_numbers(ddb):
    ddb.create_table(
        TableName="types",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "B"}],
        BillingMode="PAY_PER_REQUEST",
    )
    big = "1234567890123456789012345678901234567.8"
    item = {
        "pk": {"B": b"\x00\x01"},
        "s": {"S": "text"},
        "n": {"N": big},
        "small": {"N": "0.10"},
        "b": {"B": b"bytes"},
        "t": {"BOOL": True},
        "z": {"NULL": True},
        "m": {"M": {"inner": {"L": [{"S": "x"}, {"N": "1"}]}}},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2.5"]},
        "bs": {"BS": [b"x", b"y"]},
    }
    ddb.put_item(TableName="types", Item=item)
    got = ddb.get_item(TableName="types", Key={"pk": {"B": b"\x00\x01"}})["Item"]
    assert got["n"] == {"N": big}
    assert got["small"] == {"N": "0.1"}
    assert got["m"] == item["m"] and got["b"] == item["b"] and got["z"] == item["z"]
    assert sorted(got["ns"]["NS"]) == ["1", "2.5"]
    assert sorted(got["bs"]["BS"]) == [b"x", b"y"]
    with pytest.raises(ClientError) as err:
        ddb.put_item(TableName="types", Item={"pk": {"B": b"1"}, "n": {"N": "1" * 39}})
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "38" in err.value.response["Error"]["Message"]
    # Decimal arithmetic: 0.1 + 0.2 is exactly 0.3.
    out = ddb.update_item(
        TableName="types", Key={"pk": {"B": b"\x00\x01"}},
        UpdateExpression="SET small = small + :x",
        ExpressionAttributeValues={":x": {"N": "0.2"}}, ReturnValues="UPDATED_NEW",
    )
    assert out["Attributes"] == {"small": {"N": "0.3"}}


def test_items_conditions_and_updates(ddb):
    make_orders(ddb)
    ddb.put_item(TableName="orders", Item={"customer": {"S": "c1"}, "n": {"N": "1"}, "status": {"S": "open"},
                                            "total": {"N": "10"}, "tags": {"SS": ["a"]}, "labels": {"SS": ["a", "z"]}, "lines": {"L": [{"S": "x"}]}})
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(TableName="orders", Item={"customer": {"S": "c1"}, "n": {"N": "1"}},
                     ConditionExpression="attribute_not_exists(customer)")
    old = ddb.put_item(TableName="orders", Item={"customer": {"S": "c1"}, "n": {"N": "2"}, "status": {"S": "done"},
                                                  "total": {"N": "5"}}, ReturnValues="ALL_OLD")
    assert "Attributes" not in old
    out = ddb.update_item(
        TableName="orders", Key={"customer": {"S": "c1"}, "n": {"N": "1"}},
        UpdateExpression="SET #t = #t - :d, #l = list_append(#l, :more), seen = if_not_exists(seen, :zero) "
                         "REMOVE obsolete ADD tags :tag, visits :one DELETE labels :gone",
        ConditionExpression="#s IN (:open, :held) AND size(#l) = :one AND begins_with(#s, :o) "
                            "AND contains(tags, :a) AND attribute_type(#t, :num) AND NOT (#t BETWEEN :zero AND :one)",
        ExpressionAttributeNames={"#t": "total", "#s": "status", "#l": "lines"},
        ExpressionAttributeValues={":d": {"N": "2.5"}, ":more": {"L": [{"S": "y"}]}, ":zero": {"N": "0"},
                                   ":tag": {"SS": ["b", "c"]}, ":one": {"N": "1"}, ":gone": {"SS": ["a"]},
                                   ":open": {"S": "open"}, ":held": {"S": "held"}, ":o": {"S": "op"},
                                   ":a": {"S": "a"}, ":num": {"S": "N"}},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert out["total"] == {"N": "7.5"}
    assert out["lines"] == {"L": [{"S": "x"}, {"S": "y"}]}
    assert out["seen"] == {"N": "0"} and out["visits"] == {"N": "1"}
    assert sorted(out["tags"]["SS"]) == ["a", "b", "c"]
    assert out["labels"] == {"SS": ["z"]}
    with pytest.raises(ClientError) as err:
        ddb.update_item(TableName="orders", Key={"customer": {"S": "c1"}, "n": {"N": "1"}},
                        UpdateExpression="SET n = :one", ExpressionAttributeValues={":one": {"N": "3"}})
    assert "part of the key" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        ddb.get_item(TableName="orders", Key={"customer": {"S": "c1"}})
    assert err.value.response["Error"]["Message"] == "The provided key element does not match the schema"
    with pytest.raises(ClientError) as err:
        ddb.put_item(TableName="orders", Item={"customer": {"S": "c1"}, "n": {"N": "9"}},
                     ConditionExpression="a = :unknown")
    assert "attribute value used in expression is not defined" in err.value.response["Error"]["Message"]
    assert err.value.response["Error"]["Code"] == "ValidationException"
    got = ddb.get_item(TableName="orders", Key={"customer": {"S": "c1"}, "n": {"N": "1"}},
                       ProjectionExpression="#l[1], #t", ExpressionAttributeNames={"#t": "total", "#l": "lines"})["Item"]
    assert got == {"lines": {"L": [{"S": "y"}]}, "total": {"N": "7.5"}}
    deleted = ddb.delete_item(TableName="orders", Key={"customer": {"S": "c1"}, "n": {"N": "2"}},
                              ConditionExpression="attribute_exists(customer)", ReturnValues="ALL_OLD")
    assert deleted["Attributes"]["status"] == {"S": "done"}
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.get_item(TableName="missing", Key={"id": {"S": "x"}})


def test_query_scan_indexes_and_pagination(ddb, resource):
    make_orders(ddb, "queries")
    table = resource.Table("queries")
    with table.batch_writer() as batch:
        for n in range(1, 31):
            batch.put_item(Item={"customer": "c" + str(n % 2), "n": n, "status": "open" if n % 3 else "done",
                                 "total": Decimal(100 - n)})
    out = table.query(KeyConditionExpression=Key("customer").eq("c0") & Key("n").between(4, 12))
    assert [int(i["n"]) for i in out["Items"]] == [4, 6, 8, 10, 12]
    out = table.query(KeyConditionExpression=Key("customer").eq("c0") & Key("n").gt(20), ScanIndexForward=False)
    assert [int(i["n"]) for i in out["Items"]] == [30, 28, 26, 24, 22]
    pages = list(ddb.get_paginator("query").paginate(
        TableName="queries", KeyConditionExpression="customer = :c", ExpressionAttributeValues={":c": {"S": "c1"}},
        PaginationConfig={"PageSize": 4}))
    assert len(pages) == 4
    assert [int(i["n"]["N"]) for p in pages for i in p["Items"]] == list(range(1, 31, 2))
    done = table.query(IndexName="by-status", KeyConditionExpression=Key("status").eq("done"))
    assert [int(i["n"]) for i in done["Items"]] == [3, 6, 9, 12, 15, 18, 21, 24, 27, 30]
    low = table.query(IndexName="by-total", KeyConditionExpression=Key("customer").eq("c1") & Key("total").lt(75),
                      Limit=2)
    assert [int(i["total"]) for i in low["Items"]] == [71, 73]
    assert "LastEvaluatedKey" in low
    scanned = []
    kwargs = {"FilterExpression": Attr("status").eq("done") & Attr("total").gte(80), "Limit": 7}
    while True:
        page = table.scan(**kwargs)
        scanned += [int(i["n"]) for i in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert sorted(scanned) == [3, 6, 9, 12, 15, 18]
    count = ddb.query(TableName="queries", KeyConditionExpression="customer = :c", Select="COUNT",
                      FilterExpression="begins_with(#s, :x)", ExpressionAttributeNames={"#s": "status"},
                      ExpressionAttributeValues={":c": {"S": "c1"}, ":x": {"S": "o"}})
    assert count["Count"] == 10 and count["ScannedCount"] == 15 and "Items" not in count


def test_backward_query_continues_below_a_deleted_start_key(ddb, resource):
    """A page's LastEvaluatedKey may name an item deleted since: the next page of a backward
    Query holds the keys below it, as a forward one holds those above."""
    make_orders(ddb, "backward")
    table = resource.Table("backward")
    for n in (1, 2, 4, 5):
        table.put_item(Item={"customer": "c", "n": n, "status": "open", "total": n})
    start = {"customer": "c", "n": 3}
    condition = Key("customer").eq("c")
    back = table.query(KeyConditionExpression=condition, ScanIndexForward=False, ExclusiveStartKey=start)
    assert [int(i["n"]) for i in back["Items"]] == [2, 1]
    ahead = table.query(KeyConditionExpression=condition, ExclusiveStartKey=start)
    assert [int(i["n"]) for i in ahead["Items"]] == [4, 5]


def test_index_scan_continues_after_a_deleted_start_key(ddb):
    """Paging a Scan of an index while deleting each page's item reads every item once."""
    ddb.create_table(
        TableName="index-scan",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
            {"AttributeName": "r", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexes=[{
            "IndexName": "by-g",
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "r", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
        BillingMode="PAY_PER_REQUEST",
    )
    for pk, r in (("a", "3"), ("b", "1"), ("c", "2")):
        ddb.put_item(TableName="index-scan", Item={"pk": {"S": pk}, "g": {"S": "x"}, "r": {"N": r}})
    seen = []
    kwargs = {"TableName": "index-scan", "IndexName": "by-g", "Limit": 1}
    while True:
        page = ddb.scan(**kwargs)
        for item in page["Items"]:
            seen.append(item["pk"]["S"])
            ddb.delete_item(TableName="index-scan", Key={"pk": item["pk"]})
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert sorted(seen) == ["a", "b", "c"] and len(seen) == 3


def test_updated_return_values_hold_the_written_paths(ddb):
    """UPDATED_NEW / UPDATED_OLD answer the attributes the expression writes (also when the value
    stays the same), and of a nested write only that path."""
    ddb.create_table(
        TableName="updated-values",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="updated-values", Item={
        "pk": {"S": "k"}, "same": {"N": "1"}, "gone": {"S": "x"}, "kept": {"S": "y"},
        "m": {"M": {"x": {"N": "1"}, "y": {"N": "2"}}},
    })
    update = dict(
        TableName="updated-values", Key={"pk": {"S": "k"}},
        UpdateExpression="SET same = :one, m.x = :five REMOVE gone",
        ExpressionAttributeValues={":one": {"N": "1"}, ":five": {"N": "5"}},
    )
    new = ddb.update_item(ReturnValues="UPDATED_NEW", **update)["Attributes"]
    assert new == {"same": {"N": "1"}, "m": {"M": {"x": {"N": "5"}}}}
    ddb.put_item(TableName="updated-values", Item={
        "pk": {"S": "k"}, "same": {"N": "1"}, "gone": {"S": "x"}, "kept": {"S": "y"},
        "m": {"M": {"x": {"N": "1"}, "y": {"N": "2"}}},
    })
    old = ddb.update_item(ReturnValues="UPDATED_OLD", **update)["Attributes"]
    assert old == {"same": {"N": "1"}, "gone": {"S": "x"}, "m": {"M": {"x": {"N": "1"}}}}


def test_query_refuses_non_key_conditions(ddb):
    with pytest.raises(ClientError) as err:
        ddb.query(TableName="queries", KeyConditionExpression="n = :n", ExpressionAttributeValues={":n": {"N": "1"}})
    assert err.value.response["Error"]["Code"] == "ValidationException"


def test_batches_and_transactions(ddb):
    make_orders(ddb, "txn")
    key = lambda c, n: {"customer": {"S": c}, "n": {"N": str(n)}}  # noqa: E731
    ddb.batch_write_item(RequestItems={"txn": [{"PutRequest": {"Item": {**key("a", i), "amount": {"N": str(i)}}}}
                                              for i in range(1, 6)]})
    ddb.batch_write_item(RequestItems={"txn": [{"DeleteRequest": {"Key": key("a", 5)}}]})
    got = ddb.batch_get_item(RequestItems={"txn": {"Keys": [key("a", 1), key("a", 5), key("a", 3)]}})
    assert sorted(int(i["n"]["N"]) for i in got["Responses"]["txn"]) == [1, 3]
    assert got["UnprocessedKeys"] == {}
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": "txn", "Item": {**key("b", 1), "amount": {"N": "1"}}}},
        {"Update": {"TableName": "txn", "Key": key("a", 1), "UpdateExpression": "SET amount = amount + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Delete": {"TableName": "txn", "Key": key("a", 2)}},
        {"ConditionCheck": {"TableName": "txn", "Key": key("a", 3), "ConditionExpression": "attribute_exists(n)"}},
    ])
    with pytest.raises(ddb.exceptions.TransactionCanceledException) as err:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "txn", "Item": {**key("b", 2)}}},
            {"ConditionCheck": {"TableName": "txn", "Key": key("a", 4), "ConditionExpression": "amount > :big",
                                "ExpressionAttributeValues": {":big": {"N": "100"}}}},
        ])
    reasons = err.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    got = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": "txn", "Key": key("b", 1)}},
        {"Get": {"TableName": "txn", "Key": key("b", 2)}},
        {"Get": {"TableName": "txn", "Key": key("a", 1), "ProjectionExpression": "amount"}},
    ])["Responses"]
    assert got[0]["Item"]["customer"] == {"S": "b"}
    assert got[1] == {}
    assert got[2]["Item"] == {"amount": {"N": "2"}}


def test_aws_cli(emulator):
    run_aws(emulator, "dynamodb", "create-table", "--table-name", "cli",
            "--attribute-definitions", "AttributeName=id,AttributeType=S",
            "--key-schema", "AttributeName=id,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
    run_aws(emulator, "dynamodb", "wait", "table-exists", "--table-name", "cli")
    run_aws(emulator, "dynamodb", "put-item", "--table-name", "cli", "--item", '{"id": {"S": "1"}, "v": {"N": "42"}}')
    out = json.loads(run_aws(emulator, "dynamodb", "get-item", "--table-name", "cli",
                             "--key", '{"id": {"S": "1"}}').stdout)
    assert out["Item"]["v"] == {"N": "42"}
    out = json.loads(run_aws(emulator, "dynamodb", "scan", "--table-name", "cli").stdout)
    assert out["Count"] == 1
    assert "cli" in json.loads(run_aws(emulator, "dynamodb", "list-tables").stdout)["TableNames"]


def test_index_projection_and_refusals(ddb):
    ddb.create_table(
        TableName="proj",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {"IndexName": "keys", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "KEYS_ONLY"}},
            {"IndexName": "some", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a"]}},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="proj", Item={"id": {"S": "1"}, "g": {"S": "x"}, "a": {"S": "A"}, "b": {"S": "B"}})
    ddb.put_item(TableName="proj", Item={"id": {"S": "2"}, "a": {"S": "not indexed"}})
    values = {":g": {"S": "x"}}
    keys = ddb.query(TableName="proj", IndexName="keys", KeyConditionExpression="g = :g", ExpressionAttributeValues=values)
    assert keys["Items"] == [{"id": {"S": "1"}, "g": {"S": "x"}}]
    some = ddb.query(TableName="proj", IndexName="some", KeyConditionExpression="g = :g", ExpressionAttributeValues=values)
    assert set(some["Items"][0]) == {"id", "g", "a"}
    assert ddb.scan(TableName="proj", IndexName="keys")["Count"] == 1
    with pytest.raises(ClientError) as err:
        ddb.put_item(TableName="proj", Item={"id": {"S": "1"}}, Expected={"id": {"Exists": False}})
    assert err.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as err:
        ddb.delete_item(TableName="proj", Key={"id": {"S": "1"}}, ConditionExpression="a = :z",
                        ExpressionAttributeValues={":z": {"S": "Z"}}, ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert err.value.response["Item"]["b"] == {"S": "B"}
    with pytest.raises(ClientError) as err:
        ddb.get_item(TableName="proj", Key={"id": {"S": "1"}}, ProjectionExpression="a",
                     ExpressionAttributeNames={"#unused": "b"})
    assert "unused" in err.value.response["Error"]["Message"]


def test_aws_cli_writes_queries_and_transactions(emulator):
    run_aws(emulator, "dynamodb", "create-table", "--table-name", "cli2",
            "--attribute-definitions", "AttributeName=p,AttributeType=S", "AttributeName=s,AttributeType=N",
            "--key-schema", "AttributeName=p,KeyType=HASH", "AttributeName=s,KeyType=RANGE",
            "--billing-mode", "PAY_PER_REQUEST")
    items = [{"PutRequest": {"Item": {"p": {"S": "a"}, "s": {"N": str(i)}}}} for i in range(3)]
    run_aws(emulator, "dynamodb", "batch-write-item", "--request-items", json.dumps({"cli2": items}))
    run_aws(emulator, "dynamodb", "update-item", "--table-name", "cli2", "--key", '{"p": {"S": "a"}, "s": {"N": "1"}}',
            "--update-expression", "SET v = :v", "--expression-attribute-values", '{":v": {"S": "set"}}')
    run_aws(emulator, "dynamodb", "delete-item", "--table-name", "cli2", "--key", '{"p": {"S": "a"}, "s": {"N": "0"}}')
    run_aws(emulator, "dynamodb", "transact-write-items", "--transact-items", json.dumps([
        {"Put": {"TableName": "cli2", "Item": {"p": {"S": "a"}, "s": {"N": "9"}}}}]))
    out = json.loads(run_aws(emulator, "dynamodb", "query", "--table-name", "cli2",
                             "--key-condition-expression", "p = :p",
                             "--expression-attribute-values", '{":p": {"S": "a"}}').stdout)
    assert [i["s"]["N"] for i in out["Items"]] == ["1", "2", "9"]
    assert out["Items"][0]["v"] == {"S": "set"}
    got = json.loads(run_aws(emulator, "dynamodb", "batch-get-item", "--request-items",
                             json.dumps({"cli2": {"Keys": [{"p": {"S": "a"}, "s": {"N": "9"}}]}})).stdout)
    assert len(got["Responses"]["cli2"]) == 1
    run_aws(emulator, "dynamodb", "delete-table", "--table-name", "cli2")


def simple_table(ddb, name, **extra):
    return ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                            BillingMode="PAY_PER_REQUEST", **extra)["TableDescription"]["TableArn"]


def test_time_to_live_is_stored_and_expired_items_read_as_deleted(ddb):
    import time

    simple_table(ddb, "ttl")
    assert ddb.describe_time_to_live(TableName="ttl")["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"
    now = int(time.time())
    items = {"past": now - 60, "future": now + 3600, "ancient": now - 6 * 365 * 86400}
    for key, expiry in items.items():
        ddb.put_item(TableName="ttl", Item={"id": {"S": key}, "expires": {"N": str(expiry)}})
    ddb.put_item(TableName="ttl", Item={"id": {"S": "text"}, "expires": {"S": "soon"}})
    # Before TTL is enabled nothing expires.
    assert "Item" in ddb.get_item(TableName="ttl", Key={"id": {"S": "past"}})
    out = ddb.update_time_to_live(TableName="ttl", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    assert out["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "expires"}
    described = ddb.describe_time_to_live(TableName="ttl")["TimeToLiveDescription"]
    assert described == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    with pytest.raises(ClientError) as again:
        ddb.update_time_to_live(TableName="ttl", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    assert again.value.response["Error"]["Code"] == "ValidationException"
    assert "Item" not in ddb.get_item(TableName="ttl", Key={"id": {"S": "past"}})
    scanned = sorted(i["id"]["S"] for i in ddb.scan(TableName="ttl")["Items"])
    assert scanned == ["ancient", "future", "text"]
    assert ddb.query(TableName="ttl", KeyConditionExpression="id = :p",
                     ExpressionAttributeValues={":p": {"S": "past"}})["Count"] == 0
    # An expired item is gone for conditions too.
    ddb.put_item(TableName="ttl", Item={"id": {"S": "past"}}, ConditionExpression="attribute_not_exists(id)")


def test_tags_limits_and_endpoints(ddb, emulator):
    arn = simple_table(ddb, "tagged", Tags=[{"Key": "team", "Value": "a"}])
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "b"}])
    ddb.untag_resource(ResourceArn=arn, TagKeys=["env"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "b"}]
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.list_tags_of_resource(ResourceArn=arn.replace("tagged", "missing"))
    limits = ddb.describe_limits()
    assert limits["AccountMaxReadCapacityUnits"] >= limits["TableMaxReadCapacityUnits"] > 0
    endpoints = ddb.describe_endpoints()["Endpoints"]
    assert endpoints[0]["Address"] == emulator.url.split("://", 1)[1]



def test_backup_is_a_snapshot_and_restores_into_a_new_table(ddb):
    simple_table(ddb, "backed")
    ddb.tag_resource(ResourceArn=ddb.describe_table(TableName="backed")["Table"]["TableArn"],
                     Tags=[{"Key": "k", "Value": "v"}])
    for i in range(3):
        ddb.put_item(TableName="backed", Item={"id": {"S": f"i{i}"}, "v": {"N": str(i)}})
    details = ddb.create_backup(TableName="backed", BackupName="snap")["BackupDetails"]
    arn = details["BackupArn"]
    assert arn.startswith(ddb.describe_table(TableName="backed")["Table"]["TableArn"] + "/backup/")
    assert details["BackupStatus"] == "AVAILABLE" and details["BackupType"] == "USER"
    # Changes after the backup are not in it.
    ddb.put_item(TableName="backed", Item={"id": {"S": "later"}})
    ddb.update_item(TableName="backed", Key={"id": {"S": "i0"}}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"N": "100"}})
    source = ddb.describe_backup(BackupArn=arn)["BackupDescription"]["SourceTableDetails"]
    assert source["TableName"] == "backed" and source["ItemCount"] == 3
    assert [b["BackupArn"] for b in ddb.list_backups(TableName="backed")["BackupSummaries"]] == [arn]
    restored = ddb.restore_table_from_backup(TargetTableName="restored", BackupArn=arn)["TableDescription"]
    assert restored["ItemCount"] == 3
    assert restored["RestoreSummary"]["SourceBackupArn"] == arn
    items = {i["id"]["S"]: i["v"]["N"] for i in ddb.scan(TableName="restored")["Items"]}
    assert items == {"i0": "0", "i1": "1", "i2": "2"}
    assert ddb.list_tags_of_resource(ResourceArn=restored["TableArn"])["Tags"] == []
    # The restored table and the source are independent.
    ddb.delete_item(TableName="restored", Key={"id": {"S": "i1"}})
    assert ddb.scan(TableName="backed")["Count"] == 4
    with pytest.raises(ClientError) as err:
        ddb.restore_table_from_backup(TargetTableName="backed", BackupArn=arn)
    assert err.value.response["Error"]["Code"] == "TableAlreadyExistsException"
    deleted = ddb.delete_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]
    assert deleted["BackupStatus"] == "DELETED"
    assert ddb.list_backups(TableName="backed")["BackupSummaries"] == []
    with pytest.raises(ClientError) as err:
        ddb.describe_backup(BackupArn=arn)
    assert err.value.response["Error"]["Code"] == "BackupNotFoundException"


def test_point_in_time_recovery_settings_and_latest_restore(ddb):
    simple_table(ddb, "pitr")
    ddb.put_item(TableName="pitr", Item={"id": {"S": "a"}})
    off = ddb.describe_continuous_backups(TableName="pitr")["ContinuousBackupsDescription"]
    assert off["PointInTimeRecoveryDescription"] == {"PointInTimeRecoveryStatus": "DISABLED"}
    with pytest.raises(ClientError) as err:
        ddb.restore_table_to_point_in_time(SourceTableName="pitr", TargetTableName="pitr-copy",
                                           UseLatestRestorableTime=True)
    assert err.value.response["Error"]["Code"] == "PointInTimeRecoveryUnavailableException"
    on = ddb.update_continuous_backups(
        TableName="pitr",
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7},
    )["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert on["PointInTimeRecoveryStatus"] == "ENABLED" and on["RecoveryPeriodInDays"] == 7
    restored = ddb.restore_table_to_point_in_time(SourceTableName="pitr", TargetTableName="pitr-copy",
                                                  UseLatestRestorableTime=True)["TableDescription"]
    assert restored["ItemCount"] == 1
    assert ddb.scan(TableName="pitr-copy")["Items"] == [{"id": {"S": "a"}}]
    with pytest.raises(ClientError) as err:
        ddb.describe_continuous_backups(TableName="missing-table")
    assert err.value.response["Error"]["Code"] == "TableNotFoundException"


def test_legacy_parameters_run_as_expressions(ddb):
    simple_table(ddb, "legacy")
    ddb.put_item(TableName="legacy", Item={"id": {"S": "a"}, "n": {"N": "1"}, "l": {"L": [{"S": "x"}]},
                                           "s": {"SS": ["p", "q"]}, "old": {"S": "o"}})
    out = ddb.update_item(
        TableName="legacy", Key={"id": {"S": "a"}},
        AttributeUpdates={
            "n": {"Action": "ADD", "Value": {"N": "2"}},
            "l": {"Action": "ADD", "Value": {"L": [{"S": "y"}]}},
            "s": {"Action": "DELETE", "Value": {"SS": ["p"]}},
            "old": {"Action": "DELETE"},
            "new": {"Value": {"S": "v"}},
        },
        Expected={"n": {"Value": {"N": "1"}}},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert out == {"id": {"S": "a"}, "n": {"N": "3"}, "l": {"L": [{"S": "x"}, {"S": "y"}]},
                   "s": {"SS": ["q"]}, "new": {"S": "v"}}
    with pytest.raises(ClientError) as err:
        ddb.put_item(TableName="legacy", Item={"id": {"S": "a"}}, Expected={"id": {"Exists": False}})
    assert err.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    with pytest.raises(ClientError) as err:
        ddb.delete_item(TableName="legacy", Key={"id": {"S": "a"}}, ConditionalOperator="OR",
                        Expected={"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "5"}]},
                                  "new": {"ComparisonOperator": "NULL"}})
    assert err.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    ddb.put_item(TableName="legacy", Item={"id": {"S": "b"}, "n": {"N": "9"}})
    scanned = ddb.scan(TableName="legacy", ScanFilter={
        "n": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "5"}]}})["Items"]
    assert [i["id"]["S"] for i in scanned] == ["b"]
    queried = ddb.query(TableName="legacy", KeyConditions={
        "id": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}})["Items"]
    assert [i["id"]["S"] for i in queried] == ["a"]
    with pytest.raises(ClientError) as err:
        ddb.update_item(TableName="legacy", Key={"id": {"S": "a"}}, UpdateExpression="REMOVE n",
                        AttributeUpdates={"n": {"Action": "DELETE"}})
    assert err.value.response["Error"]["Message"].startswith(
        "Can not use both expression and non-expression parameters")


def test_item_errors_are_worded_as_dynamodb_words_them(ddb):
    simple_table(ddb, "wording")
    with pytest.raises(ClientError) as err:
        ddb.put_item(TableName="wording", Item={"id": {"S": "a"}}, ReturnValues="ALL_NEW")
    assert err.value.response["Error"]["Message"] == "Return values set to invalid value"
    with pytest.raises(ClientError) as err:
        ddb.get_item(TableName="no-such-table", Key={"id": {"S": "a"}})
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert err.value.response["Error"]["Message"] == "Requested resource not found"
    with pytest.raises(ClientError) as err:
        ddb.describe_table(TableName="no-such-table")
    assert err.value.response["Error"]["Message"] == "Requested resource not found: Table: no-such-table not found"


def test_backups_and_recovery_settings_survive_a_restart(tmp_path):
    from emulator_support import Emulator

    server = Emulator(state_dir=tmp_path)
    try:
        ddb = server.client("dynamodb")
        simple_table(ddb, "kept")
        ddb.put_item(TableName="kept", Item={"id": {"S": "a"}})
        arn = ddb.create_backup(TableName="kept", BackupName="kept-backup")["BackupDetails"]["BackupArn"]
        ddb.put_item(TableName="kept", Item={"id": {"S": "after"}})
        ddb.update_continuous_backups(TableName="kept",
                                      PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    finally:
        assert server.stop() == 0
    server = Emulator(state_dir=tmp_path)
    try:
        ddb = server.client("dynamodb")
        assert [b["BackupArn"] for b in ddb.list_backups()["BackupSummaries"]] == [arn]
        recovery = ddb.describe_continuous_backups(TableName="kept")["ContinuousBackupsDescription"]
        assert recovery["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
        ddb.restore_table_from_backup(TargetTableName="kept-copy", BackupArn=arn)
        assert ddb.scan(TableName="kept-copy")["Items"] == [{"id": {"S": "a"}}]
    finally:
        server.stop()
