//! The households of the residents holding the TEST-ONLY virtual cards. Tests and the
//! browser tests rely on these exact people; each card shows one eligibility case.

use super::{CHIYODA, Household, INZAI, Person};

pub struct Member {
    pub card: Option<&'static [u8]>,
    pub name: &'static str,
    pub name_kana: &'static str,
    pub birth_date: &'static str,
    pub sex: &'static str,
    pub relationship: &'static str,
    pub resident_since: &'static str,
    pub status: &'static str,
    pub support_measure: bool,
    pub card_new_today: bool,
    pub seal: bool,
    pub income: Option<u64>,
    pub name_printable: bool,
}

pub struct CardHousehold {
    pub municipality: &'static str,
    pub address: &'static str,
    pub honseki: &'static str,
    pub members: &'static [Member],
}

const fn person(name: &'static str, name_kana: &'static str, birth_date: &'static str, sex: &'static str) -> Member {
    Member {
        card: None,
        name,
        name_kana,
        birth_date,
        sex,
        relationship: "世帯主",
        resident_since: "2012-06-01",
        status: "resident",
        support_measure: false,
        card_new_today: false,
        seal: false,
        income: None,
        name_printable: true,
    }
}

const CARD_1: &[u8] = include_bytes!("../../../fixtures/test-only/card-1.cert.der");
const CARD_2: &[u8] = include_bytes!("../../../fixtures/test-only/card-2.cert.der");
const CARD_3: &[u8] = include_bytes!("../../../fixtures/test-only/card-3.cert.der");
const CARD_4: &[u8] = include_bytes!("../../../fixtures/test-only/card-4.cert.der");
const CARD_5: &[u8] = include_bytes!("../../../fixtures/test-only/card-5.cert.der");
const CARD_6: &[u8] = include_bytes!("../../../fixtures/test-only/card-6.cert.der");
const CARD_7: &[u8] = include_bytes!("../../../fixtures/test-only/card-7.cert.der");
const CARD_8: &[u8] = include_bytes!("../../../fixtures/test-only/card-8.cert.der");
const CARD_9: &[u8] = include_bytes!("../../../fixtures/test-only/card-9.cert.der");

pub const CARD_HOLDERS: &[CardHousehold] = &[
    // Card 1: served for everything — a household of three, a registered seal, taxed income.
    CardHousehold {
        municipality: INZAI,
        address: "千葉県印西市大森二丁目3番地5",
        honseki: "千葉県印西市大森2345番地",
        members: &[
            Member {
                card: Some(CARD_1),
                seal: true,
                income: Some(5_200_000),
                ..person("木下 花子", "きのした はなこ", "1985-04-12", "女")
            },
            Member {
                relationship: "夫",
                income: Some(6_100_000),
                ..person("木下 大輔", "きのした だいすけ", "1983-08-30", "男")
            },
            Member {
                relationship: "子",
                resident_since: "2014-02-20",
                ..person("木下 蓮", "きのした れん", "2014-02-20", "男")
            },
        ],
    },
    // Card 2: no seal registration; a pension too small to be taxed (非課税).
    CardHousehold {
        municipality: INZAI,
        address: "千葉県印西市中央北一丁目7番地",
        honseki: "茨城県水戸市笠原町978番6",
        members: &[
            Member {
                card: Some(CARD_2),
                resident_since: "1979-04-01",
                income: Some(800_000),
                ..person("佐藤 健一", "さとう けんいち", "1950-11-03", "男")
            },
            Member {
                relationship: "妻",
                resident_since: "1979-04-01",
                ..person("佐藤 節子", "さとう せつこ", "1952-01-15", "女")
            },
        ],
    },
    // Card 3: a child of the household; a seal, but no income on record.
    CardHousehold {
        municipality: INZAI,
        address: "千葉県印西市原三丁目2番地1",
        honseki: "千葉県印西市原321番地",
        members: &[
            Member { income: Some(7_400_000), ..person("高橋 誠", "たかはし まこと", "1968-05-05", "男") },
            Member { relationship: "妻", ..person("高橋 由美", "たかはし ゆみ", "1970-10-10", "女") },
            Member {
                card: Some(CARD_3),
                relationship: "子",
                resident_since: "1999-03-10",
                seal: true,
                ..person("高橋 美咲", "たかはし みさき", "1999-02-28", "女")
            },
        ],
    },
    // Cards 4–7: residents the service refuses (moved out, deceased, DV support measure,
    // card issued today).
    CardHousehold {
        municipality: INZAI,
        address: "千葉県印西市木下東四丁目1番地",
        honseki: "千葉県印西市木下1番地",
        members: &[Member {
            card: Some(CARD_4),
            status: "moved_out",
            resident_since: "2001-10-01",
            ..person("山田 太郎", "やまだ たろう", "1972-07-07", "男")
        }],
    },
    CardHousehold {
        municipality: INZAI,
        address: "千葉県印西市小林北二丁目5番地",
        honseki: "千葉県印西市小林5番地",
        members: &[Member {
            card: Some(CARD_5),
            status: "deceased",
            resident_since: "1965-05-15",
            ..person("鈴木 和子", "すずき かずこ", "1938-12-24", "女")
        }],
    },
    CardHousehold {
        municipality: INZAI,
        address: "千葉県印西市牧の原一丁目8番地",
        honseki: "東京都千代田区千代田1番",
        members: &[Member {
            card: Some(CARD_6),
            support_measure: true,
            resident_since: "2023-02-01",
            ..person("中村 葵", "なかむら あおい", "1990-09-30", "女")
        }],
    },
    CardHousehold {
        municipality: INZAI,
        address: "千葉県印西市高花三丁目3番地",
        honseki: "千葉県印西市高花3番地",
        members: &[
            Member { income: Some(4_800_000), ..person("小林 健", "こばやし けん", "1976-03-03", "男") },
            Member {
                card: Some(CARD_7),
                relationship: "子",
                card_new_today: true,
                resident_since: "2008-04-10",
                ..person("小林 翔", "こばやし しょう", "2008-04-02", "男")
            },
        ],
    },
    // Card 8: a name with 𠮷 (つちよし), outside the characters the kiosk can print.
    CardHousehold {
        municipality: INZAI,
        address: "千葉県印西市竹袋12番地3",
        honseki: "千葉県印西市竹袋12番地",
        members: &[Member {
            card: Some(CARD_8),
            seal: true,
            income: Some(3_900_000),
            name_printable: false,
            ..person("𠮷田 一郎", "よしだ いちろう", "1961-06-18", "男")
        }],
    },
    // Card 9: a resident of 千代田区, the second municipality.
    CardHousehold {
        municipality: CHIYODA,
        address: "東京都千代田区九段北一丁目2番3号",
        honseki: "東京都千代田区九段北一丁目2番",
        members: &[
            Member {
                card: Some(CARD_9),
                seal: true,
                income: Some(9_500_000),
                resident_since: "2019-07-01",
                ..person("石川 由紀子", "いしかわ ゆきこ", "1979-12-01", "女")
            },
            Member {
                relationship: "子",
                resident_since: "2019-07-01",
                ..person("石川 湊", "いしかわ みなと", "2011-04-09", "男")
            },
        ],
    },
];

impl CardHousehold {
    pub fn household(&self) -> Household {
        let householder = self.members[0].name;
        Household {
            address: self.address.to_owned(),
            householder: householder.to_owned(),
            members: self
                .members
                .iter()
                .map(|m| Person {
                    name: m.name.to_owned(),
                    name_kana: m.name_kana.to_owned(),
                    birth_date: m.birth_date.to_owned(),
                    sex: m.sex,
                    relationship: m.relationship,
                    resident_since: m.resident_since.to_owned(),
                    honseki: self.honseki.to_owned(),
                    hittousha: householder.to_owned(),
                    individual_number: super::individual_number(
                        m.birth_date.bytes().filter(u8::is_ascii_digit).fold(0u64, |a, d| a * 10 + u64::from(d - b'0')),
                    ),
                    status: m.status,
                    support_measure: m.support_measure,
                    name_printable: m.name_printable,
                    card_new_today: m.card_new_today,
                    seal: m.seal,
                    income: m.income,
                    card: m.card,
                    card_serial: String::new(),
                })
                .collect(),
        }
    }
}
