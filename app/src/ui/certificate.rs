//! The printed certificate, one layout per kind. Certificates are in Japanese whatever
//! the screen language. Everything shown comes from the verified document only.

use kofu_shared::wire::{Document, DocumentBody, InkanBody, JuminhyoBody, TaxBody};
use leptos::prelude::*;

use kofu_shared::document::japanese_date;

fn yen(amount: u64) -> String {
    // Thousands separators, as amounts are printed.
    let digits = amount.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}円")
}

pub fn article(document: &Document, qr_lines: Vec<String>) -> impl IntoView {
    let (body, attest) = match &document.body {
        DocumentBody::Juminhyo(b) => (juminhyo(b).into_any(), juminhyo_attest(b)),
        DocumentBody::Inkan(b) => (inkan(b).into_any(), "この写しは、登録されている印影と相違ないことを証明する。"),
        DocumentBody::Shotoku(b) => (tax(b, false).into_any(), "上記のとおり証明する。"),
        DocumentBody::Kazei(b) => (tax(b, true).into_any(), "上記のとおり証明する。"),
        // Never reaches printing: `Session::issue` refuses a body that is not a certificate.
        DocumentBody::HouseholdList(_) => (().into_any(), ""),
    };
    let title = kofu_shared::printed::title(document);
    let mayor = if document.municipality_name.ends_with('区') { "区長" } else { "市長" };
    let microtext = format!("{}・", document.serial).repeat(24);
    view! {
        <article class="certificate" lang="ja" data-kind=document.kind.as_str()>
            <div class="microtext" aria-hidden="true">{microtext.clone()}</div>
            <h1>{title}</h1>
            {body}
            <p class="attest">{attest}</p>
            <p class="issuer">
                {format!("{}  {}{}", japanese_date(document.issued_at), document.municipality_name, mayor)}
            </p>
            <p class="serial">{format!("証明書番号 {}", document.serial)}</p>
            <div class="qr-codes">
                {qr_lines.iter().map(|line| super::qr::code(line)).collect_view()}
                <p class="qr-note">"QRコードで電子署名を確認できます（/verify）"</p>
            </div>
            <code class="signed-document" hidden=true>{qr_lines.join("\n")}</code>
            <div class="microtext" aria-hidden="true">{microtext}</div>
        </article>
    }
}

fn juminhyo_attest(b: &JuminhyoBody) -> &'static str {
    if b.whole_household {
        "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"
    } else {
        "この写しは、世帯の一部の住民票の原本と相違ないことを証明する。"
    }
}

/// One printed line: label, value, and the value's class (what tests and styles find).
type Row = (&'static str, String, &'static str);

/// Every kind's fields go through this one list: one view type for all of them keeps the
/// kiosk bundle small (each distinct `view!` shape is its own code).
fn list(class: &'static str, rows: Vec<Row>) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|(label, value, class)| view! { <dt>{label}</dt><dd class=class>{value}</dd> })
        .collect_view();
    view! { <dl class=class>{rows}</dl> }
}

fn optional(rows: &mut Vec<Row>, label: &'static str, value: &Option<String>, class: &'static str) {
    if let Some(value) = value {
        rows.push((label, value.clone(), class));
    }
}

fn juminhyo(b: &JuminhyoBody) -> impl IntoView {
    let members = b
        .members
        .iter()
        .map(|m| {
            let mut rows = vec![
                ("氏名", m.name.clone(), "name"),
                ("ふりがな", m.name_kana.clone(), ""),
                ("生年月日", m.birth_date.clone(), ""),
                ("性別", m.sex.clone(), ""),
            ];
            optional(&mut rows, "続柄", &m.relationship, "relationship");
            rows.push(("住民となった日", m.resident_since.clone(), ""));
            optional(&mut rows, "本籍", &m.honseki, "honseki");
            optional(&mut rows, "筆頭者", &m.hittousha, "hittousha");
            optional(&mut rows, "個人番号", &m.individual_number, "");
            view! { <section class="member">{list("", rows)}</section> }
        })
        .collect_view();
    let mut household = vec![("住所", b.address.clone(), "address")];
    optional(&mut household, "世帯主", &b.householder, "householder");
    view! { {list("household", household)}{members} }
}

fn inkan(b: &InkanBody) -> impl IntoView {
    // An <img> never runs script: the SVG is shown as a picture, not inserted as markup.
    let src = format!("data:image/svg+xml;charset=utf-8,{}", js_sys::encode_uri_component(&b.seal_svg));
    let rows = vec![
        ("登録番号", b.registration_number.clone(), "registration"),
        ("氏名", b.name.clone(), "name"),
        ("ふりがな", b.name_kana.clone(), ""),
        ("生年月日", b.birth_date.clone(), ""),
        ("性別", b.sex.clone(), ""),
        ("住所", b.address.clone(), "address"),
    ];
    view! {
        <div class="seal-impression"><img class="seal" src=src alt="登録印影"/></div>
        {list("", rows)}
    }
}

fn tax(b: &TaxBody, with_tax: bool) -> impl IntoView {
    let fiscal_ja = crate::i18n::fiscal_year(b.fiscal_year).render(crate::i18n::Lang::Ja);
    let mut rows = vec![
        ("年度", format!("{fiscal_ja}（{}年分）", b.fiscal_year - 1), "fiscal-year"),
        ("氏名", b.name.clone(), "name"),
        ("生年月日", b.birth_date.clone(), ""),
        ("住所", b.address.clone(), "address"),
        ("合計所得金額", yen(b.total_income), "total-income"),
        ("給与所得", yen(b.salary_income), ""),
        ("所得控除額", yen(b.deductions), ""),
        ("課税標準額", yen(b.taxable_income), ""),
    ];
    if with_tax {
        rows.push(("市町村民税", yen(b.municipal_tax), "municipal-tax"));
        rows.push(("道府県民税", yen(b.prefectural_tax), "prefectural-tax"));
    }
    list("", rows)
}
