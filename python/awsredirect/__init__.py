"""awsredirect's Python distribution: the native `awsredirect` binary, installed as a script.

`find_bin()` returns the path of that binary, so Python tools can run it without relying on PATH.
"""

from __future__ import annotations

import os
import sys
import sysconfig

__all__ = ["find_bin"]


def find_bin() -> str:
    """The path of the `awsredirect` binary installed with this package.

    Looks where pip puts scripts: the environment's scripts directory, the user scheme's
    (`pip install --user`), and `bin/` beside the package root (`pip install --target`).
    """
    exe = "awsredirect" + (sysconfig.get_config_var("EXE") or "")

    candidates = [os.path.join(sysconfig.get_path("scripts"), exe)]
    if sys.version_info >= (3, 10):
        user_scheme = sysconfig.get_preferred_scheme("user")
    elif os.name == "nt":
        user_scheme = "nt_user"
    elif sys.platform == "darwin" and getattr(sys, "_framework", None):
        user_scheme = "osx_framework_user"
    else:
        user_scheme = "posix_user"
    candidates.append(os.path.join(sysconfig.get_path("scripts", scheme=user_scheme), exe))
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    candidates.append(os.path.join(package_root, "bin", exe))

    for path in candidates:
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(
        "the awsredirect binary is not installed beside this package; looked in: " + ", ".join(candidates)
    )
