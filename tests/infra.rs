//! `awsredirect infra FORMAT`: snapshots of every format for a small selection (review changes
//! with `cargo insta review`), the defaults (every emulated service, every commercial region)
//! and what is refused. The real tools' own checks of these files (`dnsmasq --test`,
//! `iptables-restore --test`, a hosts parser and `getent`) are in tests/e2e/test_infra_tools.py.
use assert_cmd::Command;

fn infra(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("awsredirect")
        .unwrap()
        .arg("infra")
        .args(args)
        .env_remove("AWSREDIRECT_ENDPOINT")
        .output()
        .unwrap()
}

fn small(format: &str, extra: &[&str]) -> String {
    let mut args = vec![
        format,
        "--services",
        "s3,sqs",
        "--regions",
        "us-east-1,eu-west-1",
    ];
    args.extend_from_slice(extra);
    let output = infra(&args);
    assert!(output.status.success(), "{output:?}");
    assert!(output.stderr.is_empty());
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn dnsmasq() {
    insta::assert_snapshot!(small("dnsmasq", &[]));
}

#[test]
fn hosts() {
    insta::assert_snapshot!(small("hosts", &[]));
}

#[test]
fn hosts_with_virtual_ips() {
    insta::assert_snapshot!(small("hosts", &["--virtual-ips"]));
}

#[test]
fn iptables() {
    insta::assert_snapshot!(small("iptables", &["--endpoint", "https://127.0.0.1:4443"]));
}

#[test]
fn resolv() {
    insta::assert_snapshot!(small("resolv", &[]));
}

#[test]
fn every_format_starts_with_a_header_that_says_how_to_undo_it() {
    for format in ["dnsmasq", "hosts", "iptables", "resolv"] {
        let text = small(format, &[]);
        assert!(text.starts_with("# "), "{format}");
        let header: Vec<&str> = text.lines().take_while(|l| l.starts_with('#')).collect();
        assert!(
            header.iter().any(|l| l.contains("Undo")),
            "{format}: {header:?}"
        );
    }
}

#[test]
fn defaults_cover_every_emulated_service_and_commercial_region() {
    let output = infra(&["hosts"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let names: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    for service in awsredirect_emulator::SERVICES {
        for region in awsredirect::infra::regions() {
            let name = format!("{service}.{region}.amazonaws.com");
            assert!(names.contains(&name.as_str()), "{name}");
        }
    }
    for global in [
        "s3.amazonaws.com",
        "sts.amazonaws.com",
        "iam.amazonaws.com",
        "queue.amazonaws.com",
    ] {
        assert!(names.contains(&global), "{global}");
    }
    assert_eq!(
        names.len(),
        awsredirect_emulator::SERVICES.len() * awsredirect::infra::regions().len() + 4
    );
    assert!(text
        .lines()
        .all(|l| l.starts_with('#') || l.starts_with("127.0.0.1 ")));
}

#[test]
fn bad_inputs_exit_2_with_a_reason() {
    for (args, expected) in [
        (
            &["hosts", "--endpoint", "localhost:4566"][..],
            "did you mean http://localhost:4566",
        ),
        (
            &["hosts", "--endpoint", "http://emulator.example:4566"][..],
            "is a name",
        ),
        (
            &["hosts", "--services", "s3,ec2"][..],
            "\"ec2\" is not a service the emulator has",
        ),
        (&["hosts", "--regions", "narnia"][..], "not a region name"),
        (&["iptables", "--endpoint", "http://[::1]:4566"][..], "IPv6"),
    ] {
        let output = infra(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn the_help_names_the_emulators_services() {
    let output = infra(&["--help"]);
    let help = String::from_utf8(output.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let listed = awsredirect_emulator::SERVICES.join(", ");
    assert!(
        help.contains(&format!("every emulated service: {listed}]")),
        "{help}"
    );
}
