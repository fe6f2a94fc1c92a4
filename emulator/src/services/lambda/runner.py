# Written by awsredirect serve next to an unpacked Lambda function and run as
# `python3 runner.py RESULT_FILE EVENT_FILE`: imports the handler named by _HANDLER from
# LAMBDA_TASK_ROOT, calls it with the event and a context object, and writes
# {"ok": bool, "payload": "<json text>"} to RESULT_FILE. Everything printed is the log.
import importlib
import json
import os
import sys
import time
import traceback


class Context:
    def __init__(self, deadline):
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = os.environ["AWSREDIRECT_FUNCTION_ARN"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.aws_request_id = os.environ["AWSREDIRECT_REQUEST_ID"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.time()) * 1000))


def failure(error):
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": os.environ["AWSREDIRECT_REQUEST_ID"],
        "stackTrace": traceback.format_tb(error.__traceback__),
    }


def main():
    result_path, event_path = sys.argv[1], sys.argv[2]
    deadline = time.time() + float(os.environ["AWSREDIRECT_TIMEOUT"])
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    with open(event_path) as f:
        event = json.load(f)
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
        handler = getattr(module, function_name)
        result = {"ok": True, "payload": json.dumps(handler(event, Context(deadline)))}
    except Exception as error:  # noqa: BLE001 - every error is the function's error
        traceback.print_exc()
        result = {"ok": False, "payload": json.dumps(failure(error))}
    sys.stdout.flush()
    sys.stderr.flush()
    with open(result_path, "w") as f:
        json.dump(result, f)


main()
