"""`awsredirect infra FORMAT`: the generated files pass the real tools' own checks.

- dnsmasq: `dnsmasq --test -C FILE` (Debian's dnsmasq-base; scripts/test installs it);
- iptables: `iptables-restore --test` inside an unprivileged user + network namespace
  (`unshare -rn`), so nothing on the machine changes;
- hosts: every line parsed (an IP and valid host names), then the block bind-mounted over
  /etc/hosts in an unprivileged mount and network namespace (`unshare -rmn`) and looked up with glibc's
  `getent`, as any program on the machine would resolve it.

A test skips, with the reason, only where the tool is missing or the kernel refuses
unprivileged namespaces.
"""
import ipaddress
import os
import re
import shutil
import subprocess

import pytest

SMALL = ["--services", "s3,sqs", "--regions", "us-east-1,eu-west-1"]
HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*$")


def infra(awsredirect_bin, *args):
    result = subprocess.run(
        [awsredirect_bin, "infra", *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def tool(name):
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/sbin/{name}"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.skip(f"{name} is not installed (scripts/test installs it with apt-get)")


def unshare(flags):
    """`unshare FLAGS` if the kernel allows unprivileged namespaces here, else skip."""
    binary = tool("unshare")
    probe = subprocess.run([binary, *flags, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"unshare {' '.join(flags)} refused: {probe.stderr.strip()}")
    return [binary, *flags]


@pytest.mark.parametrize("args", [SMALL, [], ["--endpoint", "http://[::1]:4566"]], ids=["small", "defaults", "ipv6"])
def test_dnsmasq_accepts_the_config(awsredirect_bin, tmp_path, args):
    dnsmasq = tool("dnsmasq")
    conf = tmp_path / "awsredirect.conf"
    conf.write_text(infra(awsredirect_bin, "dnsmasq", *args))
    result = subprocess.run([dnsmasq, "--test", "-C", str(conf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax check OK" in result.stderr + result.stdout


def test_dnsmasq_check_is_not_vacuous(tmp_path):
    dnsmasq = tool("dnsmasq")
    conf = tmp_path / "bad.conf"
    conf.write_text("address=/amazonaws.com/not-an-address\n")
    result = subprocess.run([dnsmasq, "--test", "-C", str(conf)], capture_output=True, text=True)
    assert result.returncode != 0


@pytest.mark.parametrize(
    "args",
    [SMALL, [], ["--endpoint", "https://127.0.0.1:4443"], ["--endpoint", "http://10.0.0.5:4566"]],
    ids=["small", "defaults", "https", "remote"],
)
def test_iptables_restore_accepts_the_rules(awsredirect_bin, args):
    restore = tool("iptables-restore")
    namespace = unshare(["-rn"])
    rules = infra(awsredirect_bin, "iptables", *args)
    result = subprocess.run(
        [*namespace, restore, "--test"], input=rules, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    # Not vacuous: a broken rule is refused the same way.
    broken = rules.replace("--to-destination 127", "--to-destination 999", 1).replace(
        "--to-destination 10.", "--to-destination 999.", 1
    )
    result = subprocess.run(
        [*namespace, restore, "--test"], input=broken, capture_output=True, text=True
    )
    assert result.returncode != 0


def hosts_entries(text):
    """(ip, names) per line, checking each line as a hosts file parser would."""
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split()
        assert len(fields) >= 2, f"line {number}: {line!r}"
        ipaddress.ip_address(fields[0])
        for name in fields[1:]:
            assert HOSTNAME.match(name), f"line {number}: {name!r}"
        entries.append((fields[0], fields[1:]))
    return entries


@pytest.mark.parametrize("args", [SMALL, [], SMALL + ["--virtual-ips"]], ids=["small", "defaults", "virtual-ips"])
def test_hosts_block_parses(awsredirect_bin, args):
    text = infra(awsredirect_bin, "hosts", *args)
    lines = text.splitlines()
    assert lines[0].startswith("# BEGIN awsredirect") and lines[-1] == "# END awsredirect"
    entries = hosts_entries(text)
    names = [name for _, names in entries for name in names]
    assert len(names) == len(set(names)), "a name is listed twice"
    assert {"s3.amazonaws.com", "queue.amazonaws.com", "s3.us-east-1.amazonaws.com"} <= set(names)


def test_getent_resolves_the_hosts_block(awsredirect_bin, tmp_path):
    getent = tool("getent")
    # A network namespace too: a name the block lacks falls through to DNS, which must not
    # leave the machine.
    namespace = unshare(["-rmn"])
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n" + infra(awsredirect_bin, "hosts", *SMALL, "--virtual-ips"))
    script = (
        f'mount --bind "{hosts}" /etc/hosts && '
        f"for n in s3.amazonaws.com sqs.eu-west-1.amazonaws.com queue.amazonaws.com; do {getent} hosts $n; done; "
        f"{getent} hosts sns.us-east-1.amazonaws.com.invalid-test || echo MISSING"
    )
    result = subprocess.run([*namespace, "sh", "-c", script], capture_output=True, text=True)
    if result.returncode != 0 and "mount" in result.stderr:
        pytest.skip(f"cannot bind-mount over /etc/hosts here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    found = [line.split() for line in result.stdout.splitlines() if line != "MISSING"]
    assert found == [
        ["127.100.0.1", "s3.amazonaws.com"],
        ["127.100.0.2", "sqs.eu-west-1.amazonaws.com"],
        ["127.100.0.2", "queue.amazonaws.com"],
    ]
    assert result.stdout.splitlines()[-1] == "MISSING"
