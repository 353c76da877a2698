//! The four certificates, each option and each eligibility refusal, against the seeded town.

mod common;

use common::{NOW, forward_choice, forward_household_list, setup};
use kofu_municipal::issue::handle_issue;
use kofu_municipal::seed::latest_fiscal_year;
use kofu_shared::ErrorCode;
use kofu_shared::seal::ReplyKey;
use kofu_shared::wire::*;

fn tx(n: u32) -> String {
    format!("{n:032x}")
}

fn issue(card: &str, n: u32, choice: CertificateChoice) -> Result<Document, ErrorCode> {
    let (m, db, _dir) = setup();
    issue_in(&m, &db, card, n, choice)
}

fn issue_in(
    m: &kofu_municipal::Municipality,
    db: &kofu_municipal::db::Db,
    card: &str,
    n: u32,
    choice: CertificateChoice,
) -> Result<Document, ErrorCode> {
    let id = tx(n);
    let (_, body) = forward_choice(card, "center.key.der", &id, choice);
    let answer = handle_issue(m, db, &body, NOW).map_err(|e| e.code())?;
    let plaintext = ReplyKey::derive_for_tests(id.as_bytes()).open(id.as_bytes(), &answer.sealed).unwrap();
    let signed: SignedDocument = serde_json::from_slice(&plaintext).unwrap();
    Ok(serde_json::from_slice(&signed.document.0).unwrap())
}

fn with(kind: CertificateKind, options: CertificateOptions) -> CertificateChoice {
    CertificateChoice { kind, copies: 1, options }
}

fn juminhyo(document: &Document) -> &JuminhyoBody {
    match &document.body {
        DocumentBody::Juminhyo(body) => body,
        _ => panic!("not a 住民票"),
    }
}

#[test]
fn juminhyo_lists_the_holder_the_household_or_chosen_members() {
    let holder = issue("card-1", 1, CertificateChoice::new(CertificateKind::Juminhyo, 1)).unwrap();
    let body = juminhyo(&holder);
    assert_eq!(body.members.len(), 1);
    assert!(!body.whole_household && body.householder.is_none());
    let m = &body.members[0];
    assert!(m.relationship.is_none() && m.honseki.is_none() && m.hittousha.is_none());
    assert!(m.individual_number.is_none(), "never printed unless the municipality enables it");

    let options = CertificateOptions { scope: HouseholdScope::Household, ..Default::default() };
    let household = issue("card-1", 2, with(CertificateKind::Juminhyo, options)).unwrap();
    let names: Vec<_> = juminhyo(&household).members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["木下 花子", "木下 大輔", "木下 蓮"]);
    assert!(juminhyo(&household).whole_household);

    // Card 3 is the child of 高橋 誠's household: chosen members are by register position.
    let options = CertificateOptions { scope: HouseholdScope::Members, members: vec![1, 3], ..Default::default() };
    let chosen = issue("card-3", 3, with(CertificateKind::Juminhyo, options)).unwrap();
    let names: Vec<_> = juminhyo(&chosen).members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["高橋 誠", "高橋 美咲"]);
    assert!(!juminhyo(&chosen).whole_household);

    let options = CertificateOptions { scope: HouseholdScope::Members, members: vec![7], ..Default::default() };
    assert_eq!(issue("card-3", 4, with(CertificateKind::Juminhyo, options)).unwrap_err(), ErrorCode::BadRequest);
}

#[test]
fn juminhyo_prints_honseki_and_relationship_only_when_asked() {
    let options = CertificateOptions {
        scope: HouseholdScope::Household,
        with_honseki: true,
        with_relationship: true,
        ..Default::default()
    };
    let document = issue("card-3", 1, with(CertificateKind::Juminhyo, options)).unwrap();
    let body = juminhyo(&document);
    assert_eq!(body.householder.as_deref(), Some("高橋 誠"));
    let relationships: Vec<_> = body.members.iter().map(|m| m.relationship.as_deref().unwrap()).collect();
    assert_eq!(relationships, ["世帯主", "妻", "子"]);
    assert!(body.members.iter().all(|m| m.honseki.as_deref() == Some("千葉県印西市原321番地")));
    assert!(body.members.iter().all(|m| m.hittousha.as_deref() == Some("高橋 誠")));
}

#[test]
fn the_individual_number_is_printed_only_where_the_municipality_enables_it() {
    let (m, db, _dir) = setup();
    db.set_setting("print_individual_number", "1").unwrap();
    let document = issue_in(&m, &db, "card-1", 1, CertificateChoice::new(CertificateKind::Juminhyo, 1)).unwrap();
    let number = juminhyo(&document).members[0].individual_number.clone().unwrap();
    assert_eq!(number.len(), 12);
}

#[test]
fn inkan_carries_the_registered_seal_and_needs_a_registration() {
    let document = issue("card-1", 1, CertificateChoice::new(CertificateKind::Inkan, 1)).unwrap();
    let DocumentBody::Inkan(body) = &document.body else { panic!("not an 印鑑登録証明書") };
    assert_eq!(body.name, "木下 花子");
    assert!(body.seal_svg.starts_with("<svg") && body.seal_svg.contains('木') && body.seal_svg.contains('下'));
    assert!(body.registration_number.starts_with('第'));
    // Card 2 has no registered seal.
    assert_eq!(
        issue("card-2", 2, CertificateChoice::new(CertificateKind::Inkan, 1)).unwrap_err(),
        ErrorCode::NoSealRegistration
    );
}

#[test]
fn income_and_tax_certificates_for_a_chosen_fiscal_year() {
    let latest = latest_fiscal_year(&kofu_municipal::eligibility::jst_date(NOW));
    let document = issue("card-1", 1, CertificateChoice::new(CertificateKind::Shotoku, 1)).unwrap();
    let DocumentBody::Shotoku(latest_body) = &document.body else { panic!("not a 所得証明書") };
    assert_eq!(latest_body.fiscal_year, latest, "the latest year by default");
    assert!(latest_body.total_income > 0 && latest_body.taxed);

    let options = CertificateOptions { fiscal_year: Some(latest - 2), ..Default::default() };
    let document = issue("card-1", 2, with(CertificateKind::Kazei, options)).unwrap();
    let DocumentBody::Kazei(body) = &document.body else { panic!("not a 課税証明書") };
    assert_eq!(body.fiscal_year, latest - 2);
    assert!(body.municipal_tax > body.prefectural_tax);

    // Card 2: a small pension is not taxed (非課税証明書).
    let document = issue("card-2", 3, CertificateChoice::new(CertificateKind::Kazei, 1)).unwrap();
    let DocumentBody::Kazei(body) = &document.body else { panic!("not a 課税証明書") };
    assert!(!body.taxed && body.municipal_tax == 0 && body.prefectural_tax == 0);

    // Older than the kiosk may issue (5 years), or no record at all (card 3).
    let too_old = CertificateOptions { fiscal_year: Some(latest - 5), ..Default::default() };
    assert_eq!(
        issue("card-1", 4, with(CertificateKind::Shotoku, too_old)).unwrap_err(),
        ErrorCode::FiscalYearUnavailable
    );
    assert_eq!(
        issue("card-3", 5, CertificateChoice::new(CertificateKind::Shotoku, 1)).unwrap_err(),
        ErrorCode::FiscalYearUnavailable
    );
}

#[test]
fn copies_and_the_fee_come_from_the_municipality_settings() {
    let (m, db, _dir) = setup();
    db.set_setting("fee.inkan", "300").unwrap();
    let document = issue_in(&m, &db, "card-1", 1, CertificateChoice::new(CertificateKind::Inkan, 3)).unwrap();
    assert_eq!((document.copies, document.fee_per_copy), (3, 300));
    // No fee set: the municipality does not issue that kind at kiosks.
    db.execute("DELETE FROM settings WHERE key = 'fee.kazei'", &[]).unwrap();
    let refused = issue_in(&m, &db, "card-1", 2, CertificateChoice::new(CertificateKind::Kazei, 1)).unwrap_err();
    assert_eq!(refused, ErrorCode::KindNotOffered);
    for copies in [0, 11] {
        let bad =
            issue_in(&m, &db, "card-1", 3 + u32::from(copies), CertificateChoice::new(CertificateKind::Inkan, copies));
        assert_eq!(bad.unwrap_err(), ErrorCode::BadRequest);
    }
}

#[test]
fn a_name_the_kiosk_cannot_print_is_refused_for_every_kind() {
    for (n, kind) in CertificateKind::ALL.into_iter().enumerate() {
        let refused = issue("card-8", n as u32, CertificateChoice::new(kind, 1)).unwrap_err();
        assert_eq!(refused, ErrorCode::NameNotPrintable, "{kind:?}");
    }
}

#[test]
fn options_of_another_kind_are_a_bad_request() {
    let options = CertificateOptions { fiscal_year: Some(2025), ..Default::default() };
    assert_eq!(issue("card-1", 1, with(CertificateKind::Juminhyo, options)).unwrap_err(), ErrorCode::BadRequest);
    let options = CertificateOptions { with_honseki: true, ..Default::default() };
    assert_eq!(issue("card-1", 2, with(CertificateKind::Inkan, options)).unwrap_err(), ErrorCode::BadRequest);
}

#[test]
fn both_towns_are_seeded_with_hundreds_of_residents_in_households() {
    let (_, db, _dir) = setup();
    let count = |sql: &str| db.count(sql).unwrap();
    assert!(count("SELECT COUNT(*) FROM residents") >= 300);
    assert!(count("SELECT COUNT(*) FROM households") >= 150);
    assert!(count("SELECT COUNT(*) FROM seal_registrations") >= 100);
    assert!(count("SELECT COUNT(DISTINCT resident_id) FROM tax_records") >= 100);
    let chiyoda = kofu_municipal::seed::population("131016", 2026).unwrap();
    assert!(chiyoda.iter().map(|h| h.members.len()).sum::<usize>() >= 300);
    assert!(chiyoda.iter().all(|h| h.address.starts_with("東京都千代田区")));
    assert!(chiyoda.iter().any(|h| h.members.iter().any(|p| p.name == "石川 由紀子")));
}

#[test]
fn the_household_list_names_whom_a_juminhyo_may_list_and_registers_nothing() {
    let (m, db, _dir) = setup();
    let id = tx(1);
    let (_, body) = forward_household_list("card-3", &id);
    let answer = handle_issue(&m, &db, &body, NOW).unwrap();
    let plaintext = ReplyKey::derive_for_tests(id.as_bytes()).open(id.as_bytes(), &answer.sealed).unwrap();
    let signed: SignedDocument = serde_json::from_slice(&plaintext).unwrap();
    let document: Document = serde_json::from_slice(&signed.document.0).unwrap();
    let DocumentBody::HouseholdList(list) = &document.body else { panic!("not a household list") };
    let listed: Vec<_> = list.members.iter().map(|m| (m.position, m.name.as_str(), m.holder)).collect();
    assert_eq!(listed, [(1, "高橋 誠", false), (2, "高橋 由美", false), (3, "高橋 美咲", true)]);
    assert_eq!(document.fee_per_copy, 0);
    assert_eq!(db.issuance_count().unwrap(), 0, "a list is not an issuance");
    // A list request that also asks for options is malformed.
    let options = CertificateOptions { scope: HouseholdScope::Household, ..Default::default() };
    let bad = common::forward_with_key(
        "card-3",
        "center.key.der",
        &tx(3),
        &ReplyKey::derive_for_tests(b"x"),
        with(CertificateKind::Juminhyo, options),
        Purpose::HouseholdList,
    );
    assert_eq!(handle_issue(&m, &db, &bad.1, NOW).unwrap_err().code(), ErrorCode::BadRequest);
}

#[test]
fn a_household_list_leaves_out_members_under_a_support_measure() {
    let (m, db, _dir) = setup();
    db.execute("UPDATE residents SET support_measure = ?1 WHERE name = '高橋 由美'", &[true.into()]).unwrap();
    let id = tx(1);
    let answer = handle_issue(&m, &db, &forward_household_list("card-3", &id).1, NOW).unwrap();
    let plaintext = ReplyKey::derive_for_tests(id.as_bytes()).open(id.as_bytes(), &answer.sealed).unwrap();
    let signed: SignedDocument = serde_json::from_slice(&plaintext).unwrap();
    let document: Document = serde_json::from_slice(&signed.document.0).unwrap();
    let DocumentBody::HouseholdList(list) = &document.body else { panic!("not a household list") };
    assert!(list.members.iter().all(|m| m.name != "高橋 由美"));
    // And a 住民票 of the whole household is refused with the generic code.
    let options = CertificateOptions { scope: HouseholdScope::Household, ..Default::default() };
    let refused = issue_in(&m, &db, "card-3", 2, with(CertificateKind::Juminhyo, options)).unwrap_err();
    assert_eq!(refused, ErrorCode::NotServed);
}
