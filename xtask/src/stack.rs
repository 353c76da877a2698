//! The local stack on 127.0.0.1: municipal server, the edge in workerd (`wrangler dev`),
//! and the kiosk app's static files. Dropping a `Stack` stops all of it.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::{Result, postgres, root, run, tools};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Dev,
    Test,
    /// `cargo xtask bench`: release municipal server, its own ports and state.
    Bench,
}

struct Ports {
    app: u16,
    edge: u16,
    /// 印西市; 千代田区 listens on the next port, and in tests the broken server in front
    /// of it on the one after.
    municipal: u16,
}

impl Ports {
    fn chiyoda(&self) -> u16 {
        self.municipal + 1
    }

    fn broken(&self) -> u16 {
        self.municipal + 2
    }

    fn postgres(&self) -> u16 {
        self.municipal + 5
    }
}

impl Mode {
    fn ports(self) -> Ports {
        let base = match self {
            Mode::Dev => Ports { app: 8080, edge: 8787, municipal: 8790 },
            Mode::Test => Ports { app: 18080, edge: 18787, municipal: 18790 },
            Mode::Bench => Ports { app: 28080, edge: 28787, municipal: 28790 },
        };
        let offset = port_offset();
        Ports { app: base.app + offset, edge: base.edge + offset, municipal: base.municipal + offset }
    }

    fn name(self) -> &'static str {
        match self {
            Mode::Dev => "dev",
            Mode::Test => "test",
            Mode::Bench => "bench",
        }
    }
}

/// `KOFU_PORT_OFFSET=N` moves every port of every stack by N, so two checkouts on one
/// machine can run their tests at once. Unset: the documented ports.
pub fn port_offset() -> u16 {
    std::env::var("KOFU_PORT_OFFSET").ok().and_then(|v| v.parse().ok()).filter(|&n| n <= 1000).unwrap_or(0)
}

pub struct Stack {
    pub app_url: String,
    pub edge_url: String,
    pub municipal_url: String,
    pub dir: PathBuf,
    /// From spawning `wrangler dev` to the edge's first answer.
    pub edge_cold_start: Duration,
    mode: Mode,
    children: Vec<Child>,
    /// Tests: 千代田区's database, so the browser tests run one town on each engine.
    /// Dropped after the children are stopped.
    postgres: Option<postgres::Cluster>,
    /// Each town's database (SQLite file or PostgreSQL URL), for tests that read the register.
    registers: Vec<(&'static str, String)>,
}

/// Tests: how long an issued document waits for its outcome before the register entry
/// lapses. Short, so the soak sees lost reports reconciled; long past any one test's wait.
const TEST_OUTCOME_WINDOW_MS: u64 = 30_000;

fn fixture(name: &str) -> PathBuf {
    root().join("fixtures/test-only").join(name)
}

fn b64_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn log(dir: &Path, name: &str) -> Result<(File, File)> {
    let file = File::create(dir.join(name)).map_err(|e| format!("{name}: {e}"))?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    Ok((file, err))
}

impl Stack {
    pub fn start(mode: Mode) -> Result<Stack> {
        let ports = mode.ports();
        let dir = root().join(".kofu").join(mode.name());
        if mode != Mode::Dev {
            // Tests start from nothing: no challenge, issuance or row from an earlier run.
            let _ = std::fs::remove_dir_all(&dir);
        }
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let mut stack = Stack {
            app_url: format!("http://127.0.0.1:{}", ports.app),
            edge_url: format!("http://127.0.0.1:{}", ports.edge),
            municipal_url: format!("http://127.0.0.1:{}", ports.municipal),
            dir: dir.clone(),
            edge_cold_start: Duration::ZERO,
            mode,
            children: Vec::new(),
            postgres: None,
            registers: Vec::new(),
        };
        for port in [ports.app, ports.edge, ports.municipal, ports.chiyoda(), ports.broken()] {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Err(format!("port {port} is in use: is another kofu stack running?"));
            }
        }
        let inzai_db = stack.dir.join("municipal-122319.sqlite").display().to_string();
        stack.start_municipal("122319", "印西市", ports.municipal, &inzai_db, ports.edge)?;
        let chiyoda_db = if mode == Mode::Test {
            let cluster = stack.postgres.insert(postgres::Cluster::start(
                mode.name(),
                ports.postgres(),
                &stack.dir.join("postgres.log"),
            )?);
            cluster.create_database("chiyoda")?
        } else {
            stack.dir.join("municipal-131016.sqlite").display().to_string()
        };
        stack.start_municipal("131016", "千代田区", ports.chiyoda(), &chiyoda_db, ports.edge)?;
        stack.registers = vec![("122319", inzai_db), ("131016", chiyoda_db)];
        if mode == Mode::Test {
            stack.start_broken_municipal(&ports)?;
        }
        let edge_spawned = stack.start_edge(&ports)?;
        stack.start_app(&ports)?;
        wait_healthy(&format!("{}/health", stack.municipal_url))?;
        wait_healthy(&format!("http://127.0.0.1:{}/health", ports.chiyoda()))?;
        wait_healthy(&format!("{}/v1/health", stack.edge_url))?;
        stack.edge_cold_start = edge_spawned.elapsed();
        wait_healthy(&format!("{}/config.json", stack.app_url))?;
        Ok(stack)
    }

    /// A municipal server with its fictional town seeded (TEST ONLY data) in `db`: a
    /// SQLite file or a PostgreSQL URL. The center's keys, two ways: 印西市 is given both
    /// keys of the dev rotation; 千代田区 only the first, and follows the center's published
    /// rotations (`--center-keys-url`), so a rotation in the stack keeps both working.
    fn start_municipal(&mut self, code: &str, name: &str, port: u16, db: &str, edge: u16) -> Result {
        let profile = if self.mode == Mode::Bench { "release" } else { "debug" };
        let bin = root().join("target").join(profile).join("kofu-municipal");
        run(Command::new(&bin).args(["seed-dev", "--code", code, "--db", db]))?;
        let (out, err) = log(&self.dir, &format!("municipal-{code}.log"))?;
        let mut cmd = Command::new(&bin);
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--code", code, "--name", name, "--db"])
            .arg(db)
            .arg("--key")
            .arg(fixture(&format!("municipal-{code}.key.der")))
            .arg("--center-key")
            .arg(fixture("center.pub.der"));
        if self.mode == Mode::Test {
            cmd.args(["--outcome-window-ms", &TEST_OUTCOME_WINDOW_MS.to_string()]);
        }
        if code == "131016" {
            cmd.args(["--center-keys-url", &format!("http://127.0.0.1:{edge}/v1/center-keys")]);
            cmd.args(["--center-keys-poll-ms", "500"]);
        } else {
            cmd.arg("--center-key").arg(fixture("center-next.pub.der"));
        }
        let child = cmd.stdout(out).stderr(err).process_group(0).spawn().map_err(|e| format!("municipal: {e}"))?;
        self.children.push(child);
        Ok(())
    }

    /// The deliberately broken municipal server (TEST ONLY) in front of 千代田区: honest
    /// until a browser test tells it to misbehave.
    fn start_broken_municipal(&mut self, ports: &Ports) -> Result {
        let (out, err) = log(&self.dir, "broken-municipal.log")?;
        let child = Command::new(root().join("target/debug/broken-municipal"))
            .arg(format!("127.0.0.1:{}", ports.broken()))
            .arg(format!("http://127.0.0.1:{}", ports.chiyoda()))
            .arg(fixture("municipal-131016.key.der"))
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("broken-municipal: {e}"))?;
        self.children.push(child);
        Ok(())
    }

    /// The municipal server's process id (its own process group leader).
    pub fn municipal_pid(&self) -> u32 {
        self.children.first().map_or(0, Child::id)
    }

    /// Starts the benchmark's JS peer worker under `wrangler dev`; returns its cold start.
    pub fn start_js_peer(&mut self, port: u16) -> Result<(String, Duration)> {
        let (out, err) = log(&self.dir, "js-peer.log")?;
        let mut cmd = Command::new(tools::node_bin("wrangler"));
        cmd.args(["dev", "--local", "--ip", "127.0.0.1", "--port", &port.to_string()])
            .args(["--inspector-port", &(port + 1000).to_string(), "--config", "bench/js-peer/wrangler.toml"])
            .arg("--persist-to")
            .arg(self.dir.join("js-peer-state"))
            .current_dir(root())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        let spawned = Instant::now();
        let child = tools::offline_env(&mut cmd).spawn().map_err(|e| format!("wrangler: {e}"))?;
        self.children.push(child);
        let url = format!("http://127.0.0.1:{port}");
        wait_healthy(&format!("{url}/"))?;
        Ok((url, spawned.elapsed()))
    }

    fn start_edge(&mut self, ports: &Ports) -> Result<Instant> {
        let state = self.dir.join("wrangler-state");
        let wrangler = tools::node_bin("wrangler");
        // Local secrets: the dev center key (TEST ONLY).
        // CENTER_KEY_NEXT: what a rotation through the ops API switches to (TEST ONLY keys).
        let dev_vars = format!(
            "CENTER_KEY={}\nCENTER_KEY_NEXT={}\n",
            b64_file(&fixture("center.key.der"))?,
            b64_file(&fixture("center-next.key.der"))?
        );
        std::fs::write(root().join(".dev.vars"), dev_vars).map_err(|e| e.to_string())?;
        run(Command::new(&wrangler)
            .args(["d1", "migrations", "apply", "kofu", "--local", "--persist-to"])
            .arg(&state))?;
        let seed = self.dir.join("edge-seed.sql");
        // The dev municipalities are open around the clock so tests pass at any hour; the
        // service-hours rules are tested in edge/src/core/hours.rs. In tests 千代田区 is
        // reached through the broken server, which is honest unless told otherwise.
        let chiyoda = if self.mode == Mode::Test { ports.broken() } else { ports.chiyoda() };
        let municipality = |code: &str, name: &str, port: u16| -> Result<String> {
            Ok(format!(
                "INSERT OR REPLACE INTO municipalities (code, name, endpoint, public_key, enabled, open_minute, close_minute, year_end_closed, kinds, fees) VALUES ('{code}', '{name}', 'http://127.0.0.1:{port}', '{}', 1, 0, 1440, 0, 'juminhyo,inkan,shotoku,kazei', 'juminhyo:200,inkan:200,shotoku:200,kazei:200');\n",
                b64_file(&fixture(&format!("municipal-{code}.pub.der")))?
            ))
        };
        let sql = format!(
            "INSERT OR REPLACE INTO kiosks (id, public_key, operator, store, status) VALUES ('{DEV_KIOSK_ID}', '{}', 'dev', 'dev', 'active');\n{}{}",
            b64_file(&fixture(&format!("{DEV_KIOSK_ID}.pub.der")))?,
            municipality("122319", "印西市", ports.municipal)?,
            municipality("131016", "千代田区", chiyoda)?,
        );
        std::fs::write(&seed, sql).map_err(|e| e.to_string())?;
        run(Command::new(&wrangler)
            .args(["d1", "execute", "kofu", "--local", "--persist-to"])
            .arg(&state)
            .arg("--file")
            .arg(&seed))?;
        let (out, err) = log(&self.dir, "edge.log")?;
        let mut cmd = Command::new(&wrangler);
        cmd.args(["dev", "--local", "--ip", "127.0.0.1", "--port", &ports.edge.to_string()])
            .args(["--inspector-port", &(ports.edge + 1000).to_string(), "--persist-to"])
            .arg(&state)
            .args(["--var", &format!("VALIDATION_URL:http://127.0.0.1:{}/validation/v1/cards", ports.municipal)])
            .args(["--var", &format!("ALLOWED_ORIGINS:http://127.0.0.1:{}", ports.app)])
            .current_dir(root())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        let spawned = Instant::now();
        let child = tools::offline_env(&mut cmd).spawn().map_err(|e| format!("wrangler: {e}"))?;
        self.children.push(child);
        Ok(spawned)
    }

    fn start_app(&mut self, ports: &Ports) -> Result {
        let config = format!("{{\"edge_url\":\"{}\",\"operator_pin\":\"{DEV_OPERATOR_PIN_HASH}\"}}", self.edge_url);
        let listener = std::net::TcpListener::bind(("127.0.0.1", ports.app)).map_err(|e| format!("app server: {e}"))?;
        listener.set_nonblocking(true).map_err(|e| format!("app server: {e}"))?;
        let dist = root().join("dist");
        std::thread::spawn(move || serve_static(listener, dist, config));
        Ok(())
    }

    /// Environment for test processes.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("KOFU_APP_URL".into(), self.app_url.clone()),
            ("KOFU_EDGE_URL".into(), self.edge_url.clone()),
            ("KOFU_MUNICIPAL_URL".into(), self.municipal_url.clone()),
            (
                "KOFU_BROKEN_MUNICIPAL_URL".into(),
                self.municipal_url
                    .replace(&format!(":{}", self.mode.ports().municipal), &format!(":{}", self.mode.ports().broken())),
            ),
            ("KOFU_FIXTURES".into(), fixture("").display().to_string()),
            ("KOFU_VIRTUAL_CCID".into(), root().join("target/debug/virtual-ccid").display().to_string()),
            // For tests that inspect or alter the edge's local D1 (the audit trail).
            ("KOFU_EDGE_STATE".into(), self.dir.join("wrangler-state").display().to_string()),
            ("KOFU_WRANGLER".into(), tools::node_bin("wrangler").display().to_string()),
            ("KOFU_OUTCOME_WINDOW_MS".into(), TEST_OUTCOME_WINDOW_MS.to_string()),
        ];
        env.extend(self.registers.iter().map(|(code, db)| (format!("KOFU_REGISTER_{code}"), db.clone())));
        env
    }

    /// Blocks until Ctrl-C or SIGTERM; the caller then drops the stack, stopping every child.
    pub fn wait_for_interrupt(&self) -> Result {
        let (tx, rx) = std::sync::mpsc::channel();
        ctrlc::set_handler(move || {
            let _ = tx.send(());
        })
        .map_err(|e| format!("signal handler: {e}"))?;
        let _ = rx.recv();
        eprintln!("xtask: stopping the stack");
        Ok(())
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        for child in &mut self.children {
            // Whole process group: wrangler leaves workerd orphans otherwise.
            signal_group(child.id(), "TERM");
        }
        for child in &mut self.children {
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            signal_group(child.id(), "KILL");
            let _ = child.wait();
        }
    }
}

/// `kill -s SIG -- -PGID`: without `--`, procps kill reads `-PGID` as a signal number.
fn signal_group(pgid: u32, signal: &str) {
    let _ = Command::new("kill").args(["-s", signal, "--", &format!("-{pgid}")]).stderr(Stdio::null()).status();
}

fn wait_healthy(url: &str) -> Result {
    let deadline = Instant::now() + Duration::from_secs(90);
    let (host, path) = url.trim_start_matches("http://").split_once('/').unwrap_or((url, ""));
    while Instant::now() < deadline {
        if http_get_ok(host, &format!("/{path}")) {
            return Ok(());
        }
        // Short, so the cold start measured by `cargo xtask bench` is not the poll interval.
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("{url} did not become healthy in 90 s (see .kofu/*/ logs)"))
}

fn http_get_ok(host: &str, path: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(host) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

/// The TEST-ONLY kiosk the dev and test stacks enroll (key `fixtures/test-only/kiosk-dev-001.*`).
pub const DEV_KIOSK_ID: &str = "kiosk-dev-001";
/// The TEST-ONLY operator of the ops API that wrangler.toml's dev `OPS_KEYS` lists
/// (key `fixtures/test-only/ops-dev.*`).
pub const DEV_OPS_KEY_ID: &str = "ops-dev";

/// The operator PIN of dev and test kiosks, `135790` (TEST ONLY), as config.json keeps it.
pub const DEV_OPERATOR_PIN_HASH: &str =
    "pbkdf2-sha256$100000$a29mdS1kZXYtb3BlcmF0bw$Mh01-CzJd-Nytg4U6cDME4LQnG0TsrIYVRvFEy9BylY";

/// The app's files from dist/ (the kiosk, /verify/, /operator/ and Trunk's snippets) and
/// its config.json, never cached. tower-http's ServeDir: concurrent, and it refuses paths
/// outside dist/. (A hand-rolled tiny_http server before it sometimes never sent the wasm
/// of the first page a fresh Chromium loaded.)
fn serve_static(listener: std::net::TcpListener, dist: PathBuf, config: String) {
    use axum::http::{HeaderValue, header};
    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() else {
        eprintln!("xtask: app server: no async runtime");
        return;
    };
    runtime.block_on(async move {
        let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
        let config = move || async move { ([(header::CONTENT_TYPE, "application/json")], config) };
        let app = axum::Router::new()
            .route("/config.json", axum::routing::get(config))
            .fallback_service(tower_http::services::ServeDir::new(dist).append_index_html_on_directories(true))
            .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ));
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("xtask: app server: {e}");
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_dev_operator_pin_hash_is_the_documented_pin() {
        let hash = kofu_shared::operator_pin::OperatorPinHash::parse(super::DEV_OPERATOR_PIN_HASH).unwrap();
        assert!(hash.matches("135790"));
    }
}
