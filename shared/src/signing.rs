//! The exact byte strings kofu signs. Every signed message is
//! `label ‖ 0x00 ‖ (u32-big-endian length ‖ part)*`, so no part can run into the next
//! and no signature made for one purpose verifies for another.
//! Receivers verify the bytes they received, never a re-serialization.

use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// What the card signs: the issue request bytes.
pub const LABEL_ISSUE_REQUEST: &str = "kofu/v1/issue-request";
/// What the kiosk signs: the issue request bytes and the card's signature.
pub const LABEL_KIOSK_ENVELOPE: &str = "kofu/v1/kiosk-envelope";
/// What the center signs when it forwards to a municipality.
pub const LABEL_CENTER_FORWARD: &str = "kofu/v1/center-forward";
/// What a municipality signs: the document bytes.
pub const LABEL_MUNICIPAL_DOCUMENT: &str = "kofu/v1/municipal-document";

/// What the kiosk signs when it reports a print outcome.
pub const LABEL_PRINT_OUTCOME: &str = "kofu/v1/print-outcome";
/// What the center signs when it passes an outcome on.
pub const LABEL_CENTER_OUTCOME: &str = "kofu/v1/center-outcome";
/// The kiosk asking what a card holder may be offered (`POST /v1/menu`).
pub const LABEL_MENU_REQUEST: &str = "kofu/v1/menu-request";
/// The retiring center key vouching for its successor during a rotation.
pub const LABEL_CENTER_KEY_ENDORSEMENT: &str = "kofu/v1/center-key-endorsement";
/// The center proving to itself that a configured secret is the named public key.
pub const LABEL_CENTER_KEY_PROBE: &str = "kofu/v1/center-key-probe";
/// What an operator signs to call the ops API.
pub const LABEL_OPS_REQUEST: &str = "kofu/v1/ops-request";
/// The bytes of an audit record whose SHA-256 chains the audit trail (hashed, not signed).
pub const LABEL_AUDIT_RECORD: &str = "kofu/v1/audit-record";
/// Derives the audit key from the center key when `AUDIT_KEY` is not set (hashed, never sent).
pub const LABEL_AUDIT_KEY: &str = "kofu/v1/audit-key";

/// What the retiring center key signs: the new key's SPKI DER and its own end (ms).
pub fn center_key_endorsement_message(new_public_key: &[u8], retire_at_ms: u64) -> Vec<u8> {
    signed_message(LABEL_CENTER_KEY_ENDORSEMENT, &[new_public_key, &retire_at_ms.to_be_bytes()])
}

/// What each configured center secret signs to show it is the private half of `public_key` (SPKI DER).
pub fn center_key_probe_message(public_key: &[u8]) -> Vec<u8> {
    signed_message(LABEL_CENTER_KEY_PROBE, &[public_key])
}

/// DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2 note 1).
pub const SHA256_DIGEST_INFO_PREFIX: [u8; 19] =
    [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];

/// `label ‖ 0x00 ‖ (len32be ‖ part)*`.
pub fn signed_message(label: &str, parts: &[&[u8]]) -> Vec<u8> {
    let total = label.len() + 1 + parts.iter().map(|p| 4 + p.len()).sum::<usize>();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(label.as_bytes());
    out.push(0);
    for part in parts {
        // Parts are bounded by the body limits, far below 4 GiB.
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}

pub fn card_message(request: &[u8]) -> Vec<u8> {
    signed_message(LABEL_ISSUE_REQUEST, &[request])
}

pub fn kiosk_message(request: &[u8], card_signature: &[u8]) -> Vec<u8> {
    signed_message(LABEL_KIOSK_ENVELOPE, &[request, card_signature])
}

pub fn center_message(forward: &[u8]) -> Vec<u8> {
    signed_message(LABEL_CENTER_FORWARD, &[forward])
}

pub fn municipal_message(document: &[u8]) -> Vec<u8> {
    signed_message(LABEL_MUNICIPAL_DOCUMENT, &[document])
}

pub fn outcome_message(report: &[u8]) -> Vec<u8> {
    signed_message(LABEL_PRINT_OUTCOME, &[report])
}

pub fn center_outcome_message(forward: &[u8]) -> Vec<u8> {
    signed_message(LABEL_CENTER_OUTCOME, &[forward])
}

/// What the kiosk signs to ask for a card holder's menu.
pub fn menu_message(request: &[u8]) -> Vec<u8> {
    signed_message(LABEL_MENU_REQUEST, &[request])
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The DigestInfo the card is asked to sign for the request (`80 2A 00 80` data field).
pub fn card_digest_info(request: &[u8]) -> [u8; 51] {
    let mut out = [0u8; 51];
    out[..19].copy_from_slice(&SHA256_DIGEST_INFO_PREFIX);
    out[19..].copy_from_slice(&sha256(&card_message(request)));
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("public key is not a valid P-256 point")]
    BadKey,
    #[error("signature is not 64 bytes r‖s")]
    BadEncoding,
    #[error("signature does not verify")]
    Mismatch,
}

/// A P-256 public key from SEC1 bytes or a SubjectPublicKeyInfo DER.
pub fn p256_public_key(bytes: &[u8]) -> Result<VerifyingKey, SignatureError> {
    use p256::pkcs8::DecodePublicKey;
    VerifyingKey::from_sec1_bytes(bytes)
        .or_else(|_| VerifyingKey::from_public_key_der(bytes))
        .map_err(|_| SignatureError::BadKey)
}

/// Signs `message` with ECDSA P-256 / SHA-256; returns fixed r‖s (WebCrypto's encoding).
pub fn p256_sign(key: &SigningKey, message: &[u8]) -> [u8; 64] {
    let sig: Signature = key.sign(message);
    let mut out = [0u8; 64];
    out.copy_from_slice(&sig.to_bytes());
    out
}

/// Verifies a fixed r‖s ECDSA P-256 / SHA-256 signature. High-S is accepted, as WebCrypto does.
pub fn p256_verify(key: &VerifyingKey, message: &[u8], sig: &[u8]) -> Result<(), SignatureError> {
    let sig = Signature::from_slice(sig).map_err(|_| SignatureError::BadEncoding)?;
    let sig = sig.normalize_s();
    key.verify(message, &sig).map_err(|_| SignatureError::Mismatch)
}

/// A P-256 private key from PKCS#8 DER.
pub fn p256_signing_key(pkcs8_der: &[u8]) -> Result<SigningKey, SignatureError> {
    use p256::pkcs8::DecodePrivateKey;
    SigningKey::from_pkcs8_der(pkcs8_der).map_err(|_| SignatureError::BadKey)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_layout() {
        let m = signed_message("a/b", &[b"xy", b""]);
        assert_eq!(m, b"a/b\0\0\0\0\x02xy\0\0\0\0");
    }

    #[test]
    fn labels_separate_domains() {
        assert_ne!(card_message(b"r"), center_message(b"r"));
        assert_ne!(kiosk_message(b"ab", b"c"), kiosk_message(b"a", b"bc"));
    }

    #[test]
    fn p256_round_trip_and_tamper() {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let sig = p256_sign(&key, b"hello");
        let vk = VerifyingKey::from(&key);
        assert_eq!(p256_verify(&vk, b"hello", &sig), Ok(()));
        assert_eq!(p256_verify(&vk, b"hellp", &sig), Err(SignatureError::Mismatch));
        assert_eq!(p256_verify(&vk, b"hello", &sig[..63]), Err(SignatureError::BadEncoding));
        let sec1 = vk.to_sec1_point(false);
        assert_eq!(p256_public_key(sec1.as_bytes()).unwrap(), vk);
    }
}
