//! The protocol's catalogue as data: every label kofu puts before bytes it signs, hashes or
//! seals, the parts of each signed byte string in order, and when each error code is
//! answered. docs/PROTOCOL.md's label list, signed-messages table and error table are
//! written from this by `cargo xtask protocol-doc`; tests fail when the document, this
//! catalogue or the code that builds the bytes disagree (xtask/src/protocol_doc.rs,
//! edge/tests/protocol_vectors.rs).

use crate::ErrorCode;
use crate::seal::LABEL_SEALED_ANSWER;
use crate::signing::*;

/// How a part is encoded before its u32 big-endian length is put in front of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    /// Bytes exactly as received or sent (a base64url field decoded), never re-encoded.
    Exact,
    /// A u64 as 8 bytes big-endian (length prefix `00000008`).
    U64,
    /// A SHA-256 digest, 32 bytes.
    Digest,
    /// UTF-8 text, no terminator.
    Text,
}

impl PartKind {
    pub fn describe(self) -> &'static str {
        match self {
            PartKind::Exact => "exact bytes",
            PartKind::U64 => "u64, 8 bytes big-endian",
            PartKind::Digest => "32 bytes",
            PartKind::Text => "UTF-8 text",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    pub name: &'static str,
    pub kind: PartKind,
    pub what: &'static str,
}

/// What is done with a signed byte string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// ECDSA P-256 with SHA-256, 64 bytes r‖s.
    EcdsaP256,
    /// The card's user-authentication key: RSA-2048 or P-256, as its certificate says.
    CardKey,
    /// SHA-256 of the bytes: a hash, nothing is signed.
    Sha256,
}

impl Algorithm {
    pub fn describe(self) -> &'static str {
        match self {
            Algorithm::EcdsaP256 => "ECDSA P-256 / SHA-256, 64 bytes r‖s",
            Algorithm::CardKey => {
                "RSA-2048 card key: RSASSA-PKCS1-v1_5 / SHA-256, 256 bytes (the card signs the DigestInfo below); \
                 P-256 card key: ECDSA P-256 / SHA-256, 64 bytes r‖s"
            }
            Algorithm::Sha256 => "SHA-256, 32 bytes (hashed, not signed)",
        }
    }
}

/// One byte string built by the signing rule: `label ‖ 0x00 ‖ (u32be(len(part)) ‖ part)*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedMessage {
    pub label: &'static str,
    /// Who signs (or hashes) it.
    pub by: &'static str,
    pub parts: &'static [Part],
    pub algorithm: Algorithm,
    /// Where the signature (or hash) travels.
    pub carried_in: &'static str,
}

const fn exact(name: &'static str, what: &'static str) -> Part {
    Part { name, kind: PartKind::Exact, what }
}

const fn u64_part(name: &'static str, what: &'static str) -> Part {
    Part { name, kind: PartKind::U64, what }
}

const fn text(name: &'static str, what: &'static str) -> Part {
    Part { name, kind: PartKind::Text, what }
}

/// Every byte string built by the signing rule, in the order of a transaction.
pub const SIGNED_MESSAGES: &[SignedMessage] = &[
    SignedMessage {
        label: LABEL_MENU_REQUEST,
        by: "the kiosk's enrolled key",
        parts: &[exact("request", "the menu-request bytes (`request` of `POST /v1/menu`, decoded)")],
        algorithm: Algorithm::EcdsaP256,
        carried_in: "`kiosk_signature` of `POST /v1/menu`",
    },
    SignedMessage {
        label: LABEL_ISSUE_REQUEST,
        by: "the My Number card's user-authentication key",
        parts: &[exact("request", "the request bytes (`request` of `POST /v1/issue`, decoded)")],
        algorithm: Algorithm::CardKey,
        carried_in: "`card_signature` of `POST /v1/issue`, and of the forward",
    },
    SignedMessage {
        label: LABEL_KIOSK_ENVELOPE,
        by: "the kiosk's enrolled key",
        parts: &[
            exact("request", "the request bytes, as above"),
            exact("card_signature", "the card's signature (`card_signature`, decoded: 256 or 64 bytes)"),
        ],
        algorithm: Algorithm::EcdsaP256,
        carried_in: "`kiosk_signature` of `POST /v1/issue`",
    },
    SignedMessage {
        label: LABEL_CENTER_FORWARD,
        by: "the exchange center's key in force",
        parts: &[exact("forward", "the forward bytes (`forward` of `POST {endpoint}/v1/issue`, decoded)")],
        algorithm: Algorithm::EcdsaP256,
        carried_in: "`attestation` of `POST {endpoint}/v1/issue`",
    },
    SignedMessage {
        label: LABEL_MUNICIPAL_DOCUMENT,
        by: "the municipality's document key (its `public_key` in the directory)",
        parts: &[exact("document", "the document bytes (`document` of the signed document, decoded)")],
        algorithm: Algorithm::EcdsaP256,
        carried_in: "`signature` of the sealed signed document; the first 64 bytes of the printed QR data",
    },
    SignedMessage {
        label: LABEL_PRINT_OUTCOME,
        by: "the kiosk's enrolled key",
        parts: &[exact("report", "the report bytes (`report` of `POST /v1/outcome`, decoded)")],
        algorithm: Algorithm::EcdsaP256,
        carried_in: "`kiosk_signature` of `POST /v1/outcome`, and of the outcome forward",
    },
    SignedMessage {
        label: LABEL_CENTER_OUTCOME,
        by: "the exchange center's key in force",
        parts: &[exact("forward", "the outcome-forward bytes (`forward` of `POST {endpoint}/v1/outcome`, decoded)")],
        algorithm: Algorithm::EcdsaP256,
        carried_in: "`attestation` of `POST {endpoint}/v1/outcome`",
    },
    SignedMessage {
        label: LABEL_CENTER_KEY_ENDORSEMENT,
        by: "the retiring center key",
        parts: &[
            exact("public_key", "the new key's SubjectPublicKeyInfo DER (its `public_key`, decoded; 91 bytes)"),
            u64_part("retire_at", "the retiring key's `retire_at`, Unix ms"),
        ],
        algorithm: Algorithm::EcdsaP256,
        carried_in: "`endorsement` of the new key's entry in `GET /v1/center-keys`",
    },
    SignedMessage {
        label: LABEL_CENTER_KEY_PROBE,
        by: "each configured center secret, to the center itself",
        parts: &[exact("public_key", "a SubjectPublicKeyInfo DER named in `POST /v1/ops/center-key/rotate`")],
        algorithm: Algorithm::EcdsaP256,
        carried_in: "never sent: the center checks which configured secret is the named key",
    },
    SignedMessage {
        label: LABEL_OPS_REQUEST,
        by: "an operator key listed in `OPS_KEYS`",
        parts: &[
            text("method", "the HTTP method, `GET` or `POST`"),
            text("target", "the path and, when the URL has one, `?` and the query exactly as sent"),
            u64_part("time", "the value of `x-kofu-ops-time`"),
            exact("body", "the request body (empty for `GET`)"),
        ],
        algorithm: Algorithm::EcdsaP256,
        carried_in: "header `x-kofu-ops-signature` (base64url)",
    },
    SignedMessage {
        label: LABEL_AUDIT_RECORD,
        by: "the exchange center, for each audit record",
        parts: &[
            u64_part("seq", "the record's sequence number, 1, 2, …"),
            Part {
                name: "prev_hash",
                kind: PartKind::Digest,
                what: "the previous record's hash; 32 zero bytes before record 1",
            },
            u64_part("at_ms", "the record's time, Unix ms"),
            text("step", "`menu`, `issue`, `outcome` or `ops`"),
            text("kiosk_id", "the kiosk id; empty when the request did not parse that far"),
            text("municipality", "the 6-digit municipality code; empty when unknown"),
            text("outcome", "what the step ended in: `issued`, `printed`, an error code, …"),
            text("card_tag", "the card tag, 64 lowercase hex characters; empty when none"),
        ],
        algorithm: Algorithm::Sha256,
        carried_in: "`hash` (hex) of the record, and `prev_hash` of the next, in the audit export",
    },
    SignedMessage {
        label: LABEL_AUDIT_KEY,
        by: "the exchange center, when `AUDIT_KEY` is not set",
        parts: &[exact("center_key", "the PKCS#8 DER of `CENTER_KEY`")],
        algorithm: Algorithm::Sha256,
        carried_in: "never sent: the digest is the HMAC key of card tags",
    },
];

/// A label used outside the signing rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtherLabel {
    pub label: &'static str,
    pub used_as: &'static str,
}

pub const OTHER_LABELS: &[OtherLabel] = &[OtherLabel {
    label: LABEL_SEALED_ANSWER,
    used_as: "HPKE `info` of every sealed answer: the label's ASCII bytes alone, no `0x00`, no length",
}];

/// Every label kofu uses, each once.
pub fn all_labels() -> Vec<&'static str> {
    SIGNED_MESSAGES.iter().map(|m| m.label).chain(OTHER_LABELS.iter().map(|l| l.label)).collect()
}

/// Who answers an error code and when, for implementers (the resident sees
/// [`ErrorCode::resident_message_ja`] and `_en` instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorUse {
    /// `edge`, `municipality`, `validation service` or `kiosk` (never on the wire).
    pub answered_by: &'static str,
    pub when: &'static str,
}

const fn by(answered_by: &'static str, when: &'static str) -> ErrorUse {
    ErrorUse { answered_by, when }
}

/// Exhaustive: a new code does not build until it says here when it is answered.
pub fn error_use(code: ErrorCode) -> ErrorUse {
    use ErrorCode::*;
    match code {
        BadRequest => by(
            "edge, municipality, validation service",
            "a body or signed payload is not JSON of its schema (unknown field, missing field, wrong type), a \
             field is out of its bounds, `version` is not 1; at the edge also a `POST /v1/issue` whose \
             `card_signature` is not 256 or 64 bytes or whose `kiosk_signature` is not 64, a `transaction_id` seen \
             before, a menu `requested_at` more than 300 s from the center's clock, an ops \
             call with a bad body or period, a center-key rotation refused; at the municipality also a \
             `transaction_id` seen with other request bytes, a `reply_key` that is not a P-256 point, options or \
             `members` positions the household does not have",
        ),
        BodyTooLarge => by("edge, municipality", "the body is over 32 768 bytes"),
        UnknownKiosk => by(
            "edge",
            "the kiosk id is not enrolled, or was revoked (challenges, menu, issue, outcome); \
             `POST /v1/ops/kiosks/revoke` of an id never enrolled",
        ),
        KioskSignatureInvalid => by("edge", "the kiosk signature does not verify under the kiosk's enrolled key"),
        ChallengeUnknown => by("edge", "no such challenge was given to this kiosk"),
        ChallengeExpired => by("edge", "the challenge is older than 120 s"),
        ChallengeUsed => by("edge", "the challenge was already used (a replay, or a second request with it)"),
        CardCertificateInvalid => by(
            "edge",
            "the card certificate is not DER X.509, is not signed sha256WithRSAEncryption, its key is neither \
             RSA-2048 with e = 65537 nor P-256 (uncompressed point), or it lacks keyUsage digitalSignature",
        ),
        CardCertificateUntrusted => by(
            "edge",
            "no configured JPKI anchor has the card certificate's issuer name, or none of their keys verifies its \
             signature",
        ),
        CardCertificateExpired => by("edge", "the card certificate or its anchor is outside its validity period"),
        CardSignatureInvalid => by(
            "edge, municipality",
            "the card signature does not verify under the card certificate's key; at the municipality also a \
             card certificate whose serial is not the forward's `card_serial`",
        ),
        CardRevoked => by("edge", "the validation service answers `revoked` or `unknown`"),
        CardSuspended => by("edge", "the validation service answers `suspended` (一時停止, e.g. reported lost)"),
        ValidationUnavailable => by(
            "edge",
            "the validation service did not answer `200` with a valid body within 10 s, or answered `valid` \
             without a municipality",
        ),
        MunicipalityUnknown => by(
            "edge",
            "the card holder's municipality is not in the directory, or is disabled (menu, issue); outcome: the \
             municipality that served the transaction has left the directory",
        ),
        OutsideServiceHours => by(
            "edge",
            "the municipality is closed now (Japan time): outside its hours, 29 Dec – 3 Jan when it closes then, \
             a listed closed date, or a weekend for a weekday-only kind",
        ),
        MunicipalityUnavailable => by(
            "edge",
            "the municipality could not be reached (one retry) within 10 s, answered `200` with a body that is \
             not a sealed answer (or an acknowledgement of another transaction), or refused with a code the edge \
             does not pass on (`attestation_invalid`, `bad_request`, `internal`, …); nothing is charged",
        ),
        AttestationInvalid => by(
            "municipality",
            "the center attestation verifies under no center key in force, or the forward names another \
             municipality; the edge answers the kiosk `municipality_unavailable`",
        ),
        ResidentNotFound => by("municipality, passed on by the edge", "nobody in the register holds this card"),
        TransactionUnknown => by("edge, municipality", "outcome: no transaction with this id was made by this kiosk"),
        OutcomeConflict => by(
            "municipality, passed on by the edge",
            "outcome: the other final outcome was already recorded for this transaction",
        ),
        ResidentMovedOut => by("municipality, passed on by the edge", "the resident has moved out (転出)"),
        NotYetActive => by(
            "municipality, passed on by the edge; edge",
            "municipality: the card, its PIN or the move-in is from today (Japan time), served from tomorrow; \
             edge: the validation service answers `not_yet_active`",
        ),
        NotServed => by(
            "municipality, passed on by the edge",
            "the municipality may not serve this card's holder, or a listed household member: deliberately one \
             code for a deceased holder and a DV support measure (支援措置), so no kiosk screen reveals the latter",
        ),
        NoSealRegistration => {
            by("municipality, passed on by the edge", "`inkan` asked for without a seal registration in force")
        }
        NameNotPrintable => by(
            "municipality, passed on by the edge",
            "the record holds characters (外字) the kiosk service cannot print",
        ),
        FiscalYearUnavailable => by(
            "municipality, passed on by the edge",
            "no record for the fiscal year asked for (or none at all), or older than the kiosk may issue",
        ),
        DocumentRejected => by(
            "kiosk (never on the wire)",
            "the answer does not open with this transaction's reply key, its signature does not verify, it is \
             bound to another transaction or municipality, or it is not the kind, copies or year asked for",
        ),
        KindNotOffered => by(
            "edge; municipality, passed on by the edge",
            "edge: the kind is not among the municipality's `kinds`; municipality: it sets no fee for the kind",
        ),
        RateLimited => by(
            "edge",
            "too many requests from this kiosk (menu, issue) or for this card (issue) within the window; counted \
             only after the signatures verify",
        ),
        OpsUnauthorized => by(
            "edge",
            "an ops request whose key id is not in `OPS_KEYS`, whose time is more than 300 s from the edge's, \
             whose signature does not verify, whose headers are missing, or that was already made once",
        ),
        Internal => by(
            "edge, municipality, validation service",
            "a storage or configuration failure (e.g. the recorded center key has no configured secret); \
             nothing is charged",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_unique_and_versioned() {
        let labels = all_labels();
        for (i, label) in labels.iter().enumerate() {
            assert!(label.starts_with("kofu/v1/"), "{label}");
            assert!(!labels[..i].contains(label), "{label} twice");
        }
    }

    #[test]
    fn every_message_has_parts_and_every_code_a_use() {
        for message in SIGNED_MESSAGES {
            assert!(!message.parts.is_empty(), "{}", message.label);
        }
        for code in ErrorCode::ALL {
            assert!(!error_use(*code).when.is_empty());
        }
    }
}
