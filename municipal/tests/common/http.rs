//! The municipal server's router served in-process on 127.0.0.1, and a raw HTTP/1.1 client
//! (std only) that can send what no well-behaved client would: any method, content type
//! and bytes.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kofu_municipal::Municipality;
use kofu_municipal::db::Db;
use kofu_municipal::http::{AppState, router};

/// A running server; stopped (and its database closed outside the runtime) on drop.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

pub fn serve(municipality: Municipality, db: Db) -> Server {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let state = Arc::new(AppState { municipality, db });
        // Multi-threaded, as in `main`: requests reach SQLite through `block_in_place`.
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, router(Arc::clone(&state)))
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        drop(runtime);
        drop(state);
    });
    let addr = addr_rx.recv_timeout(Duration::from_secs(10)).expect("the server starts");
    Server { addr, stop: Some(stop), thread: Some(thread) }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What came back, and how long it took.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub took: Duration,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The longest any answer may take, whatever was sent.
pub const DEADLINE: Duration = Duration::from_secs(2);

/// Sends one request (`Connection: close`) and reads the whole answer, within a few seconds.
pub fn send(addr: SocketAddr, method: &str, path: &str, content_type: Option<&str>, body: &[u8]) -> Answer {
    let length = body.len().to_string();
    send_with(addr, method, path, content_type, Some(&length), body)
}

/// [`send`] with a `content-length` of the caller's choosing (`None`: left out).
pub fn send_with(
    addr: SocketAddr,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    content_length: Option<&str>,
    body: &[u8],
) -> Answer {
    let started = Instant::now();
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n");
    if let Some(length) = content_length {
        head.push_str(&format!("content-length: {length}\r\n"));
    }
    if let Some(content_type) = content_type {
        head.push_str(&format!("content-type: {content_type}\r\n"));
    }
    head.push_str("\r\n");
    // The server may answer (413) and close before reading it all; what it answered counts.
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body));
    let mut raw = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
            // A reset after the whole answer arrived (unread request bytes) is not a failure.
            Err(_) if parse(&raw).is_some() => break,
            Err(e) => panic!("{method} {path}: no answer ({e}) after {:?}", started.elapsed()),
        }
    }
    let took = started.elapsed();
    let (status, headers, body) = parse(&raw).unwrap_or_else(|| panic!("{method} {path}: not HTTP: {raw:?}"));
    Answer { status, headers, body, took }
}

/// Status, headers and the (de-chunked) body of a complete answer.
type Parsed = (u16, Vec<(String, String)>, Vec<u8>);

fn parse(raw: &[u8]) -> Option<Parsed> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(rest)?
    } else {
        let length = headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok());
        match length {
            Some(length) if rest.len() >= length => rest[..length].to_vec(),
            Some(_) => return None,
            None => rest.to_vec(),
        }
    };
    Some((status, headers, body))
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).ok()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}
