//! The printed certificate, one layout per kind. Certificates are in Japanese whatever
//! the screen language. Everything shown comes from the verified document only.

use kofu_shared::wire::{Document, DocumentBody, InkanBody, JuminhyoBody, TaxBody};
use leptos::prelude::*;

/// 2026年11月26日 from Unix milliseconds, in the kiosk's (Japan) time.
fn japanese_date(ms: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!("{}年{}月{}日", date.get_full_year(), date.get_month() + 1, date.get_date())
}

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

pub fn article(document: &Document, payload: String) -> impl IntoView {
    let (body, attest) = match &document.body {
        DocumentBody::Juminhyo(b) => (juminhyo(b).into_any(), juminhyo_attest(b)),
        DocumentBody::Inkan(b) => (inkan(b).into_any(), "この写しは、登録されている印影と相違ないことを証明する。"),
        DocumentBody::Shotoku(b) => (tax(b, false).into_any(), "上記のとおり証明する。"),
        DocumentBody::Kazei(b) => (tax(b, true).into_any(), "上記のとおり証明する。"),
        // Never reaches printing: `Session::issue` refuses a body that is not a certificate.
        DocumentBody::HouseholdList(_) => (().into_any(), ""),
    };
    let title = match &document.body {
        DocumentBody::Kazei(b) if !b.taxed => "非課税証明書",
        DocumentBody::Kazei(_) => "課税証明書",
        _ => document.kind.title_ja(),
    };
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
            <code class="signed-document" hidden=true>{payload}</code>
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

fn juminhyo(b: &JuminhyoBody) -> impl IntoView {
    let members = b
        .members
        .iter()
        .map(|m| {
            view! {
                <section class="member">
                    <dl>
                        <dt>"氏名"</dt><dd class="name">{m.name.clone()}</dd>
                        <dt>"ふりがな"</dt><dd>{m.name_kana.clone()}</dd>
                        <dt>"生年月日"</dt><dd>{m.birth_date.clone()}</dd>
                        <dt>"性別"</dt><dd>{m.sex.clone()}</dd>
                        {m.relationship.clone().map(|r| view! { <dt>"続柄"</dt><dd class="relationship">{r}</dd> })}
                        <dt>"住民となった日"</dt><dd>{m.resident_since.clone()}</dd>
                        {m.honseki.clone().map(|h| view! { <dt>"本籍"</dt><dd class="honseki">{h}</dd> })}
                        {m.hittousha.clone().map(|h| view! { <dt>"筆頭者"</dt><dd class="hittousha">{h}</dd> })}
                        {m.individual_number.clone().map(|n| view! { <dt>"個人番号"</dt><dd>{n}</dd> })}
                    </dl>
                </section>
            }
        })
        .collect_view();
    view! {
        <dl class="household">
            <dt>"住所"</dt><dd class="address">{b.address.clone()}</dd>
            {b.householder.clone().map(|h| view! { <dt>"世帯主"</dt><dd class="householder">{h}</dd> })}
        </dl>
        {members}
    }
}

fn inkan(b: &InkanBody) -> impl IntoView {
    // An <img> never runs script: the SVG is shown as a picture, not inserted as markup.
    let src = format!("data:image/svg+xml;charset=utf-8,{}", js_sys::encode_uri_component(&b.seal_svg));
    view! {
        <div class="seal-impression"><img class="seal" src=src alt="登録印影"/></div>
        <dl>
            <dt>"登録番号"</dt><dd class="registration">{b.registration_number.clone()}</dd>
            <dt>"氏名"</dt><dd class="name">{b.name.clone()}</dd>
            <dt>"ふりがな"</dt><dd>{b.name_kana.clone()}</dd>
            <dt>"生年月日"</dt><dd>{b.birth_date.clone()}</dd>
            <dt>"性別"</dt><dd>{b.sex.clone()}</dd>
            <dt>"住所"</dt><dd class="address">{b.address.clone()}</dd>
        </dl>
    }
}

fn tax(b: &TaxBody, with_tax: bool) -> impl IntoView {
    let fiscal_ja = crate::i18n::fiscal_year(b.fiscal_year).render(crate::i18n::Lang::Ja);
    let taxes = with_tax.then(|| {
        view! {
            <dt>"市町村民税"</dt><dd class="municipal-tax">{yen(b.municipal_tax)}</dd>
            <dt>"道府県民税"</dt><dd class="prefectural-tax">{yen(b.prefectural_tax)}</dd>
        }
    });
    view! {
        <dl>
            <dt>"年度"</dt><dd class="fiscal-year">{format!("{fiscal_ja}（{}年分）", b.fiscal_year - 1)}</dd>
            <dt>"氏名"</dt><dd class="name">{b.name.clone()}</dd>
            <dt>"生年月日"</dt><dd>{b.birth_date.clone()}</dd>
            <dt>"住所"</dt><dd class="address">{b.address.clone()}</dd>
            <dt>"合計所得金額"</dt><dd class="total-income">{yen(b.total_income)}</dd>
            <dt>"給与所得"</dt><dd>{yen(b.salary_income)}</dd>
            <dt>"所得控除額"</dt><dd>{yen(b.deductions)}</dd>
            <dt>"課税標準額"</dt><dd>{yen(b.taxable_income)}</dd>
            {taxes}
        </dl>
    }
}
