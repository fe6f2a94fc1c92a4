//! `bash -n` without a new bash per script (Linux): one `bash` per thread reads each script in a
//! forked subshell whose first command is `set -n`, after which bash parses every command and
//! runs none — so checking a script costs a fork of a running bash, not the start of a new one
//! (whose dynamic loading was most of the cost of `patch --check` over `check`; BENCHMARKS.md).
//!
//! The script goes to the subshell as `set -n`, a newline, then its text, in an in-memory file
//! the bash opens by its `/proc` path; exit status 0 accepts it. Only an acceptance is taken
//! from here: the subshell is at times stricter than `bash -n` (which prints an unfinished
//! `[[` at the end of a script as an error and still exits 0), never seen more lenient
//! (`any_accepted_script_is_accepted_by_bash_n`), so a script it does not accept goes to
//! `bash -n` as before, and the verdict stays `bash -n`'s. Each script is
//! read by a subshell of its own, from a file of its own: nothing of one script can reach
//! another. The bash's environment has no `BASH_ENV` / `ENV` (a non-interactive bash would run
//! the file they name), and before it is trusted it must pass two probes: a script that would
//! `exit 3` is accepted with status 0 (so `set -n` holds), and an unfinished `if` gets status 2.
//! Whatever else happens (no bash, a failed probe, a dead bash), `accepts` answers `false`.

/// Whether this thread's bash accepts `text` (then `bash -n` does too).
pub fn accepts(text: &str) -> bool {
    imp::accepts(text)
}

#[cfg(target_os = "linux")]
mod imp {
    use std::cell::RefCell;
    use std::io::{BufRead, BufReader, Write};
    use std::os::fd::AsRawFd;
    use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

    /// Reads NUL-terminated paths; for each, sources the file in a forked subshell and prints
    /// the subshell's status, NUL-terminated.
    const LOOP: &str =
        r#"while IFS= read -r -d '' p; do ( . "$p" ) 2>/dev/null; printf '%d\0' "$?"; done"#;

    /// What goes before a script: after it, the subshell runs nothing.
    const PREFIX: &str = "set -n\n";

    enum State {
        Untried,
        Running(Driver),
        Unavailable,
    }

    thread_local! {
        static STATE: RefCell<State> = const { RefCell::new(State::Untried) };
    }

    pub fn accepts(text: &str) -> bool {
        if text.contains('\0') || !super::super::shell::bash_found() {
            return false;
        }
        STATE
            .try_with(|state| {
                let Ok(mut state) = state.try_borrow_mut() else {
                    return false;
                };
                if matches!(*state, State::Untried) {
                    *state = Driver::start().map_or(State::Unavailable, State::Running);
                }
                let State::Running(driver) = &mut *state else {
                    return false;
                };
                driver.status(text).unwrap_or_else(|_| {
                    *state = State::Unavailable;
                    None
                }) == Some(0)
            })
            .unwrap_or(false)
    }

    struct Driver {
        child: Child,
        input: Option<ChildStdin>,
        output: BufReader<ChildStdout>,
    }

    impl Driver {
        /// A running bash that passed both probes.
        fn start() -> Option<Driver> {
            let mut child = Command::new(super::super::shell::bash())
                .args(["--noprofile", "--norc", "-c", LOOP])
                .env_remove("BASH_ENV")
                .env_remove("ENV")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .ok()?;
            let input = child.stdin.take();
            let output = BufReader::new(child.stdout.take()?);
            let mut driver = Driver {
                child,
                input,
                output,
            };
            let runs_nothing = matches!(driver.status("exit 3\n"), Ok(Some(0)));
            let rejects = matches!(driver.status("if true; then\n"), Ok(Some(2)));
            (runs_nothing && rejects).then_some(driver)
        }

        /// The subshell's exit status on `text` (`None` where there is no file to give it);
        /// `Err` where the bash cannot be asked any more.
        fn status(&mut self, text: &str) -> std::io::Result<Option<i32>> {
            let Some(file) = script_file(text) else {
                return Ok(None);
            };
            let path = format!("/proc/{}/fd/{}\0", std::process::id(), file.as_raw_fd());
            let input = self.input.as_mut().ok_or(std::io::ErrorKind::BrokenPipe)?;
            input.write_all(path.as_bytes())?;
            input.flush()?;
            let status = self.field()?;
            drop(file);
            Ok(status.parse().ok())
        }

        /// The next NUL-terminated field of the bash's output.
        fn field(&mut self) -> std::io::Result<String> {
            let mut bytes = Vec::new();
            self.output.read_until(0, &mut bytes)?;
            if bytes.pop() != Some(0) {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        }
    }

    impl Drop for Driver {
        fn drop(&mut self) {
            // End of input ends the loop; the bash is then reaped.
            drop(self.input.take());
            let _ = self.child.wait();
        }
    }

    /// `set -n`, then the script (ending in a newline), in an in-memory file (close-on-exec).
    fn script_file(text: &str) -> Option<std::fs::File> {
        // A sourced text ending in `\` is read as complete where `bash -n` finds an error: with
        // the newline, both read a line continuation at the end.
        let end = if text.ends_with('\n') { "" } else { "\n" };
        super::super::shell::in_memory(&[PREFIX, text, end])
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use proptest::prelude::*;

        /// Whether this thread's bash and `bash -n` accept `text` (`None` without bash).
        fn both(text: &str) -> Option<(bool, bool)> {
            let bash_n = super::super::super::shell::bash_n(text).is_ok();
            super::super::super::shell::bash_found().then(|| (accepts(text), bash_n))
        }

        #[test]
        fn scripts_are_accepted_as_bash_n_accepts_them() {
            let texts = [
                "aws s3 ls\n",
                "#!/bin/bash\nset -e\naws --endpoint-url http://localhost:4566 s3 ls\n",
                "if true; then\n",
                "fi\n",
                "exit 3\nif\n",
                "set +n\nif\n",
                "cat <<EOF\nif\nEOF\n",
                "cat <<EOF\nunterminated\n",
                "echo 'open\n",
                "echo $(\n",
                "f() { echo; }\n}\n",
                "case x in a) ;; esac\n",
                "echo \\\n",
                "",
            ];
            for text in texts {
                if let Some((driver, bash_n)) = both(text) {
                    assert_eq!(driver, bash_n, "{text:?}");
                }
            }
        }

        #[test]
        fn nothing_in_a_script_is_run() {
            let dir = tempfile::tempdir().unwrap();
            let ran = dir.path().join("ran");
            let script = format!("touch '{}'\nexit 5\n", ran.display());
            let accepted = accepts(&script);
            assert_eq!(accepted, super::super::super::shell::bash_found());
            assert!(!ran.exists(), "the script was run");
        }

        #[test]
        fn a_script_cannot_reach_the_next_one() {
            // An unfinished here-document, quote and brace: the next script is read on its own.
            for text in ["cat <<EOF\n", "echo 'a\n", "{\n"] {
                accepts(text);
                assert!(!accepts("EOF\n'\n}\n"));
            }
        }

        fn piece() -> impl Strategy<Value = &'static str> {
            prop::sample::select(vec![
                "if true; then ",
                "fi",
                "else ",
                "{ ",
                "}",
                "(",
                ")",
                ";",
                ";;",
                "'",
                "\"",
                "`",
                "<<EOF\n",
                "EOF\n",
                "\n",
                "$(",
                "$((",
                "))",
                "case x in ",
                "esac",
                "do ",
                "done",
                "for i in a; ",
                "while true; ",
                "echo ",
                "aws s3 ls ",
                "&&",
                "||",
                "|",
                "\\",
                "# ",
                "x=1 ",
                "[[ ",
                "]]",
                "function f ",
                "f() ",
                "exit 3",
                "&",
                "<(",
                ">",
            ])
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]
            #[test]
            fn any_accepted_script_is_accepted_by_bash_n(pieces in prop::collection::vec(piece(), 0..14)) {
                let text = pieces.concat();
                if let Some((driver, bash_n)) = both(&text) {
                    prop_assert!(!driver || bash_n, "accepted here, not by bash -n: {:?}", text);
                }
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    pub fn accepts(_text: &str) -> bool {
        false
    }
}
