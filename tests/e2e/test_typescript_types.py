"""Patched TypeScript still type-checks: `tsc --noEmit` on fixtures/typescript inputs and outputs.

For every TypeScript fixture that type-checks before patching (listed below), the input and its
expected patched output are copied into a temporary project whose tsconfig resolves modules and
types from $AWSREDIRECT_NODE_MODULES (the SDKs and TypeScript that scripts/test installs), and
both must pass `tsc --noEmit`. The expected output is the tool's output (the Rust fixture harness
asserts that), so this checks what `awsredirect patch` writes.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "typescript"

# Fixtures that type-check before patching. Left out: cdk_lookalikes.ts (needs aws-cdk-lib) and
# tsx_component.tsx (imports a local ./Uploader component and React's JSX types).
TYPE_CHECKED = [
    "already_redirected.ts",
    "arrows_and_ternaries.ts",
    "casts_and_generics.ts",
    "class_fields.ts",
    "commonjs_module.cts",
    "decorators.ts",
    "dynamic_import.mts",
    "four_space_indent.ts",
    "import_equals_require.ts",
    "lib_dynamodb.ts",
    "namespace_import.ts",
    "non_null_config.ts",
    "typed_config.ts",
    "v2_clients_default_import.ts",
    "v2_named_import_alias.ts",
    "v2_no_parentheses.ts",
]


def node_modules() -> Path:
    value = os.environ.get("AWSREDIRECT_NODE_MODULES")
    if not value:
        pytest.fail("AWSREDIRECT_NODE_MODULES is not set (run scripts/test)")
    return Path(value)


def expected_name(name: str) -> str:
    stem, ext = name.split(".", 1)
    return f"{stem}.expected.{ext}"


def tsconfig(modules: Path, files: list[str]) -> dict:
    return {
        "compilerOptions": {
            "strict": True,
            "noEmit": True,
            "target": "ES2022",
            "module": "NodeNext",
            "moduleResolution": "NodeNext",
            "esModuleInterop": True,
            "skipLibCheck": True,
            "types": ["node"],
            "typeRoots": [str(modules / "@types")],
        },
        "files": files,
    }


def type_check(project: Path, modules: Path, sources: dict[str, Path]) -> str:
    """Copies `sources` (file name → fixture) into a project and returns tsc's report."""
    project.mkdir()
    # Packages resolve the way Node resolves them (package.json "exports" included) through a
    # node_modules link to the installed packages.
    (project / "node_modules").symlink_to(modules, target_is_directory=True)
    for name, source in sources.items():
        # Node's module rules give a file its kind from the extension, so the name is kept.
        shutil.copyfile(source, project / name)
    config = tsconfig(modules, sorted(sources))
    (project / "tsconfig.json").write_text(json.dumps(config, indent=2))
    result = subprocess.run(
        [str(modules / ".bin" / "tsc"), "--noEmit", "--pretty", "false", "-p", str(project)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result.stdout + result.stderr if result.returncode != 0 else ""


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """tsc's report on all listed inputs, and on all their patched outputs (one run each)."""
    modules = node_modules()
    root = tmp_path_factory.mktemp("tsc")
    inputs = {name: FIXTURES / name for name in TYPE_CHECKED}
    outputs = {name: FIXTURES / expected_name(name) for name in TYPE_CHECKED}
    return {
        "input": type_check(root / "input", modules, inputs),
        "patched": type_check(root / "patched", modules, outputs),
    }


def test_every_listed_fixture_exists():
    for name in TYPE_CHECKED:
        assert (FIXTURES / name).is_file(), name
        assert (FIXTURES / expected_name(name)).is_file(), expected_name(name)


@pytest.mark.parametrize("name", TYPE_CHECKED)
def test_input_and_patched_output_type_check(name, reports):
    for label, report in reports.items():
        errors = [line for line in report.splitlines() if line.startswith(name + "(")]
        assert not errors, f"{label} of {name} does not type-check:\n" + "\n".join(errors)


def test_tsc_reports_nothing_else(reports):
    """Errors not tied to a listed file (configuration, resolution) fail too."""
    for label, report in reports.items():
        stray = [
            line
            for line in report.splitlines()
            if line.strip() and not line.startswith(" ") and not line.startswith(tuple(n + "(" for n in TYPE_CHECKED))
        ]
        assert not stray, f"tsc on the {label} project:\n" + "\n".join(stray)
