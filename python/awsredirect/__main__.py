"""`python -m awsredirect ...`: runs the installed binary with the same arguments and exit code."""

from __future__ import annotations

import os
import sys

from awsredirect import find_bin


def main() -> None:
    binary = os.fsdecode(find_bin())
    if sys.platform == "win32":
        import subprocess

        sys.exit(subprocess.run([binary, *sys.argv[1:]]).returncode)
    os.execv(binary, [binary, *sys.argv[1:]])


if __name__ == "__main__":
    main()
