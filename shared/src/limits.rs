//! Size limits every receiver enforces before parsing.

/// Largest HTTP body the edge or a municipal server accepts.
pub const MAX_BODY_BYTES: usize = 32 * 1024;
/// Largest card certificate accepted (a JPKI user-auth certificate is about 1.2–2 KB).
pub const MAX_CARD_CERT_BYTES: usize = 4096;
/// Largest signed document a municipal server may return.
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024;
/// A challenge is 32 random bytes.
pub const CHALLENGE_BYTES: usize = 32;
/// A transaction id is 16 random bytes, hex encoded.
pub const TRANSACTION_ID_BYTES: usize = 16;
/// How long a challenge stays valid.
pub const CHALLENGE_TTL_MS: u64 = 120_000;
/// Longest kiosk id.
pub const MAX_KIOSK_ID_CHARS: usize = 64;
/// Most copies of a certificate one transaction may ask for (kiosk, center and
/// municipality all hold to it).
pub const MAX_COPIES: u8 = 10;
