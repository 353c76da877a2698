//! A deterministic fictional town: households of one to five people with Japanese names
//! and readings, 本籍, seal registrations and incomes. Nobody generated here exists.

use super::names::{FAMILY, FEMALE, HONSEKI_PLACES, MALE};
use super::{Household, Person, Town};

/// SplitMix64: a few lines, deterministic across platforms and releases, which `rand`'s
/// seeded generators do not promise; quality is ample for fictional names.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// The 12-digit 個人番号 with its check digit (総務省令第85号 第5条).
pub fn individual_number(first11: u64) -> String {
    let digits: Vec<u32> = format!("{:011}", first11 % 100_000_000_000).bytes().map(|b| u32::from(b - b'0')).collect();
    // P_n counts from the right; Q_n = n + 1 for n ≤ 6, n − 5 above.
    let sum: u32 = (1..=11u32).map(|n| digits[11 - n as usize] * if n <= 6 { n + 1 } else { n - 5 }).sum();
    let remainder = sum % 11;
    let check = if remainder <= 1 { 0 } else { 11 - remainder };
    format!("{:011}{check}", first11 % 100_000_000_000)
}

fn date(rng: &mut SplitMix, year: i32) -> String {
    format!("{year:04}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28))
}

/// `households` households for `town`; `this_year` anchors the ages.
pub fn town(town: &Town, households: usize, this_year: i32) -> Vec<Household> {
    let seed = town.code.bytes().fold(0u64, |acc, b| acc.wrapping_mul(31).wrapping_add(u64::from(b)));
    let mut rng = SplitMix(seed);
    let mut serial = 0u64;
    (0..households)
        .map(|_| {
            let (family, family_kana) = rng.pick(FAMILY);
            let area = rng.pick(town.areas);
            let address = format!("{}{}{}番地{}", town.address_prefix, area, 1 + rng.below(30), 1 + rng.below(20));
            let honseki = if rng.chance(40) {
                format!("{}{}{}番地", town.address_prefix, area, 1 + rng.below(3000))
            } else {
                rng.pick(HONSEKI_PLACES).to_owned()
            };
            let head_age = 25 + rng.below(60) as i32;
            let head_male = rng.chance(70);
            let mut roles: Vec<(&str, bool, i32)> = vec![("世帯主", head_male, head_age)];
            if head_age < 75 && rng.chance(65) {
                roles.push((if head_male { "妻" } else { "夫" }, !head_male, head_age - 3 + rng.below(7) as i32));
            }
            if head_age < 60 {
                for _ in 0..rng.below(4) {
                    roles.push(("子", rng.chance(50), (head_age - 24 - rng.below(12) as i32).max(0)));
                }
            }
            if head_age < 50 && rng.chance(15) {
                roles.push(("母", false, head_age + 26 + rng.below(8) as i32));
            }
            let head_name = |given: &str| format!("{family} {given}");
            let mut head = String::new();
            let members = roles
                .into_iter()
                .map(|(relationship, male, age)| {
                    let (given, given_kana) = rng.pick(if male { MALE } else { FEMALE });
                    let name = head_name(given);
                    if relationship == "世帯主" {
                        head = name.clone();
                    }
                    serial += 1;
                    let born = this_year - age;
                    let adult = age >= 18;
                    let since_year = (born + rng.below(40) as i32).min(this_year - 1).max(born);
                    Person {
                        name,
                        name_kana: format!("{family_kana} {given_kana}"),
                        birth_date: date(&mut rng, born),
                        sex: if male { "男" } else { "女" },
                        relationship,
                        resident_since: date(&mut rng, since_year),
                        honseki: honseki.clone(),
                        hittousha: head.clone(),
                        individual_number: individual_number(
                            u64::from(town.code.parse::<u32>().unwrap_or(0)) * 100_000 + serial,
                        ),
                        status: match rng.below(100) {
                            0 => "moved_out",
                            1 => "deceased",
                            _ => "resident",
                        },
                        support_measure: false,
                        name_printable: true,
                        card_new_today: false,
                        seal: adult && rng.chance(60),
                        // Annual pay or pension, yen; none for children and some adults.
                        income: (adult && rng.chance(80)).then(|| 1_000_000 + rng.below(80) as u64 * 100_000),
                        card: None,
                        card_serial: format!("{}{:08x}", town.code, serial),
                    }
                })
                .collect();
            Household { address, householder: head, members }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn individual_numbers_carry_the_official_check_digit() {
        // Worked by hand: Σ Pₙ·Qₙ = 212, 212 mod 11 = 3, check digit 11 − 3 = 8.
        assert_eq!(individual_number(12_345_678_901), "123456789018");
        assert_eq!(individual_number(0), "000000000000");
    }

    #[test]
    fn the_town_is_deterministic_and_realistic() {
        let a = town(&super::super::INZAI_TOWN, 200, 2026);
        let b = town(&super::super::INZAI_TOWN, 200, 2026);
        assert_eq!(a.len(), 200);
        let people: usize = a.iter().map(|h| h.members.len()).sum();
        assert!(people >= 300, "{people} residents");
        assert!(a.iter().zip(&b).all(|(x, y)| x.address == y.address && x.householder == y.householder));
        assert!(a.iter().all(|h| h.members[0].relationship == "世帯主" && h.members.len() <= 6));
        assert!(a.iter().flat_map(|h| &h.members).all(|p| !p.name_kana.is_ascii() && p.individual_number.len() == 12));
    }
}
