//! `cargo xtask ops …`: calls the edge's ops API (audit check, kiosk enrollment and
//! revocation, municipality registration) signed with an operator key. Defaults: the dev stack and the TEST-ONLY dev
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

const USAGE: &str = "usage: cargo xtask ops <command> [--edge URL] [--key-id ID --key PKCS8.der]
  audit-verify
  export [--from-seq N] [--limit M]    (audit records as JSON, to keep a copy and check it elsewhere)
  report --from UNIX_MS --to UNIX_MS   (inspection report: by store, municipality, repeated refusals)
  enroll-kiosk --id ID (--public-key SPKI.der | --public-key-b64 KEY) --operator NAME --store NAME
               (KEY: as the kiosk's operator screen shows it)
  revoke-kiosk --id ID
  register-municipality --file MUNICIPALITY.json   (docs/PROTOCOL.md, POST /v1/ops/municipalities)
  rotate-center-key --public-key NEW.pub.der --previous-public-key OLD.pub.der --overlap-minutes N
               (NEW's secret must be set as CENTER_KEY_NEXT; OLD stays valid N more minutes, ≥ 10)
  operator-pin    (no edge call: reads a new kiosk operator PIN from stdin, prints config.json's operator_pin)";

pub fn ops(args: &[String]) -> Result {
    if args.first().map(String::as_str) == Some("operator-pin") {
        return operator_pin();
    }
    let need = |name: &str| flag(args, name).ok_or_else(|| format!("{name} is required\n{USAGE}"));
    let (method, path, body) = match args.first().map(String::as_str) {
        Some("audit-verify") => ("GET", "/v1/ops/audit/verify".to_owned(), String::new()),
        Some("export") => {
            let page = format!(
                "/v1/ops/audit/export?from_seq={}&limit={}",
                flag(args, "--from-seq").unwrap_or("1"),
                flag(args, "--limit").unwrap_or("1000")
            );
            ("GET", page, String::new())
        }
        Some("report") => {
            let period = format!("/v1/ops/audit/report?from={}&to={}", need("--from")?, need("--to")?);
            ("GET", period, String::new())
        }
        Some("enroll-kiosk") => {
            let key = match flag(args, "--public-key-b64") {
                Some(text) => Bytes::decode(text).map_err(|_| "--public-key-b64: not base64url")?,
                None => {
                    let key_path = need("--public-key")?;
                    std::fs::read(key_path).map_err(|e| format!("{key_path}: {e}"))?
                }
            };
            kofu_shared::signing::p256_public_key(&key).map_err(|_| "the public key is not a P-256 key")?;
            let body = format!(
                "{{\"id\":{:?},\"public_key\":\"{}\",\"operator\":{:?},\"store\":{:?}}}",
                need("--id")?,
                Bytes::encode(&key),
                need("--operator")?,
                need("--store")?
            );
            ("POST", "/v1/ops/kiosks".to_owned(), body)
        }
        Some("revoke-kiosk") => ("POST", "/v1/ops/kiosks/revoke".to_owned(), format!("{{\"id\":{:?}}}", need("--id")?)),
        Some("rotate-center-key") => {
            let spki = |name: &str| -> Result<String> {
                let path = need(name)?;
                let der = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
                kofu_shared::signing::p256_public_key(&der).map_err(|_| format!("{path}: not a P-256 public key"))?;
                Ok(Bytes::encode(&der))
            };
            let minutes: u64 = need("--overlap-minutes")?.parse().map_err(|_| "--overlap-minutes: a number")?;
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?;
            let body = format!(
                "{{\"public_key\":\"{}\",\"previous_public_key\":\"{}\",\"retire_at\":{}}}",
                spki("--public-key")?,
                spki("--previous-public-key")?,
                now.as_millis() as u64 + minutes * 60_000
            );
            ("POST", "/v1/ops/center-key/rotate".to_owned(), body)
        }
        Some("register-municipality") => {
            let file = need("--file")?;
            let body = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
            ("POST", "/v1/ops/municipalities".to_owned(), body)
        }
        _ => return Err(USAGE.into()),
    };
    let edge = flag(args, "--edge").unwrap_or("http://127.0.0.1:8787");
    let key_id = flag(args, "--key-id").unwrap_or(crate::stack::DEV_OPS_KEY_ID);
    let key_path =
        flag(args, "--key").map(Into::into).unwrap_or_else(|| root().join("fixtures/test-only/ops-dev.key.der"));
    let der = std::fs::read(&key_path).map_err(|e| format!("{}: {e}", key_path.display()))?;
    let key = p256_signing_key(&der).map_err(|_| format!("{}: not a P-256 PKCS#8 key", key_path.display()))?;
    let time = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?;
    let time = time.as_millis() as u64;
    let signature = Bytes::encode(&p256_sign(&key, &ops_message(method, &path, time, body.as_bytes())));
    // Plain HTTP/1.1 to a local or tunnelled edge; for a deployed edge send the same
    // headers over HTTPS (curl).
    let host = edge.strip_prefix("http://").ok_or("--edge must be http://host:port for this client")?;
    let mut stream = TcpStream::connect(host).map_err(|e| format!("{edge}: {e}"))?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nx-kofu-ops-key: {key_id}\r\nx-kofu-ops-time: {time}\r\n\
         x-kofu-ops-signature: {signature}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).map_err(|e| e.to_string())?;
    let (head, answer_body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    println!("{}", answer_body.trim());
    if head.starts_with("HTTP/1.1 200") { Ok(()) } else { Err(head.lines().next().unwrap_or("no answer").into()) }
}

/// Reads a new operator PIN (a line on stdin, so it stays out of the shell's history) and
/// prints what config.json keeps of it: a salted PBKDF2 hash, never the PIN.
fn operator_pin() -> Result {
    use kofu_shared::operator_pin::{DEFAULT_ITERATIONS, OperatorPinHash};
    eprintln!("New operator PIN (6 to 12 digits), then Enter:");
    let mut pin = String::new();
    std::io::stdin().read_line(&mut pin).map_err(|e| e.to_string())?;
    let mut salt = [0u8; 16];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut salt)).map_err(|e| e.to_string())?;
    let hash = OperatorPinHash::new(pin.trim(), salt, DEFAULT_ITERATIONS).map_err(|e| e.to_string())?;
    println!("\"operator_pin\": \"{hash}\"");
    Ok(())
}
