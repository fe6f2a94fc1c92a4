#!/usr/bin/env python3
"""The scan benchmark: awsredirect check / patch --check / patch against ripgrep (the floor for
reading the tree) and ast-grep (the generic structural-search peer) on synthetic monorepos made
by benches/generate.py, or on real checkouts (--repo), side by side in one run.

Each command runs --runs times (after one warm-up round), the commands taking turns round by
round so that drift in the machine's speed falls on all of them alike; the table shows the median wall time,
the median CPU time (user + system, which other load on the machine disturbs less) and the peak
RSS (from wait4). `patch` runs on a fresh copy of the tree each time (the copy is not timed).
"cold" runs start without a results cache (it is removed before each run, so they pay for
writing it); "warm" runs find it filled and nothing changed. The cache lives under the work
directory (AWSREDIRECT_CACHE_DIR), never in the tree. A binary without the cache (an older
build, e.g. --binary of main) gets the cold rows only.

    benches/bench.py [--sizes 1000,10000] [--repo PATH ...] [--runs 5]
                     [--binary target/release/awsredirect] [--workdir DIR] [--out FILE]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN_DIR = Path(sys.executable).parent
MARKERS = ["boto", "aws-sdk", "amazonaws", "aws"]


def tool(name):
    path = shutil.which(name, path=f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}")
    if not path:
        sys.exit(f"{name} is not installed (scripts/bench installs ripgrep and ast-grep-cli into target/venv)")
    return path


GNU_TIME = shutil.which("time", path="/usr/bin:/bin")


def run_once(cmd, cwd=None):
    """(wall seconds, cpu seconds, peak RSS in KiB) of one run; output discarded.

    Linux charges a child the peak RSS of the process it was forked from (the exec keeps the
    old address space's high-water mark), so wait4 reports at least this Python process's RSS;
    GNU time, a small process, forks the command where it is installed and reports its own.
    """
    with tempfile.NamedTemporaryFile(mode="r") as rss_file:
        prefix = [GNU_TIME, "-q", "-f", "%M", "-o", rss_file.name] if GNU_TIME else []
        start = time.perf_counter()
        proc = subprocess.Popen(prefix + list(cmd), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1, 2):  # 2: files the tool reported as errors (a real tree may hold some)
            sys.exit(f"{' '.join(map(str, cmd))} exited with {code}")
        rss = int(rss_file.read().split()[-1]) if GNU_TIME else usage.ru_maxrss
    return wall, usage.ru_utime + usage.ru_stime, rss


def measure(commands, runs):
    """Medians of `runs` rounds (after one warm-up round) of every command, `(name, cmd, prepare)`
    in order: each round runs each command once, so that every command meets the same state of
    the machine (on a virtual machine whose speed drifts by a third within minutes, measuring one
    command's runs after another's skewed their ratios more than the changes measured).
    """
    samples = {name: [] for name, _, _ in commands}
    for i in range(runs + 1):
        for name, cmd, prepare in commands:
            if prepare:
                prepare()
            sample = run_once(cmd)
            if i > 0:
                samples[name].append(sample)
    return {
        name: {
            "wall": statistics.median(s[0] for s in taken),
            "cpu": statistics.median(s[1] for s in taken),
            "rss_mb": max(s[2] for s in taken) / 1024,
        }
        for name, taken in samples.items()
    }


def has_cache(binary):
    help_text = subprocess.run([binary, "check", "--help"], capture_output=True, text=True).stdout
    return "--no-cache" in help_text


def bench_size(files, runs, binary, workdir):
    tree = workdir / f"mono{files}"
    if not tree.exists():
        subprocess.run([sys.executable, str(ROOT / "benches" / "generate.py"), str(tree), "--files", str(files)], check=True)
    return bench_tree(tree, f"mono{files}", runs, binary, workdir)


def bench_tree(tree, name, runs, binary, workdir):
    copy = workdir / f"copy-{name}"
    cache = workdir / f"cache-{name}"
    os.environ["AWSREDIRECT_CACHE_DIR"] = str(cache)
    cached = has_cache(binary)

    def fresh_copy():
        no_cache()
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(tree, copy, symlinks=True)

    def no_cache():
        shutil.rmtree(cache, ignore_errors=True)

    rg = [tool("rg"), "-l", "--no-messages", "-F"] + sum((["-e", m] for m in MARKERS), []) + [
        "-t", "py", "-t", "js", "-t", "ts", "-t", "sh", str(tree)]
    ast_grep = [tool("ast-grep"), "scan", "--config", str(ROOT / "benches" / "ast-grep" / "sgconfig.yml"), str(tree)]
    check = [binary, "check", str(tree)]
    # In this order in every round: the warm run follows the cold one, whose cache it reads.
    commands = [
        ("ripgrep (files with SDK markers)", rg, None),
        ("ast-grep scan (equivalent rules)", ast_grep, None),
        ("awsredirect check", check, no_cache),
    ]
    if cached:
        commands.append(("awsredirect check, warm (nothing changed)", check, None))
    commands += [
        ("awsredirect patch --check", [binary, "patch", "--check", str(tree)], no_cache),
        ("awsredirect patch (fresh copy)", [binary, "patch", str(copy)], fresh_copy),
    ]
    results = measure(commands, runs)
    shutil.rmtree(copy, ignore_errors=True)
    no_cache()
    return results


def table(title, results):
    check = results["awsredirect check"]
    lines = [
        f"### {title}",
        "",
        "| command | wall (s, median) | CPU (s, median) | peak RSS (MB) | wall vs check | CPU vs check |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['wall']:.3f} | {r['cpu']:.3f} | {r['rss_mb']:.1f} | "
            f"{r['wall'] / check['wall']:.2f}× | {r['cpu'] / max(check['cpu'], 1e-9):.2f}× |"
        )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="synthetic tree sizes; empty for none")
    parser.add_argument("--repo", action="append", default=[], help="a checkout to measure too (repeatable)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--binary", default=str(ROOT / "target" / "release" / "awsredirect"))
    parser.add_argument("--workdir", default=None, help="where trees are generated (kept between runs)")
    parser.add_argument("--out", default=None, help="also write the tables to this file")
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="awsredirect-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    report = []
    for files in (int(s) for s in args.sizes.split(",") if s):
        part = table(f"{files:,} files", bench_size(files, args.runs, args.binary, workdir))
        print(part, flush=True)
        report.append(part)
    for repo in (Path(r).resolve() for r in args.repo):
        walked = sum(1 for _ in repo.rglob("*") if _.is_file())
        results = bench_tree(repo, repo.name, args.runs, args.binary, workdir)
        part = table(f"{repo.name} ({walked:,} files in the checkout)", results)
        print(part, flush=True)
        report.append(part)
    if args.out:
        Path(args.out).write_text("\n".join(report))


if __name__ == "__main__":
    main()
