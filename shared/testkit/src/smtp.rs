//! aiosmtpd, a real SMTP server process writing every message it accepts to a maildir. It binds
//! port 0 itself and says which port it got, so no other process can take the port between a
//! probe and the bind.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The server, started on port 0 and bound there for good: a test that stops it and starts it
/// again gets the same port back.
const SERVER: &str = r#"
import asyncio, socket, sys
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP

maildir, port = sys.argv[1], int(sys.argv[2])
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", port))
sock.listen(64)
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
handler = Mailbox(maildir)
loop.run_until_complete(loop.create_server(lambda: SMTP(handler), sock=sock))
print(sock.getsockname()[1], flush=True)
loop.run_forever()
"#;

/// The tests' Python (with aiosmtpd): REX_CROSSCHECK_PYTHON, or the one `.ci/python-env`
/// installs.
pub fn python() -> PathBuf {
    match std::env::var_os("REX_CROSSCHECK_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => {
            let env = crate::binary::workspace().join(".ci/python-env");
            PathBuf::from(crate::binary::stdout_of(Command::new("bash").arg(env)).trim())
        }
    }
}

/// A real SMTP server storing every message it accepts in a maildir.
#[derive(Debug)]
pub struct SmtpServer {
    pub port: u16,
    pub maildir: PathBuf,
    child: Option<Child>,
}

impl SmtpServer {
    /// Starts the server on a port of its own, its maildir in `dir`.
    pub async fn start(dir: &Path) -> SmtpServer {
        let maildir = dir.join("maildir");
        let (child, port) = spawn(&maildir, 0).await;
        SmtpServer {
            port,
            maildir,
            child: Some(child),
        }
    }

    /// Stops the server: the mail server is down.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on its port and maildir.
    pub async fn restart(&mut self) {
        self.stop();
        let (child, port) = spawn(&self.maildir, self.port).await;
        assert_eq!(port, self.port);
        self.child = Some(child);
    }

    /// Every message the server accepted, raw.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) {
                for e in entries.flatten() {
                    out.push(std::fs::read(e.path()).unwrap());
                }
            }
        }
        out
    }

    /// Waits (polling, bounded: 60 s) until the server holds `n` messages. The bound is for a
    /// loaded machine: with the tests on two cores the SMTP process can be starved for seconds,
    /// its connections time out (2 s in the tests' settings), and the sender's retries double
    /// from 100 ms — the sixth attempt starts about 15 s after the first, which is where a
    /// 15-second bound failed once on a clean clone (issue #16). It returns as soon as the
    /// messages are there.
    pub async fn wait_for(&self, n: usize) -> Vec<Vec<u8>> {
        self.wait_for_within(n, Duration::from_secs(60)).await
    }

    /// Waits (polling) until the server holds `n` messages, for at most `limit`.
    pub async fn wait_for_within(&self, n: usize, limit: Duration) -> Vec<Vec<u8>> {
        let started = std::time::Instant::now();
        loop {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            if started.elapsed() >= limit {
                panic!(
                    "the SMTP server received {} messages in {limit:?}, expected {n}; {}",
                    m.len(),
                    self.state()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl SmtpServer {
    /// Whether the test stopped the server, and its log: what a failed wait reports.
    fn state(&self) -> String {
        let running = match &self.child {
            Some(child) => format!("process {} not stopped by the test", child.id()),
            None => "stopped".to_owned(),
        };
        let log = std::fs::read_to_string(self.maildir.with_extension("log")).unwrap_or_default();
        format!("{running}; its log: {log:?}")
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs the server on `port` (0: any) and reads the port it listens on; the socket is bound
/// and listening before the port is printed.
async fn spawn(maildir: &Path, port: u16) -> (Child, u16) {
    // Its log in a file: a pipe nobody reads could fill and stop the server.
    let log = maildir.with_extension("log");
    let mut child = Command::new(python())
        .args(["-c", SERVER])
        .arg(maildir)
        .arg(port.to_string())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // A blocking read ends at once when the process exits (end of file), so it is bounded.
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .unwrap()
    .unwrap();
    match line.trim().parse() {
        Ok(port) => (child, port),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "aiosmtpd did not start on port {port}: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
    }
}
