//! `awsredirect serve` as a command: what it prints when the state journal is corrupt, what
//! `--recover` reports, and that it binds loopback without a warning. (The emulator's own tests
//! are in `emulator/tests/`; this file shares their helpers.)

#[path = "../emulator/tests/support/mod.rs"]
mod emulator_support;

use emulator_support::{files_under, Server};

#[test]
fn a_corrupt_journal_refuses_to_start_unless_recover_moves_it_aside() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().to_str().unwrap().to_string();
    {
        let server = Server::start(&["--state-dir", &state]);
        let mut conn = server.connect();
        for bucket in ["/first", "/second", "/third"] {
            assert_eq!(conn.request("PUT", bucket, &[], b"").unwrap().status, 200);
        }
        assert_eq!(
            conn.request("PUT", "/second/k", &[], b"object bytes")
                .unwrap()
                .status,
            200
        );
    }
    let journal = dir.path().join("journal.arj");
    let mut data = std::fs::read(&journal).unwrap();
    // Damage the second frame's header (frames follow the 8-byte magic).
    let first_len = 16
        + u32::from_le_bytes(data[8..12].try_into().unwrap()) as usize
        + u64::from_le_bytes(data[12..20].try_into().unwrap()) as usize;
    data[8 + first_len + 20] ^= 0x55;
    std::fs::write(&journal, &data).unwrap();

    let refused = Server::try_start(&["--state-dir", &state])
        .err()
        .expect("started on a corrupt journal");
    assert!(
        refused.contains("corrupt")
            && refused.contains("journal.arj")
            && refused.contains("--recover"),
        "{refused}"
    );
    assert_eq!(
        std::fs::read(&journal).unwrap(),
        data,
        "the corrupt file must be left as it was"
    );

    let server = Server::start(&["--state-dir", &state, "--recover"]);
    let stderr = server.stderr();
    assert!(
        stderr.contains("corrupt") && stderr.contains("moved"),
        "{stderr}"
    );
    let aside: Vec<_> = files_under(dir.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(
        std::fs::read(&aside[0]).unwrap(),
        data,
        "moved aside unchanged"
    );
    let mut conn = server.connect();
    let listed = conn.request("GET", "/", &[], b"").unwrap().text();
    assert!(
        listed.contains("<Name>first</Name>") && listed.contains("<Name>third</Name>"),
        "{listed}"
    );
    drop(server);
    // What was recovered is the new journal; the next start is clean.
    let again = Server::start(&["--state-dir", &state]);
    assert!(again
        .connect()
        .request("GET", "/", &[], b"")
        .unwrap()
        .text()
        .contains("<Name>third</Name>"));
}

#[test]
fn a_damaged_length_mid_journal_is_corruption_not_a_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().to_str().unwrap().to_string();
    {
        let server = Server::start(&["--state-dir", &state]);
        let mut conn = server.connect();
        for bucket in ["/first", "/second", "/third"] {
            assert_eq!(conn.request("PUT", bucket, &[], b"").unwrap().status, 200);
        }
    }
    let journal = dir.path().join("journal.arj");
    let mut data = std::fs::read(&journal).unwrap();
    // The first frame's payload length becomes huge: it seems to run past the end of the file.
    data[12 + 7] = 0x7f;
    std::fs::write(&journal, &data).unwrap();
    let refused = Server::try_start(&["--state-dir", &state])
        .err()
        .expect("started on a corrupt journal");
    assert!(refused.contains("corrupt"), "{refused}");
    assert!(files_under(dir.path())
        .iter()
        .all(|p| !p.to_string_lossy().contains(".torn-")));
}

#[test]
fn binds_loopback_by_default() {
    let server = Server::start(&[]);
    let sockets = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default()
        + &std::fs::read_to_string("/proc/net/tcp6").unwrap_or_default();
    let port = format!(":{:04X} ", server.port);
    let listening: Vec<&str> = sockets
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .nth(1)
                .is_some_and(|local| format!("{local} ").ends_with(&port))
                && l.split_whitespace().nth(3) == Some("0A")
        })
        .collect();
    assert!(
        !listening.is_empty(),
        "no listening socket found for port {}",
        server.port
    );
    for line in listening {
        let local = line.split_whitespace().nth(1).unwrap();
        assert!(
            local.starts_with("0100007F:"),
            "listening on {local}, not 127.0.0.1"
        );
    }
    assert!(!server.stderr().contains("warning"));
}
