//! The QR code on a printed certificate: the municipality's signature and the exact signed
//! document bytes, so anyone holding the paper can check it offline against the
//! municipality's published key (docs/PROTOCOL.md, "The printed QR code").
//!
//! One line of text per QR code, in the QR alphanumeric alphabet (base45, RFC 9285):
//! `KOFU1:<code>:<base45>` or, when the document needs several codes,
//! `KOFU1-<i>/<n>:<code>:<base45 of part i>`. The data is signature (64 bytes r‖s) ‖ document.

use crate::limits::MAX_DOCUMENT_BYTES;
use crate::signing::{municipal_message, p256_public_key, p256_verify};
use crate::wire::{Document, MunicipalKey, SignedDocument, parse_limited};
use crate::{Bytes, MunicipalityCode};

pub const PREFIX: &str = "KOFU1";
/// Data bytes per QR code: version 40 at error correction M holds 3391 alphanumeric
/// characters = 2260 bytes in base45; an even size keeps base45 pairs whole.
pub const PART_BYTES: usize = 2200;
/// A document is at most `MAX_DOCUMENT_BYTES`, so at most this many codes.
pub const MAX_PARTS: usize = (MAX_DOCUMENT_BYTES + 64).div_ceil(PART_BYTES);
/// Longest text `verify` reads (base45 is 1.5 characters per byte, plus headers).
pub const MAX_TEXT: usize = MAX_PARTS * (PART_BYTES * 3 / 2 + 32);
const SIGNATURE_BYTES: usize = 64;

/// The QR codes' text for a signed document, in order.
pub fn qr_lines(municipality: MunicipalityCode, signed: &SignedDocument) -> Vec<String> {
    let mut data = Vec::with_capacity(SIGNATURE_BYTES + signed.document.0.len());
    data.extend_from_slice(&signed.signature.0);
    data.extend_from_slice(&signed.document.0);
    let parts: Vec<&[u8]> = data.chunks(PART_BYTES).collect();
    let count = parts.len();
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| match count {
            1 => format!("{PREFIX}:{municipality}:{}", base45::encode(part)),
            _ => format!("{PREFIX}-{}/{count}:{municipality}:{}", i + 1, base45::encode(part)),
        })
        .collect()
}

/// Why a printed QR code does not prove a document. The first three mean the text is not a
/// (complete) kofu code; the others that the paper must not be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PrintedError {
    #[error("not a kofu certificate code")]
    NotKofu,
    #[error("codes missing or repeated")]
    Incomplete,
    #[error("too long")]
    TooLong,
    #[error("municipality unknown to this verifier")]
    UnknownMunicipality,
    #[error("the municipal signature does not verify: the document was altered or is not genuine")]
    SignatureInvalid,
    #[error("the signed document does not name the municipality whose key signed it")]
    WrongMunicipality,
}

/// A document whose municipal signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proven {
    pub document: Document,
    pub municipality_name: String,
}

/// Reads one or more QR lines (any order, one per line), checks the municipality's
/// signature over the exact bytes with `keys`, and only then parses the document.
pub fn verify(text: &str, keys: &[MunicipalKey]) -> Result<Proven, PrintedError> {
    let (code, data) = read_lines(text)?;
    if data.len() <= SIGNATURE_BYTES || data.len() > SIGNATURE_BYTES + MAX_DOCUMENT_BYTES {
        return Err(PrintedError::NotKofu);
    }
    let (signature, document) = data.split_at(SIGNATURE_BYTES);
    let key = keys.iter().find(|k| k.code == code).ok_or(PrintedError::UnknownMunicipality)?;
    let verifying = p256_public_key(&key.public_key.0).map_err(|_| PrintedError::UnknownMunicipality)?;
    p256_verify(&verifying, &municipal_message(document), signature).map_err(|_| PrintedError::SignatureInvalid)?;
    // Signed by the municipality, so well formed unless its server is broken; still typed.
    let document: Document = parse_limited(document, MAX_DOCUMENT_BYTES).map_err(|_| PrintedError::SignatureInvalid)?;
    if document.municipality != code || !document.body.is_certificate() {
        return Err(PrintedError::WrongMunicipality);
    }
    Ok(Proven { document, municipality_name: key.name.clone() })
}

/// The municipality code and the joined data of every line.
fn read_lines(text: &str) -> Result<(MunicipalityCode, Vec<u8>), PrintedError> {
    if text.len() > MAX_TEXT {
        return Err(PrintedError::TooLong);
    }
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() || lines.len() > MAX_PARTS {
        return Err(if lines.is_empty() { PrintedError::NotKofu } else { PrintedError::Incomplete });
    }
    let mut parts: Vec<Option<Vec<u8>>> = vec![None; lines.len()];
    let mut code = None;
    for line in lines {
        let (header, rest) = line.trim_start().split_once(':').ok_or(PrintedError::NotKofu)?;
        let (this_code, data) = rest.split_once(':').ok_or(PrintedError::NotKofu)?;
        let this_code = MunicipalityCode::parse(this_code).map_err(|_| PrintedError::NotKofu)?;
        if code.is_some_and(|c| c != this_code) {
            return Err(PrintedError::Incomplete);
        }
        code = Some(this_code);
        let (index, count) = part_number(header)?;
        if count != parts.len() {
            return Err(PrintedError::Incomplete);
        }
        let slot = &mut parts[index - 1];
        if slot.is_some() {
            return Err(PrintedError::Incomplete);
        }
        *slot = Some(base45::decode(data).map_err(|_| PrintedError::NotKofu)?);
    }
    let code = code.ok_or(PrintedError::NotKofu)?;
    Ok((code, parts.into_iter().flatten().flatten().collect()))
}

/// `KOFU1` → (1, 1); `KOFU1-2/3` → (2, 3).
fn part_number(header: &str) -> Result<(usize, usize), PrintedError> {
    if header == PREFIX {
        return Ok((1, 1));
    }
    let numbers = header.strip_prefix(PREFIX).and_then(|h| h.strip_prefix('-')).ok_or(PrintedError::NotKofu)?;
    let (index, count) = numbers.split_once('/').ok_or(PrintedError::NotKofu)?;
    let index: usize = index.parse().map_err(|_| PrintedError::NotKofu)?;
    let count: usize = count.parse().map_err(|_| PrintedError::NotKofu)?;
    if index == 0 || index > count || count > MAX_PARTS {
        return Err(PrintedError::NotKofu);
    }
    Ok((index, count))
}

/// What a verified document certifies, label and value, in Japanese as printed.
pub fn summary(document: &Document) -> Vec<(&'static str, String)> {
    use crate::document::DocumentBody as B;
    let mut rows = vec![
        ("証明書", title(document).to_owned()),
        ("発行", document.municipality_name.clone()),
        ("証明書番号", document.serial.clone()),
        ("交付日", crate::document::japanese_date(document.issued_at)),
        ("通数", format!("{}通", document.copies)),
    ];
    match &document.body {
        B::Juminhyo(b) => {
            let names: Vec<&str> = b.members.iter().map(|m| m.name.as_str()).collect();
            rows.push(("住所", b.address.clone()));
            rows.push(("記載されている人", names.join("、")));
            rows.push(("範囲", if b.whole_household { "世帯全員" } else { "世帯の一部" }.to_owned()));
        }
        B::Inkan(b) => {
            rows.push(("氏名", b.name.clone()));
            rows.push(("住所", b.address.clone()));
            rows.push(("登録番号", b.registration_number.clone()));
        }
        B::Shotoku(b) | B::Kazei(b) => {
            rows.push(("氏名", b.name.clone()));
            rows.push(("住所", b.address.clone()));
            rows.push(("年度", format!("{}年度", b.fiscal_year)));
        }
        B::HouseholdList(_) => {}
    }
    rows
}

/// The title as printed: 課税証明書 or 非課税証明書 by the tax record.
pub fn title(document: &Document) -> &'static str {
    match &document.body {
        crate::document::DocumentBody::Kazei(b) if !b.taxed => "非課税証明書",
        crate::document::DocumentBody::Kazei(_) => "課税証明書",
        _ => document.kind.title_ja(),
    }
}

/// A key from the center's directory (`GET /v1/municipal-keys`).
pub fn key(code: MunicipalityCode, name: &str, public_key: &[u8]) -> MunicipalKey {
    MunicipalKey { code, name: name.into(), public_key: Bytes(public_key.to_vec()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::p256_sign;
    use p256::ecdsa::SigningKey;

    fn signed(document_json: &str) -> (SigningKey, SignedDocument) {
        let signing = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let signature = p256_sign(&signing, &municipal_message(document_json.as_bytes()));
        (signing, SignedDocument { document: document_json.as_bytes().into(), signature: signature.to_vec().into() })
    }

    fn keys(signing: &SigningKey) -> Vec<MunicipalKey> {
        let public = signing.verifying_key().to_sec1_point(false);
        vec![key(MunicipalityCode::parse("122319").unwrap(), "印西市", public.as_bytes())]
    }

    const DOCUMENT: &str = r#"{"version":1,"kind":"kazei","serial":"122319-1","municipality":"122319","municipality_name":"印西市","issued_at":1,"binding":{"transaction_id":"00","kiosk_id":"k","challenge":"AA","card_certificate_sha256":"AA"},"copies":1,"fee_per_copy":200,"body":{"kind":"kazei","name":"山田 一","address":"印西市","birth_date":"1980-01-01","fiscal_year":2026,"total_income":0,"salary_income":0,"deductions":0,"taxable_income":0,"municipal_tax":0,"prefectural_tax":0,"taxed":false}}"#;

    #[test]
    fn a_printed_code_verifies_and_one_changed_byte_does_not() {
        let (signing, signed) = signed(DOCUMENT);
        let code = MunicipalityCode::parse("122319").unwrap();
        let lines = qr_lines(code, &signed);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].starts_with("KOFU1:122319:"));
        let alphanumeric = |c: char| c.is_ascii_digit() || c.is_ascii_uppercase() || " $%*+-./:".contains(c);
        assert!(lines[0].chars().all(alphanumeric), "fits the QR alphanumeric mode");
        let proven = verify(&lines[0], &keys(&signing)).unwrap();
        assert_eq!((proven.document.serial.as_str(), proven.municipality_name.as_str()), ("122319-1", "印西市"));
        let rows = summary(&proven.document);
        assert_eq!(rows[0], ("証明書", "非課税証明書".to_owned()));
        assert_eq!(rows[3], ("交付日", "1970年1月1日".to_owned()));
        assert!(rows.contains(&("氏名", "山田 一".to_owned())) && rows.contains(&("年度", "2026年度".to_owned())));

        let mut data = signed.signature.0.clone();
        data.extend_from_slice(&signed.document.0);
        for at in [0, 63, 64, 100, data.len() - 1] {
            let mut altered = data.clone();
            altered[at] ^= 0x01;
            let text = format!("KOFU1:122319:{}", base45::encode(&altered));
            assert_eq!(verify(&text, &keys(&signing)), Err(PrintedError::SignatureInvalid), "byte {at}");
        }
    }

    #[test]
    fn a_long_document_spans_several_codes_read_in_any_order() {
        let padded = DOCUMENT.replace("\"印西市\",\"issued_at\"", &format!("\"{}\",\"issued_at\"", "市".repeat(1500)));
        let (signing, signed) = signed(&padded);
        let lines = qr_lines(MunicipalityCode::parse("122319").unwrap(), &signed);
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with("KOFU1-2/3:122319:"));
        let shuffled = format!("{}\n{}\r\n{}\n", lines[2], lines[0], lines[1]);
        assert!(verify(&shuffled, &keys(&signing)).is_ok());
        assert_eq!(verify(&lines[..2].join("\n"), &keys(&signing)), Err(PrintedError::Incomplete));
        let repeated = format!("{}\n{}\n{}", lines[0], lines[0], lines[1]);
        assert_eq!(verify(&repeated, &keys(&signing)), Err(PrintedError::Incomplete));
    }

    #[test]
    fn other_keys_other_municipalities_and_junk_are_refused() {
        let (signing, signed) = signed(DOCUMENT);
        let line = qr_lines(MunicipalityCode::parse("122319").unwrap(), &signed).remove(0);
        let other = SigningKey::from_slice(&[9u8; 32]).unwrap();
        assert_eq!(verify(&line, &keys(&other)), Err(PrintedError::SignatureInvalid));
        assert_eq!(verify(&line, &[]), Err(PrintedError::UnknownMunicipality));
        // Signed by 印西市's key but presented as 千代田区's document: no key for it here.
        let relabelled = line.replace(":122319:", ":131016:");
        assert_eq!(verify(&relabelled, &keys(&signing)), Err(PrintedError::UnknownMunicipality));
        // The same key listed for 千代田区: the signature holds but the document is 印西市's.
        let public = signing.verifying_key().to_sec1_point(false);
        let chiyoda = [key(MunicipalityCode::parse("131016").unwrap(), "千代田区", public.as_bytes())];
        assert_eq!(verify(&relabelled, &chiyoda), Err(PrintedError::WrongMunicipality));
        for junk in
            ["", "hello", "KOFU1:", "KOFU1:122319:", "KOFU1:122319:!!", "KOFU1-0/1:122319:AA", "KOFU2:122319:AA"]
        {
            assert!(verify(junk, &keys(&signing)).is_err(), "{junk:?}");
        }
        assert_eq!(verify(&"A".repeat(MAX_TEXT + 1), &keys(&signing)), Err(PrintedError::TooLong));
    }
}
