//! Differential test of the edge's signature verifiers: one corpus through native
//! RustCrypto, RustCrypto compiled to wasm in workerd, and workerd's WebCrypto (the
//! backend the worker uses). Every case must get the same accept/reject from all three,
//! and the verdict the corpus expects. Run against the stack by `cargo xtask test`.
//!
//! Documented agreements that might surprise: high-S ECDSA signatures are accepted by
//! both (WebCrypto does; RustCrypto is told to normalise S); keys outside the policy
//! (RSA ≠ 2048 bits, e ≠ 65537) are refused by the shared policy before either backend.

use std::io::Write;
use std::process::{Command, Stdio};

use futures_executor::block_on;
use kofu_edge::core::verify::RustCrypto;
use kofu_edge::core::verify::cases::{Algorithm, Case, Verdict, run};
use kofu_shared::Bytes;
use kofu_tests::{env, fixture};
use p256::ecdsa::SigningKey;
use p256::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::pkcs1v15::Pkcs1v15Sign;
use sha2::{Digest, Sha256, Sha512};

/// The order n of P-256, big-endian.
const P256_N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xBC, 0xE6, 0xFA,
    0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

struct Expected {
    case: Case,
    accept: bool,
    name: String,
}

fn case(alg: Algorithm, key: &[u8], message: &[u8], signature: &[u8]) -> Case {
    Case { alg, key: Bytes(key.to_vec()), message: Bytes(message.to_vec()), signature: Bytes(signature.to_vec()) }
}

fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[bit / 8] ^= 0x80 >> (bit % 8);
    out
}

/// n − v for 32-byte big-endian values.
fn sub_from_n(v: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = P256_N[i] as i16 - v[i] as i16 - borrow;
        borrow = (d < 0) as i16;
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    out
}

fn openssl(args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl is installed");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "openssl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// A fresh RSA key from openssl: (PEM private key, SPKI DER).
fn openssl_rsa(bits: u32, exponent: u32) -> (Vec<u8>, Vec<u8>) {
    let pem = openssl(
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            &format!("rsa_keygen_bits:{bits}"),
            "-pkeyopt",
            &format!("rsa_keygen_pubexp:{exponent}"),
        ],
        b"",
    );
    let spki = openssl(&["pkey", "-pubout", "-outform", "DER"], &pem);
    (pem, spki)
}

fn p256_corpus(out: &mut Vec<Expected>) {
    let key = SigningKey::from_pkcs8_der(&fixture("kiosk-dev-001.key.der")).unwrap();
    let other = SigningKey::from_pkcs8_der(&fixture("center.key.der")).unwrap();
    let point = key.verifying_key().to_sec1_point(false).as_bytes().to_vec();
    let compressed = key.verifying_key().to_sec1_point(true).as_bytes().to_vec();
    let spki = key.verifying_key().to_public_key_der().unwrap().as_bytes().to_vec();
    let message: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(29)).collect();
    let sig = kofu_shared::signing::p256_sign(&key, &message);
    let mut push = |name: String, alg, key: &[u8], message: &[u8], sig: &[u8], accept| {
        out.push(Expected { case: case(alg, key, message, sig), accept, name });
    };
    push("p256 valid".into(), Algorithm::P256, &point, &message, &sig, true);
    push("p256 compressed key (policy refuses)".into(), Algorithm::P256, &compressed, &message, &sig, false);
    push("p256 valid, SPKI key".into(), Algorithm::P256, &spki, &message, &sig, true);
    for bit in 0..512 {
        push(format!("p256 signature bit {bit}"), Algorithm::P256, &point, &message, &flip(&sig, bit), false);
    }
    for bit in (0..512).step_by(4) {
        push(format!("p256 message bit {bit}"), Algorithm::P256, &point, &flip(&message, bit), &sig, false);
    }
    let other_point = other.verifying_key().to_sec1_point(false).as_bytes().to_vec();
    push("p256 wrong key".into(), Algorithm::P256, &other_point, &message, &sig, false);
    let (r, s) = sig.split_at(32);
    let zero = [0u8; 32];
    let ones = [0xFFu8; 32];
    let mut n_plus_1 = P256_N;
    n_plus_1[31] += 1;
    for (name, r2, s2) in [
        ("r = 0", &zero[..], s),
        ("s = 0", r, &zero[..]),
        ("r = n", &P256_N[..], s),
        ("s = n", r, &P256_N[..]),
        ("r = n + 1", &n_plus_1[..], s),
        ("s = 2^256 - 1", r, &ones[..]),
    ] {
        push(format!("p256 {name}"), Algorithm::P256, &point, &message, &[r2, s2].concat(), false);
    }
    let high_s = [r, &sub_from_n(s)[..]].concat();
    push("p256 high-S (accepted by both, documented)".into(), Algorithm::P256, &point, &message, &high_s, true);
    push("p256 63-byte signature".into(), Algorithm::P256, &point, &message, &sig[..63], false);
    push("p256 65-byte signature".into(), Algorithm::P256, &point, &message, &[&sig[..], &[0]].concat(), false);
    push("p256 empty signature".into(), Algorithm::P256, &point, &message, &[], false);
    let mut off_curve = point.clone();
    off_curve[64] ^= 1;
    push("p256 point off the curve".into(), Algorithm::P256, &off_curve, &message, &sig, false);
    push("p256 key of 64 bytes".into(), Algorithm::P256, &point[1..], &message, &sig, false);

    let der = p256::ecdsa::Signature::from_slice(&sig).unwrap().to_der().as_bytes().to_vec();
    push("p256 DER valid".into(), Algorithm::P256Der, &point, &message, &der, true);
    for cut in [1, 2, 8, der.len() - 1] {
        push(format!("p256 DER truncated to {cut}"), Algorithm::P256Der, &point, &message, &der[..cut], false);
    }
    push("p256 DER trailing byte".into(), Algorithm::P256Der, &point, &message, &[&der[..], &[0]].concat(), false);
    let mut long_len = der.clone();
    long_len[1] += 1;
    push("p256 DER length too long".into(), Algorithm::P256Der, &point, &message, &long_len, false);
    let mut wrong_tag = der.clone();
    wrong_tag[0] = 0x31;
    push("p256 DER wrong tag".into(), Algorithm::P256Der, &point, &message, &wrong_tag, false);
    // r with a superfluous leading zero: not minimal DER.
    let r_padded = [&[0x02, 33, 0x00][..], r].concat();
    let s_int = [&[0x02, 32][..], s].concat();
    if r[0] < 0x80 {
        let body = [r_padded, s_int].concat();
        let padded = [&[0x30, body.len() as u8][..], &body].concat();
        push("p256 DER non-minimal integer".into(), Algorithm::P256Der, &point, &message, &padded, false);
    }
    for bit in (0..der.len() * 8).step_by(3) {
        let accept = false;
        push(format!("p256 DER bit {bit}"), Algorithm::P256Der, &point, &message, &flip(&der, bit), accept);
    }
}

fn rsa_corpus(out: &mut Vec<Expected>) {
    use rsa::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _};
    let key_der = fixture("card-1.key.der");
    let key = rsa::PrivateKey::from_pkcs8_der(&key_der).unwrap();
    let spki = key.to_public_key().to_public_key_der().unwrap().as_bytes().to_vec();
    let other = rsa::PrivateKey::from_pkcs8_der(&fixture("card-2.key.der")).unwrap();
    let other_spki = other.to_public_key().to_public_key_der().unwrap().as_bytes().to_vec();
    let message = b"kofu/v1/issue-request\x00 differential corpus".to_vec();
    let sign = |k: &rsa::PrivateKey, scheme: Pkcs1v15Sign, digest: &[u8]| k.sign(scheme, digest).unwrap();
    let sig = sign(&key, Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(&message));
    let mut push = |name: String, key: &[u8], message: &[u8], sig: &[u8], accept| {
        out.push(Expected { case: case(Algorithm::Rsa, key, message, sig), accept, name });
    };
    push("rsa valid".into(), &spki, &message, &sig, true);
    for bit in (0..2048).step_by(8) {
        push(format!("rsa signature bit {bit}"), &spki, &message, &flip(&sig, bit), false);
    }
    for bit in (0..message.len() * 8).step_by(5) {
        push(format!("rsa message bit {bit}"), &spki, &flip(&message, bit), &sig, false);
    }
    push("rsa wrong key".into(), &other_spki, &message, &sig, false);
    let sha512 = sign(&key, Pkcs1v15Sign::new::<Sha512>(), &Sha512::digest(&message));
    push("rsa SHA-512 DigestInfo".into(), &spki, &message, &sha512, false);
    let bare = sign(&key, Pkcs1v15Sign::new_unprefixed(), &Sha256::digest(&message));
    push("rsa hash without DigestInfo".into(), &spki, &message, &bare, false);
    let info = kofu_shared::signing::card_digest_info(&message);
    let trailing = sign(&key, Pkcs1v15Sign::new_unprefixed(), &[&info[..], &[0]].concat());
    push("rsa DigestInfo with a trailing byte".into(), &spki, &message, &trailing, false);
    // Encoded messages with broken padding, signed raw by openssl.
    let pem = openssl(&["pkey", "-inform", "DER"], &key_der);
    for (name, em) in bad_paddings(&info) {
        push(format!("rsa {name}"), &spki, &message, &raw_sign(&pem, &em), false);
    }
    push("rsa 255-byte signature".into(), &spki, &message, &sig[1..], false);
    push("rsa 257-byte signature".into(), &spki, &message, &[&[0][..], &sig].concat(), false);
    push("rsa signature ≥ modulus".into(), &spki, &message, &[0xFF; 256], false);
    push("rsa zero signature".into(), &spki, &message, &[0; 256], false);
    for (bits, exponent, name) in [(2048, 3, "e = 3"), (1024, 65537, "RSA-1024"), (4096, 65537, "RSA-4096")] {
        let (pem, spki) = openssl_rsa(bits, exponent);
        let dir = std::env::temp_dir().join(format!("kofu-diff-{}-{bits}-{exponent}", std::process::id()));
        std::fs::write(&dir, &pem).unwrap();
        let sig = openssl(&["dgst", "-sha256", "-sign", dir.to_str().unwrap()], &message);
        std::fs::remove_file(&dir).unwrap();
        push(format!("rsa key {name} (policy refuses)"), &spki, &message, &sig, false);
    }
}

/// 256-byte encoded messages that are not EMSA-PKCS1-v1_5 of `info`.
fn bad_paddings(info: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let em = |first: u8, second: u8, fill: u8, separator: u8| {
        let mut em = vec![first, second];
        em.resize(256 - info.len() - 1, fill);
        em.push(separator);
        em.extend_from_slice(info);
        em
    };
    let mut short_fill = vec![0x00, 0x01, 0xFF, 0xFF, 0x00];
    short_fill.extend_from_slice(info);
    short_fill.resize(256, 0x00);
    vec![
        ("block type 02", em(0x00, 0x02, 0xFF, 0x00)),
        ("first byte 01", em(0x01, 0x01, 0xFF, 0x00)),
        ("padding byte FE", em(0x00, 0x01, 0xFE, 0x00)),
        ("no zero separator", em(0x00, 0x01, 0xFF, 0x01)),
        ("DigestInfo early, zeros after", short_fill),
    ]
}

fn raw_sign(pem: &[u8], em: &[u8]) -> Vec<u8> {
    let path = std::env::temp_dir().join(format!("kofu-diff-{}-raw.pem", std::process::id()));
    std::fs::write(&path, pem).unwrap();
    // pkeyutl refuses inputs longer than a hash; rsautl -raw is the private-key operation itself.
    let sig = openssl(&["rsautl", "-sign", "-raw", "-inkey", path.to_str().unwrap()], em);
    std::fs::remove_file(&path).unwrap();
    sig
}

#[derive(serde::Deserialize)]
struct LabAnswer {
    webcrypto: Vec<Verdict>,
    rustcrypto: Vec<Verdict>,
}

#[test]
fn every_backend_gives_the_same_verdict_on_the_corpus() {
    let mut corpus = Vec::new();
    p256_corpus(&mut corpus);
    rsa_corpus(&mut corpus);
    assert!(corpus.len() >= 500, "corpus has {} cases", corpus.len());

    let url = format!("{}/v1/_lab/verify", env("KOFU_EDGE_URL"));
    let mut disagreements = Vec::new();
    for chunk in corpus.chunks(200) {
        let cases: Vec<&Case> = chunk.iter().map(|e| &e.case).collect();
        let (status, body) =
            kofu_tests::post(&url, &serde_json::to_vec(&serde_json::json!({ "cases": cases })).unwrap());
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let answer: LabAnswer = serde_json::from_slice(&body).unwrap();
        assert_eq!(answer.webcrypto.len(), chunk.len());
        for ((expected, web), wasm) in chunk.iter().zip(&answer.webcrypto).zip(&answer.rustcrypto) {
            let native = block_on(run(&RustCrypto, &expected.case));
            let verdicts = [native.accepted(), wasm.accepted(), web.accepted()];
            if verdicts != [expected.accept; 3] {
                disagreements.push(format!(
                    "{}: expected {}, native {native:?}, wasm {wasm:?}, webcrypto {web:?}",
                    expected.name, expected.accept
                ));
            }
        }
    }
    println!("{} cases through native RustCrypto, RustCrypto in workerd and WebCrypto", corpus.len());
    assert!(disagreements.is_empty(), "{} disagreements:\n{}", disagreements.len(), disagreements.join("\n"));
}
