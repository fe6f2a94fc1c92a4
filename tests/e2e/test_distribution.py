"""The distributions a Python or Node user installs, without Rust: the wheel (built here with
maturin, as the release workflow does) in a fresh virtualenv, the npm packages (packed with
scripts/npm-pack.mjs) in an empty project with no registry, and the pre-commit mirror (made by
scripts/pre-commit-mirror) installing that wheel with no index. Every step runs with a PATH that
has no cargo or rustc on it, so nothing can quietly build from source."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import venv

import pytest

from conftest import ROOT

VENV_BIN = pathlib.Path(sys.executable).parent
WHEELHOUSE = ROOT / "target" / "wheelhouse"
UNREDIRECTED = "import boto3\n\ns3 = boto3.client('s3')\n"
VERSION = re.search(r'^version = "([^"]+)"$', (ROOT / "Cargo.toml").read_text(), re.M).group(1)
NODE_PLATFORM = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform, sys.platform)
NODE_ARCH = {"x86_64": "x64", "AMD64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(os.uname().machine)


def without_rust(env):
    """The environment with every directory that holds cargo or rustc taken off PATH."""
    keep = [d for d in env.get("PATH", "").split(os.pathsep)
            if d and not any(os.path.exists(os.path.join(d, tool)) for tool in ("cargo", "rustc", "rustup"))]
    env = {k: v for k, v in env.items() if not k.startswith(("CARGO", "RUSTUP"))}
    env["PATH"] = os.pathsep.join(keep)
    return env


def run(args, **kwargs):
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    return subprocess.run([str(a) for a in args], **kwargs)


def git(*args, cwd):
    return run(["git", *args], cwd=cwd, check=True).stdout.strip()


def project_with_unredirected_client(path):
    path.mkdir()
    (path / "app.py").write_text(UNREDIRECTED)
    return path


@pytest.fixture(scope="session")
def wheel_dir(tmp_path_factory):
    """One wheel per session, built by maturin (the debug profile, in the project's target dir)."""
    out = tmp_path_factory.mktemp("wheels")
    result = run([VENV_BIN / "maturin", "build", "--profile", "dev", "--out", out], cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = list(out.glob("awsredirect-*.whl"))
    assert len(wheels) == 1, wheels
    assert wheels[0].name.startswith(f"awsredirect-{VERSION}-")
    return out


@pytest.fixture(scope="session")
def installed_venv(tmp_path_factory, wheel_dir):
    """A fresh virtualenv with the wheel installed from the wheel directory alone."""
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    venv.create(env_dir, with_pip=True)
    result = run([env_dir / "bin" / "python", "-m", "pip", "install", "--no-index", "--find-links", wheel_dir,
                  "--disable-pip-version-check", "awsredirect"], env=without_rust(dict(os.environ)))
    assert result.returncode == 0, result.stdout + result.stderr
    return env_dir


def test_the_wheel_puts_awsredirect_on_path_and_python_m_runs_it(installed_venv, tmp_path):
    env = without_rust(dict(os.environ))
    env["PATH"] = str(installed_venv / "bin") + os.pathsep + env["PATH"]
    assert shutil.which("awsredirect", path=env["PATH"]) == str(installed_venv / "bin" / "awsredirect")

    version = run(["awsredirect", "--version"], env=env, check=True)
    assert version.stdout.strip() == f"awsredirect {VERSION}"
    via_module = run([installed_venv / "bin" / "python", "-m", "awsredirect", "--version"], env=env, check=True)
    assert via_module.stdout.strip() == f"awsredirect {VERSION}"
    found = run([installed_venv / "bin" / "python", "-c", "import awsredirect; print(awsredirect.find_bin())"],
                env=env, check=True)
    assert found.stdout.strip() == str(installed_venv / "bin" / "awsredirect")


def test_the_installed_wheel_checks_and_patches_a_tree(installed_venv, tmp_path):
    env = without_rust(dict(os.environ))
    env["NO_COLOR"] = "1"
    project = project_with_unredirected_client(tmp_path / "project")
    binary = installed_venv / "bin" / "awsredirect"

    failing = run([binary, "check", "."], cwd=project, env=env)
    assert failing.returncode == 1, failing.stderr
    assert "AR001" in failing.stdout
    # python -m passes arguments and the exit code through.
    patched = run([installed_venv / "bin" / "python", "-m", "awsredirect", "patch", "."], cwd=project, env=env)
    assert patched.returncode == 0, patched.stderr
    assert "endpoint_url='http://localhost:4566'" in (project / "app.py").read_text()
    assert run([binary, "check", "."], cwd=project, env=env).returncode == 0


def test_python_m_finds_the_binary_of_a_pip_install_target(wheel_dir, tmp_path):
    target = tmp_path / "target"
    result = run([sys.executable, "-m", "pip", "install", "--no-index", "--find-links", wheel_dir,
                  "--disable-pip-version-check", "--target", target, "awsredirect"])
    assert result.returncode == 0, result.stdout + result.stderr
    env = dict(without_rust(dict(os.environ)), PYTHONPATH=str(target))
    version = run([sys.executable, "-m", "awsredirect", "--version"], env=env, cwd=tmp_path)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"awsredirect {VERSION}"


@pytest.fixture(scope="session")
def npm_tarballs(tmp_path_factory, awsredirect_bin):
    """The platform package for this machine and the main package, packed by scripts/npm-pack.mjs."""
    assert NODE_ARCH, f"no Node.js name for {os.uname().machine}"
    out = tmp_path_factory.mktemp("npm")
    platform = run(["node", ROOT / "scripts" / "npm-pack.mjs", "platform", f"{NODE_PLATFORM}-{NODE_ARCH}",
                    awsredirect_bin, out], check=True).stdout.strip()
    main = run(["node", ROOT / "scripts" / "npm-pack.mjs", "main", out], check=True).stdout.strip()
    return pathlib.Path(platform), pathlib.Path(main)


def npm_env(home):
    """npm with a private cache and a registry on a closed loopback port: nothing leaves the machine."""
    env = without_rust(dict(os.environ))
    env.update(npm_config_cache=str(home / "npm-cache"), npm_config_registry="http://127.0.0.1:9/",
               npm_config_audit="false", npm_config_fund="false", npm_config_update_notifier="false",
               NO_COLOR="1")
    return env


def npm_project(path, env, *tarballs):
    path.mkdir()
    (path / "package.json").write_text(json.dumps({"name": "app", "version": "1.0.0", "private": True}))
    result = run(["npm", "install", "--offline", *tarballs], cwd=path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return path


def test_npm_packages_carry_cargo_version_and_platform_constraints(npm_tarballs, tmp_path):
    platform, main = npm_tarballs
    for tarball in (platform, main):
        run(["tar", "-xzf", tarball, "-C", tmp_path], check=True)
        manifest = json.loads((tmp_path / "package" / "package.json").read_text())
        assert manifest["version"] == VERSION
        if manifest["name"] == "awsredirect":
            assert manifest["bin"] == {"awsredirect": "bin/awsredirect.js"}
            assert "scripts" not in manifest, "no install scripts: nothing is downloaded after install"
            assert set(manifest["optionalDependencies"].values()) == {VERSION}
            assert f"@awsredirect/{NODE_PLATFORM}-{NODE_ARCH}" in manifest["optionalDependencies"]
        else:
            assert manifest["name"] == f"@awsredirect/{NODE_PLATFORM}-{NODE_ARCH}"
            assert manifest["os"] == [NODE_PLATFORM] and manifest["cpu"] == [NODE_ARCH]
            assert os.access(tmp_path / "package" / "bin" / "awsredirect", os.X_OK)
        shutil.rmtree(tmp_path / "package")


def test_npx_awsredirect_runs_the_platform_binary_from_the_tarballs(npm_tarballs, tmp_path):
    env = npm_env(tmp_path)
    app = npm_project(tmp_path / "app", env, *npm_tarballs)
    (app / "app.py").write_text(UNREDIRECTED)

    version = run(["npx", "--offline", "awsredirect", "--version"], cwd=app, env=env)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"awsredirect {VERSION}"
    # Arguments, output and the exit code pass through the launcher.
    failing = run(["npx", "--offline", "awsredirect", "check", "app.py"], cwd=app, env=env)
    assert failing.returncode == 1, failing.stderr
    assert "AR001" in failing.stdout
    assert run(["npx", "--offline", "awsredirect", "patch", "app.py"], cwd=app, env=env).returncode == 0
    assert run(["npx", "--offline", "awsredirect", "check", "app.py"], cwd=app, env=env).returncode == 0


def test_the_launcher_names_the_missing_platform_package(npm_tarballs, tmp_path):
    env = npm_env(tmp_path)
    app = npm_project(tmp_path / "app", env, npm_tarballs[1])
    assert not (app / "node_modules" / "@awsredirect").exists()
    result = run(["npx", "--offline", "awsredirect", "--version"], cwd=app, env=env)
    assert result.returncode == 1
    assert f"@awsredirect/{NODE_PLATFORM}-{NODE_ARCH}" in result.stderr


def supports_force_exclude(binary, tmp_path):
    """Whether this build has `check --force-exclude` (it comes with the configuration work)."""
    return run([binary, "check", "--force-exclude", tmp_path]).returncode != 2


@pytest.fixture
def mirror(tmp_path):
    """The pre-commit mirror repository, made by scripts/pre-commit-mirror and committed."""
    repo = tmp_path / "mirror"
    run([ROOT / "scripts" / "pre-commit-mirror", repo], check=True)
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "mirror", cwd=repo)
    return repo


def test_the_mirror_keeps_the_hooks_that_need_no_rust(mirror):
    hooks = (mirror / ".pre-commit-hooks.yaml").read_text()
    ids = re.findall(r"^- id: (\S+)", hooks, re.M)
    assert ids == ["awsredirect-check", "awsredirect-patch", "awsredirect-check-system"]
    assert "language: rust" not in hooks
    assert f'dependencies = ["awsredirect=={VERSION}"]' in (mirror / "pyproject.toml").read_text()
    root_hooks = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert re.findall(r"^- id: (\S+)", root_hooks, re.M) == ids + ["awsredirect-check-rust"]
    for block in root_hooks.split("\n- id: ")[1:]:
        assert "--force-exclude" in block and "require_serial: true" in block, block


def test_pre_commit_python_hook_installs_the_wheel_without_rust(mirror, wheel_dir, tmp_path, awsredirect_bin):
    setuptools = list(WHEELHOUSE.glob("setuptools-*.whl"))
    assert setuptools, "scripts/test puts the setuptools wheel into target/wheelhouse"
    links = tmp_path / "links"
    links.mkdir()
    for wheel in [*wheel_dir.glob("*.whl"), *setuptools]:
        shutil.copy(wheel, links)

    forced = supports_force_exclude(awsredirect_bin, tmp_path)
    project = project_with_unredirected_client(tmp_path / "project")
    git("init", "-q", cwd=project)
    hook = "      - id: awsredirect-check\n"
    if forced:
        # The configuration's exclusions apply to the files pre-commit names.
        (project / "awsredirect.toml").write_text('exclude = ["generated/**"]\n')
        (project / "generated").mkdir()
        (project / "generated" / "client.py").write_text(UNREDIRECTED)
    else:
        hook += "        entry: awsredirect check\n"
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {mirror}\n    rev: {git('rev-parse', 'HEAD', cwd=mirror)}\n    hooks:\n{hook}"
    )
    git("add", "-A", cwd=project)
    env = without_rust(dict(os.environ))
    env.update(PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), PIP_FIND_LINKS=str(links), PIP_NO_INDEX="1",
               PIP_DISABLE_PIP_VERSION_CHECK="1", NO_COLOR="1")

    failing = run([VENV_BIN / "pre-commit", "run", "--all-files"], cwd=project, env=env)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "AR001" in failing.stdout and "[app.py:3:6]" in failing.stdout
    assert "generated/client.py:3" not in failing.stdout
    if forced:
        assert "skipped generated/client.py: excluded (--force-exclude)" in failing.stdout
    installed = list((tmp_path / "pre-commit-home").glob("repo*/py_env-*/bin/awsredirect"))
    assert len(installed) == 1, "the hook's environment has the wheel's binary"

    run([awsredirect_bin, "patch", "app.py"], cwd=project, check=True)
    git("add", "-A", cwd=project)
    passing = run([VENV_BIN / "pre-commit", "run", "--all-files"], cwd=project, env=env)
    assert passing.returncode == 0, passing.stdout + passing.stderr


def load_release_assemble():
    """scripts/release-assemble as a module (the file has no .py suffix)."""
    import importlib.util
    from importlib.machinery import SourceFileLoader

    loader = SourceFileLoader("release_assemble", str(ROOT / "scripts" / "release-assemble"))
    spec = importlib.util.spec_from_loader("release_assemble", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_every_release_platform_has_a_wheel_an_archive_and_its_npm_package():
    import yaml

    assemble = load_release_assemble()
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    built = {p["target"] for p in workflow["jobs"]["wheels"]["strategy"]["matrix"]["platform"]}
    archived = {target for target, _ in assemble.PLATFORMS.values()}
    assert built == archived

    npm_platforms = {npm for _, npm in assemble.PLATFORMS.values() if npm}
    packed = set(re.findall(r'^\s+"([a-z0-9]+-[a-z0-9]+)": \{ os:', (ROOT / "scripts" / "npm-pack.mjs").read_text(), re.M))
    launcher = json.loads((ROOT / "npm" / "awsredirect" / "package.json").read_text())
    assert npm_platforms == packed == {name.removeprefix("@awsredirect/") for name in launcher["optionalDependencies"]}

    # The GitHub Action and cargo binstall download archives by the names the release uses.
    action_targets = set(re.findall(r"target=(\S+) ;;", (ROOT / "scripts" / "action-install.sh").read_text()))
    assert action_targets - {"unknown"} <= archived
    assert 'pkg-url = "{ repo }/releases/download/v{ version }/{ name }-{ target }.tar.gz"' in (
        ROOT / "Cargo.toml").read_text()


def test_release_assemble_makes_the_archive_from_the_wheel(wheel_dir, tmp_path):
    result = run([sys.executable, ROOT / "scripts" / "release-assemble", wheel_dir, tmp_path / "out", "--partial"])
    assert result.returncode == 0, result.stderr
    archives = list((tmp_path / "out" / "archives").glob("awsredirect-*.tar.gz"))
    assert [a.name for a in archives] == [f"awsredirect-{os.uname().machine}-unknown-linux-gnu.tar.gz"]
    run(["tar", "-xzf", archives[0], "-C", tmp_path], check=True)
    assert run([tmp_path / "awsredirect", "--version"], check=True).stdout.strip() == f"awsredirect {VERSION}"
    # Fail closed: a release run with wheels missing stops.
    incomplete = run([sys.executable, ROOT / "scripts" / "release-assemble", wheel_dir, tmp_path / "again"])
    assert incomplete.returncode != 0 and "no wheel for" in incomplete.stderr


def test_the_sdist_holds_everything_the_build_needs(tmp_path):
    """The sdist (what `pip install` builds from where no wheel fits) compiles offline: every
    source, grammar and data file the crates embed is in it. It is built into the project's
    target directory, so the dependencies are reused and only the two workspace crates compile
    (their files are touched: cargo would otherwise take the unpacked, older files as built)."""
    out = tmp_path / "sdist"
    result = run([VENV_BIN / "maturin", "sdist", "--out", out], cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    (archive,) = out.glob(f"awsredirect-{VERSION}.tar.gz")
    run(["tar", "-xzf", archive, "-C", tmp_path], check=True)
    source = tmp_path / f"awsredirect-{VERSION}"
    assert (source / "pyproject.toml").exists() and (source / "python" / "awsredirect" / "__main__.py").exists()
    assert not (source / "fixtures").exists(), "the test corpus stays out of the sdist"
    for path in [*source.rglob("*.rs"), *source.rglob("*.txt"), *source.rglob("*.scm")]:
        os.utime(path)
    env = dict(os.environ, CARGO_TARGET_DIR=str(ROOT / "target"))
    build = run(["cargo", "build", "--lib", "--offline", "--locked", "--quiet"], cwd=source, env=env)
    assert build.returncode == 0, build.stderr
