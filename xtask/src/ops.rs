//! `cargo xtask ops audit-verify [--edge URL] [--key-id ID --key PKCS8.der]`: calls the
//! edge's ops API signed with an operator key. Defaults: the dev stack and the TEST-ONLY dev
//! operator key.

use std::io::{Read, Write};
use std::net::TcpStream;

use kofu_edge::core::ops::ops_message;
use kofu_shared::Bytes;
use kofu_shared::signing::{p256_sign, p256_signing_key};

use crate::{Result, root};

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

pub fn ops(args: &[String]) -> Result {
    let usage = "usage: cargo xtask ops audit-verify [--edge URL] [--key-id ID --key PKCS8.der]";
    if args.first().map(String::as_str) != Some("audit-verify") {
        return Err(usage.into());
    }
    let edge = flag(args, "--edge").unwrap_or("http://127.0.0.1:8787");
    let key_id = flag(args, "--key-id").unwrap_or("ops-dev");
    let key_path =
        flag(args, "--key").map(Into::into).unwrap_or_else(|| root().join("fixtures/test-only/ops-dev.key.der"));
    let der = std::fs::read(&key_path).map_err(|e| format!("{}: {e}", key_path.display()))?;
    let key = p256_signing_key(&der).map_err(|_| format!("{}: not a P-256 PKCS#8 key", key_path.display()))?;
    let path = "/v1/ops/audit/verify";
    let time = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?;
    let time = time.as_millis() as u64;
    let signature = Bytes::encode(&p256_sign(&key, &ops_message("GET", path, time, b"")));
    // Plain HTTP/1.1 to a local or tunnelled edge; deployed edges are HTTPS (use curl with
    // these headers there).
    let host = edge.strip_prefix("http://").ok_or("--edge must be http://host:port for this client")?;
    let mut stream = TcpStream::connect(host).map_err(|e| format!("{edge}: {e}"))?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nx-kofu-ops-key: {key_id}\r\nx-kofu-ops-time: {time}\r\n\
         x-kofu-ops-signature: {signature}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).map_err(|e| e.to_string())?;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    println!("{}", body.trim());
    if head.starts_with("HTTP/1.1 200") { Ok(()) } else { Err(head.lines().next().unwrap_or("no answer").into()) }
}
