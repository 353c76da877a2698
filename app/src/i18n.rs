//! Resident-facing text in six languages, from the message catalogs in `app/locales/`
//! (compiled to tables by build.rs). Certificates themselves stay in Japanese.

use kofu_shared::ErrorCode;
use kofu_shared::wire::CertificateKind;

include!(concat!(env!("OUT_DIR"), "/catalog.rs"));

/// One catalog message. The constants (`TITLE`, `IDLE`, …) are generated from the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Msg(u16);

/// Call sites name messages as text.
pub type Text = Msg;

impl Msg {
    /// The text in `lang`; English while a fetched catalog has not arrived.
    pub fn get(self, lang: Lang) -> &'static str {
        let i = usize::from(self.0);
        match BUILT_IN.get(lang.index()) {
            Some(table) => table[i],
            None => fetched::text(lang, i).unwrap_or(BUILT_IN[Lang::En.index()][i]),
        }
    }

    pub fn key(self) -> &'static str {
        KEYS[usize::from(self.0)]
    }

    pub fn by_key(key: &str) -> Option<Msg> {
        KEYS.iter().position(|k| *k == key).map(|i| Msg(i as u16))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ja,
    En,
    Zh,
    Ko,
    Vi,
    Pt,
}

impl Lang {
    pub const ALL: [Lang; 6] = [Lang::Ja, Lang::En, Lang::Zh, Lang::Ko, Lang::Vi, Lang::Pt];

    fn index(self) -> usize {
        self as usize
    }

    /// The `lang` attribute of text in this language.
    pub fn code(self) -> &'static str {
        ["ja", "en", "zh-Hans", "ko", "vi", "pt-BR"][self.index()]
    }

    /// The voice to ask `speechSynthesis` for.
    pub fn speech(self) -> &'static str {
        ["ja-JP", "en-US", "zh-CN", "ko-KR", "vi-VN", "pt-BR"][self.index()]
    }

    /// The language's own name, as the language buttons show it.
    pub fn native_name(self) -> &'static str {
        ["日本語", "English", "中文", "한국어", "Tiếng Việt", "Português"][self.index()]
    }

    /// The second line under the chosen language: English under Japanese, else Japanese.
    pub fn companion(self) -> Lang {
        if self == Lang::Ja { Lang::En } else { Lang::Ja }
    }

    /// The catalog's file name in `app/locales/` (and `locales/` beside the kiosk).
    pub fn catalog_name(self) -> &'static str {
        ["ja", "en", "zh", "ko", "vi", "pt"][self.index()]
    }

    /// Whether this language's text is at hand (built in, or its catalog has arrived).
    pub fn available(self) -> bool {
        self.index() < BUILT_IN.len() || fetched::text(self, 0).is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("this catalog lacks a message")]
    Incomplete,
}

/// A catalog as fetched (`locales/<lang>.json`): a flat object of message texts.
pub type Catalog = std::collections::HashMap<String, String>;

/// Takes a fetched catalog for `lang`: every message must be there. Each language is kept
/// once, for the page's life.
pub fn install_catalog(lang: Lang, catalog: &Catalog) -> Result<(), CatalogError> {
    let texts: Option<Vec<&'static str>> =
        KEYS.iter().map(|key| catalog.get(*key).map(|t| &*Box::leak(t.clone().into_boxed_str()))).collect();
    let texts = texts.ok_or(CatalogError::Incomplete)?;
    fetched::keep(lang, Box::leak(texts.into_boxed_slice()));
    Ok(())
}

/// The catalogs fetched at start, by language.
mod fetched {
    use super::Lang;
    use std::cell::RefCell;

    thread_local! {
        static TABLES: RefCell<[Option<&'static [&'static str]>; 6]> = const { RefCell::new([None; 6]) };
    }

    pub fn text(lang: Lang, i: usize) -> Option<&'static str> {
        TABLES.with(|t| t.borrow()[lang.index()].and_then(|table| table.get(i).copied()))
    }

    pub fn keep(lang: Lang, table: &'static [&'static str]) {
        TABLES.with(|t| {
            let slot = &mut t.borrow_mut()[lang.index()];
            if slot.is_none() {
                *slot = Some(table);
            }
        });
    }
}

/// A message with a number in it ("{n}", and "{era}" for a 令和 year).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    pub msg: Msg,
    one: Option<Msg>,
    n: u64,
}

impl Phrase {
    fn plain(msg: Msg, n: u64) -> Self {
        Phrase { msg, one: None, n }
    }

    /// `one` when n is 1, else `other`: the languages here need no more plural forms.
    fn counted(one: Msg, other: Msg, n: u64) -> Self {
        Phrase { msg: other, one: Some(one), n }
    }

    pub fn render(&self, lang: Lang) -> String {
        let msg = match self.one {
            Some(one) if self.n == 1 => one,
            _ => self.msg,
        };
        msg.get(lang).replace("{n}", &self.n.to_string()).replace("{era}", &self.n.saturating_sub(2018).to_string())
    }
}

impl From<Msg> for Phrase {
    fn from(msg: Msg) -> Self {
        Phrase::plain(msg, 0)
    }
}

pub fn pin_wrong(tries_left: u8) -> Phrase {
    Phrase::counted(PIN_WRONG_ONE, PIN_WRONG_OTHER, u64::from(tries_left))
}

pub fn tries_left(tries_left: u8) -> Phrase {
    Phrase::counted(TRIES_LEFT_ONE, TRIES_LEFT_OTHER, u64::from(tries_left))
}

pub fn copies(n: u8) -> Phrase {
    Phrase::counted(COPIES_ONE, COPIES_OTHER, u64::from(n))
}

pub fn fee(yen: u64) -> Phrase {
    Phrase::plain(FEE, yen)
}

pub fn fee_per_copy(yen: u32) -> Phrase {
    Phrase::plain(FEE_PER_COPY, u64::from(yen))
}

/// 令和N年度 (令和元年度 for 2019) / "Fiscal year 2026".
pub fn fiscal_year(year: u16) -> Phrase {
    let msg = if year == 2019 { FISCAL_YEAR_FIRST } else { FISCAL_YEAR_VALUE };
    Phrase::plain(msg, u64::from(year))
}

/// The certificate's name on the menu.
pub fn kind(kind: CertificateKind) -> Msg {
    match kind {
        CertificateKind::Juminhyo => JUMINHYO,
        CertificateKind::Inkan => INKAN,
        CertificateKind::Shotoku => SHOTOKU,
        CertificateKind::Kazei => KAZEI,
    }
}

/// What the resident is told for a refusal; a code this build does not know is a
/// generic failure with nothing charged.
pub fn refusal(code: ErrorCode) -> Msg {
    Msg::by_key(&format!("error_{}", code.as_str())).unwrap_or(ERROR_INTERNAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_text_in_every_language() {
        assert!(EXTRA_KEYS.is_empty(), "keys missing in Japanese: {EXTRA_KEYS:?}");
        for lang in Lang::ALL {
            for (i, key) in KEYS.iter().enumerate() {
                let text = BUILT_IN[lang.index()][i];
                assert!(!text.trim().is_empty(), "{key} has no {} text", lang.code());
            }
        }
    }

    #[test]
    fn every_error_code_has_a_message_matching_the_protocol_crate() {
        for code in ErrorCode::ALL {
            let msg = Msg::by_key(&format!("error_{}", code.as_str())).unwrap_or_else(|| panic!("{code}"));
            // The shared crate keeps ja/en for other kiosks' implementers: the same words.
            assert_eq!(msg.get(Lang::Ja), code.resident_message_ja(), "{code}");
            assert_eq!(msg.get(Lang::En), code.resident_message_en(), "{code}");
        }
    }

    #[test]
    fn placeholders_are_kept_in_every_language() {
        for lang in Lang::ALL {
            for (i, key) in KEYS.iter().enumerate() {
                let ja = BUILT_IN[0][i];
                let text = BUILT_IN[lang.index()][i];
                if ja.contains("{n}") {
                    assert!(text.contains("{n}"), "{key} in {} lost {{n}}", lang.code());
                }
            }
        }
    }

    /// The kiosk fetches the catalogs it does not carry; what it takes is the same text.
    #[test]
    fn a_fetched_catalog_gives_the_same_text_and_a_broken_one_is_refused() {
        let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/ko.json")).unwrap();
        install_catalog(Lang::Ko, &serde_json::from_str(&json).unwrap()).unwrap();
        for (i, _) in KEYS.iter().enumerate() {
            assert_eq!(fetched::text(Lang::Ko, i), Some(BUILT_IN[Lang::Ko.index()][i]));
        }
        let partial = Catalog::from([("title".to_owned(), "x".to_owned())]);
        assert_eq!(install_catalog(Lang::Vi, &partial), Err(CatalogError::Incomplete));
        assert_eq!(fetched::text(Lang::Vi, 0), None);
        assert!(Lang::ALL.iter().all(|l| l.available()), "natively every catalog is built in");
    }

    #[test]
    fn numbers_and_plurals() {
        assert_eq!(pin_wrong(1).render(Lang::En), "Wrong PIN. 1 try left");
        assert_eq!(pin_wrong(2).render(Lang::Pt), "Senha incorreta. Restam 2 tentativas");
        assert_eq!(fiscal_year(2026).render(Lang::Ja), "令和8年度");
        assert_eq!(fiscal_year(2019).render(Lang::Ja), "令和元年度");
        assert_eq!(fiscal_year(2026).render(Lang::Vi), "Năm tài chính 2026");
        assert_eq!(copies(3).render(Lang::Ja), "3通");
        assert_eq!(copies(1).render(Lang::En), "1 copy");
        assert_eq!(refusal(ErrorCode::NotServed), ERROR_NOT_SERVED);
    }
}
