//! The four certificates (DESIGN.md "The certificates"): what the resident may choose, and
//! the body of each signed document. Certificates stay in Japanese whatever the screen
//! language; the field names are the protocol's, the values the register's.

use serde::{Deserialize, Serialize};

/// Which certificate the resident chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// 住民票の写し
    Juminhyo,
    /// 印鑑登録証明書
    Inkan,
    /// 所得証明書
    Shotoku,
    /// 課税（非課税）証明書
    Kazei,
}

impl CertificateKind {
    pub const ALL: [CertificateKind; 4] =
        [CertificateKind::Juminhyo, CertificateKind::Inkan, CertificateKind::Shotoku, CertificateKind::Kazei];

    pub fn as_str(self) -> &'static str {
        match self {
            CertificateKind::Juminhyo => "juminhyo",
            CertificateKind::Inkan => "inkan",
            CertificateKind::Shotoku => "shotoku",
            CertificateKind::Kazei => "kazei",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The certificate's title as printed.
    pub fn title_ja(self) -> &'static str {
        match self {
            CertificateKind::Juminhyo => "住民票の写し",
            CertificateKind::Inkan => "印鑑登録証明書",
            CertificateKind::Shotoku => "所得証明書",
            CertificateKind::Kazei => "課税（非課税）証明書",
        }
    }

    /// Whether the resident picks a fiscal year (年度) for it.
    pub fn has_fiscal_year(self) -> bool {
        matches!(self, CertificateKind::Shotoku | CertificateKind::Kazei)
    }
}

/// Who a 住民票の写し lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdScope {
    /// The card holder only (世帯の一部: 本人).
    #[default]
    Holder,
    /// Every current member of the household (世帯全員).
    Household,
    /// The members at these positions in the household register (1 = first listed).
    Members,
}

/// The options of a choice. Absent fields take their defaults, and a request that sets
/// none leaves the object out, so protocol-1 requests without options stay byte-identical.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateOptions {
    /// 住民票: who is listed.
    #[serde(default, skip_serializing_if = "is_default")]
    pub scope: HouseholdScope,
    /// 住民票 with scope `members`: positions in the household, 1-based, at most 20.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<u8>,
    /// 住民票: print 本籍・筆頭者.
    #[serde(default, skip_serializing_if = "is_default")]
    pub with_honseki: bool,
    /// 住民票: print 続柄 (relationship to the householder) and the householder.
    #[serde(default, skip_serializing_if = "is_default")]
    pub with_relationship: bool,
    /// 所得・課税証明書: the fiscal year (年度); absent: the latest the municipality has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiscal_year: Option<u16>,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

impl CertificateOptions {
    pub fn is_empty(&self) -> bool {
        *self == CertificateOptions::default()
    }

    /// Options that do not belong to `kind`, or members without scope `members`.
    pub fn fits(&self, kind: CertificateKind) -> bool {
        let juminhyo_only = self.scope != HouseholdScope::Holder || self.with_honseki || self.with_relationship;
        let members_ok = match self.scope {
            HouseholdScope::Members => (1..=MAX_MEMBERS).contains(&self.members.len()),
            _ => self.members.is_empty(),
        };
        match kind {
            CertificateKind::Juminhyo => members_ok && self.fiscal_year.is_none(),
            CertificateKind::Inkan => !juminhyo_only && self.members.is_empty() && self.fiscal_year.is_none(),
            CertificateKind::Shotoku | CertificateKind::Kazei => !juminhyo_only && self.members.is_empty(),
        }
    }
}

/// Most household members one 住民票の写し lists.
pub const MAX_MEMBERS: usize = 20;

/// On the wire an object whose first member is `"kind"` (serde's internally tagged form,
/// which is what the derive writes); the rest are the body's fields.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DocumentBody {
    Juminhyo(JuminhyoBody),
    Inkan(InkanBody),
    Shotoku(TaxBody),
    Kazei(TaxBody),
    /// Not a certificate: the answer to a household-list request. Never printed.
    HouseholdList(HouseholdListBody),
}

// Personal data: Debug must never print it (it could end in a log).
impl std::fmt::Debug for DocumentBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DocumentBody(..)")
    }
}

/// Written by hand: serde's derived reader for internally tagged enums buffers the whole
/// object through its `Content` type, which drags float parsing and ~15 KB into the kiosk's
/// wasm bundle. This reader asks for `"kind"` first and hands the rest of the same map to the
/// body's derived reader, so unknown fields are still refused there.
impl<'de> Deserialize<'de> for DocumentBody {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(BodyVisitor)
    }
}

struct BodyVisitor;

impl<'de> serde::de::Visitor<'de> for BodyVisitor {
    type Value = DocumentBody;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a document body whose first member is \"kind\"")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<DocumentBody, A::Error> {
        use serde::de::Error;
        let key: Option<std::borrow::Cow<'de, str>> = map.next_key()?;
        if key.as_deref() != Some("kind") {
            return Err(A::Error::custom("\"kind\" must come first"));
        }
        let kind: std::borrow::Cow<'de, str> = map.next_value()?;
        let rest = serde::de::value::MapAccessDeserializer::new(map);
        match kind.as_ref() {
            "juminhyo" => JuminhyoBody::deserialize(rest).map(DocumentBody::Juminhyo),
            "inkan" => InkanBody::deserialize(rest).map(DocumentBody::Inkan),
            "shotoku" => TaxBody::deserialize(rest).map(DocumentBody::Shotoku),
            "kazei" => TaxBody::deserialize(rest).map(DocumentBody::Kazei),
            "household_list" => HouseholdListBody::deserialize(rest).map(DocumentBody::HouseholdList),
            _ => Err(A::Error::custom("unknown document kind")),
        }
    }
}

impl DocumentBody {
    pub fn kind(&self) -> CertificateKind {
        match self {
            DocumentBody::Juminhyo(_) => CertificateKind::Juminhyo,
            DocumentBody::Inkan(_) => CertificateKind::Inkan,
            DocumentBody::Shotoku(_) => CertificateKind::Shotoku,
            DocumentBody::Kazei(_) => CertificateKind::Kazei,
            DocumentBody::HouseholdList(_) => CertificateKind::Juminhyo,
        }
    }

    pub fn is_certificate(&self) -> bool {
        !matches!(self, DocumentBody::HouseholdList(_))
    }
}

/// The current members of the card holder's household, in register order, for choosing
/// whom a 住民票 lists. Members under a DV support measure are left out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdListBody {
    pub members: Vec<HouseholdListMember>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdListMember {
    /// The position to send back in `options.members`.
    pub position: u8,
    pub name: String,
    pub relationship: String,
    /// Whether this member holds the card that asked.
    pub holder: bool,
}

/// 住民票の写し: the household's address and the listed members.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JuminhyoBody {
    pub address: String,
    /// 世帯主; present when the resident asked for 続柄.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub householder: Option<String>,
    /// `true` when every current member is listed (世帯全員), else 世帯の一部.
    pub whole_household: bool,
    pub members: Vec<JuminhyoMember>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JuminhyoMember {
    pub name: String,
    pub name_kana: String,
    /// ISO date.
    pub birth_date: String,
    pub sex: String,
    /// 続柄, only when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<String>,
    /// ISO date the person became a resident.
    pub resident_since: String,
    /// 本籍 and 筆頭者, only when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honseki: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hittousha: Option<String>,
    /// 個人番号: only where the municipality enables printing it (never by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub individual_number: Option<String>,
}

/// 印鑑登録証明書: the registered seal's image and its holder.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InkanBody {
    pub name: String,
    pub name_kana: String,
    pub birth_date: String,
    pub sex: String,
    pub address: String,
    pub registration_number: String,
    /// The registered impression as SVG (rendered only as an image, never as markup).
    pub seal_svg: String,
}

/// 所得証明書 and 課税（非課税）証明書 for one fiscal year. Amounts in yen.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxBody {
    pub name: String,
    pub address: String,
    pub birth_date: String,
    /// 年度 (e.g. 2026 for 令和8年度); the income is of the calendar year before.
    pub fiscal_year: u16,
    pub total_income: u64,
    pub salary_income: u64,
    pub deductions: u64,
    pub taxable_income: u64,
    /// 市町村民税 and 道府県民税 (所得割 + 均等割); both 0 when 非課税.
    pub municipal_tax: u64,
    pub prefectural_tax: u64,
    pub taxed: bool,
}

/// 2026年11月26日: the date in Japan (UTC+9, no daylight saving) of Unix milliseconds.
/// Days to civil date by hand (Hinnant's algorithm): a date crate would cost the kiosk
/// bundle far more than these lines.
pub fn japanese_date(unix_ms: u64) -> String {
    const JST_MS: u64 = 9 * 3_600_000;
    let days = ((unix_ms + JST_MS) / 86_400_000) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year}年{month}月{day}日")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_in_japan_time() {
        assert_eq!(japanese_date(0), "1970年1月1日");
        // 2026-11-25 15:00 UTC is already the 26th in Japan.
        assert_eq!(japanese_date(1_795_618_800_000), "2026年11月26日");
        assert_eq!(japanese_date(1_795_618_799_999), "2026年11月25日");
        assert_eq!(japanese_date(951_782_400_000), "2000年2月29日");
        assert_eq!(japanese_date(1_767_193_200_000), "2026年1月1日");
    }

    #[test]
    fn options_fit_only_their_kind() {
        let none = CertificateOptions::default();
        for kind in CertificateKind::ALL {
            assert!(none.fits(kind));
            assert_eq!(CertificateKind::parse(kind.as_str()), Some(kind));
        }
        let household = CertificateOptions { scope: HouseholdScope::Household, with_honseki: true, ..none.clone() };
        assert!(household.fits(CertificateKind::Juminhyo));
        assert!(!household.fits(CertificateKind::Inkan));
        let year = CertificateOptions { fiscal_year: Some(2026), ..none.clone() };
        assert!(year.fits(CertificateKind::Shotoku) && year.fits(CertificateKind::Kazei));
        assert!(!year.fits(CertificateKind::Juminhyo) && !year.fits(CertificateKind::Inkan));
        let members = CertificateOptions { scope: HouseholdScope::Members, members: vec![1, 3], ..none.clone() };
        assert!(members.fits(CertificateKind::Juminhyo));
        assert!(!CertificateOptions { scope: HouseholdScope::Members, ..none.clone() }.fits(CertificateKind::Juminhyo));
        assert!(!CertificateOptions { members: vec![1], ..none }.fits(CertificateKind::Juminhyo));
    }

    #[test]
    fn bodies_read_back_what_serde_writes_and_refuse_the_rest() {
        let body = DocumentBody::Kazei(TaxBody {
            name: "試験".into(),
            address: "千葉県".into(),
            birth_date: "1980-01-01".into(),
            fiscal_year: 2026,
            total_income: 1,
            salary_income: 2,
            deductions: 3,
            taxable_income: 4,
            municipal_tax: 5,
            prefectural_tax: 6,
            taxed: true,
        });
        let json = serde_json::to_string(&body).unwrap();
        assert!(json.starts_with(r#"{"kind":"kazei","#), "{json}");
        assert!(serde_json::from_str::<DocumentBody>(&json).unwrap() == body);
        let extra = json.replacen(r#""name""#, r#""colour":1,"name""#, 1);
        assert!(serde_json::from_str::<DocumentBody>(&extra).is_err(), "unknown fields are refused");
        let late_kind = r#"{"members":[],"kind":"household_list"}"#;
        assert!(serde_json::from_str::<DocumentBody>(late_kind).is_err());
        assert!(serde_json::from_str::<DocumentBody>(r#"{"kind":"passport"}"#).is_err());
        assert!(serde_json::from_str::<DocumentBody>(r#"{"kind":"household_list","members":[]}"#).is_ok());
    }

    #[test]
    fn no_options_serialize_to_nothing() {
        assert_eq!(serde_json::to_string(&CertificateOptions::default()).unwrap(), "{}");
        let parsed: CertificateOptions = serde_json::from_str("{}").unwrap();
        assert!(parsed.is_empty());
        assert!(serde_json::from_str::<CertificateOptions>(r#"{"colour":1}"#).is_err());
    }
}
