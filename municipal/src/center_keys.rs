//! Following the exchange center's key rotations (`GET /v1/center-keys`). A published key
//! is trusted only when a key this server already trusts endorsed it, and a trusted key's
//! end is taken only from such an endorsement: the list is fetched over the network, so
//! nothing in it counts unless a trusted key signed it (docs/PROTOCOL.md).

use kofu_shared::signing::{center_key_endorsement_message, p256_public_key, p256_verify};
use kofu_shared::wire::{CenterKeys, parse_limited};
use p256::ecdsa::VerifyingKey;

use crate::{CenterKey, Municipality};

/// The keys to accept: `trusted` (from the command line), each given the end its successor's
/// endorsement states, plus every published key endorsed along a chain from them.
pub fn follow(trusted: &[CenterKey], published: &CenterKeys) -> Vec<CenterKey> {
    let mut keys: Vec<CenterKey> = trusted.to_vec();
    // Each pass can add one more link of the chain; the list is short.
    for _ in 0..published.keys.len() {
        let mut changed = false;
        for entry in &published.keys {
            let (Some(endorsement), Ok(new_key)) = (&entry.endorsement, p256_public_key(&entry.public_key.0)) else {
                continue;
            };
            for i in 0..keys.len() {
                let Some(retire_at) = retire_at_of(&keys[i].key, published) else { continue };
                let message = center_key_endorsement_message(&entry.public_key.0, retire_at);
                if p256_verify(&keys[i].key, &message, &endorsement.0).is_err() {
                    continue;
                }
                let until = keys[i].until_ms.map_or(retire_at, |u| u.min(retire_at));
                changed |= keys[i].until_ms != Some(until);
                keys[i].until_ms = Some(until);
                match keys.iter_mut().find(|k| k.key == new_key) {
                    None => {
                        keys.push(CenterKey { key: new_key, until_ms: None });
                        changed = true;
                    }
                    // Rotated back to: in force again until its next successor says otherwise.
                    Some(again) if entry.retire_at.is_none() && again.until_ms.is_some() => {
                        again.until_ms = None;
                        changed = true;
                    }
                    Some(_) => {}
                }
            }
        }
        if !changed {
            break;
        }
    }
    keys
}

/// Fetches the center's list every `every` and keeps `municipality.followed` up to date.
/// A failed fetch keeps what was learned before (and is logged without detail).
pub fn poll(municipality: &Municipality, url: &str, every: std::time::Duration) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into();
    let (mut last, mut failing) = (usize::MAX, false);
    loop {
        let list = agent
            .get(url)
            .call()
            .ok()
            .filter(|r| r.status() == 200)
            .and_then(|mut r| r.body_mut().with_config().limit(MAX_LIST_BYTES).read_to_vec().ok())
            .and_then(|body| parse_limited::<CenterKeys>(&body, MAX_LIST_BYTES as usize).ok());
        match list {
            Some(list) => {
                failing = false;
                let keys = follow(&municipality.center_keys, &list);
                if keys.len() != last {
                    eprintln!("center keys: {} accepted ({} published)", keys.len(), list.keys.len());
                    last = keys.len();
                }
                if let Ok(mut followed) = municipality.followed.write() {
                    *followed = keys;
                }
            }
            None if !failing => {
                // Once per outage: the center may simply not be up yet.
                eprintln!("center keys: {url} gave no usable list; keeping the keys known");
                failing = true;
            }
            None => {}
        }
        std::thread::sleep(every);
    }
}

const MAX_LIST_BYTES: u64 = 64 * 1024;

/// The end the published list gives `key`, if it is retiring.
fn retire_at_of(key: &VerifyingKey, published: &CenterKeys) -> Option<u64> {
    published.keys.iter().find(|e| p256_public_key(&e.public_key.0).is_ok_and(|k| &k == key))?.retire_at
}

#[cfg(test)]
mod tests {
    use kofu_shared::Bytes;
    use kofu_shared::signing::{p256_sign, p256_signing_key};
    use kofu_shared::wire::CenterKeyEntry;

    use super::*;

    const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-only/");
    const R1: u64 = 1_000_000;
    const R2: u64 = 2_000_000;

    fn der(name: &str) -> Vec<u8> {
        std::fs::read(format!("{FIX}{name}")).unwrap()
    }

    fn key(name: &str) -> VerifyingKey {
        p256_public_key(&der(&format!("{name}.pub.der"))).unwrap()
    }

    /// `name`'s entry; `by` endorses it over the end `by` gets.
    fn entry(name: &str, retire_at: Option<u64>, by: Option<(&str, u64)>) -> CenterKeyEntry {
        let public_key = der(&format!("{name}.pub.der"));
        let endorsement = by.map(|(signer, end)| {
            let signer = p256_signing_key(&der(&format!("{signer}.key.der"))).unwrap();
            Bytes::from(p256_sign(&signer, &center_key_endorsement_message(&public_key, end)).to_vec())
        });
        CenterKeyEntry { key_id: String::new(), public_key: public_key.into(), active_from: 0, retire_at, endorsement }
    }

    fn trusting(name: &str) -> Vec<CenterKey> {
        vec![CenterKey { key: key(name), until_ms: None }]
    }

    fn ends(keys: &[CenterKey]) -> Vec<(bool, Option<u64>)> {
        [key("center"), key("center-next"), key("municipal-131016")]
            .iter()
            .filter_map(|k| keys.iter().find(|c| &c.key == k).map(|c| (true, c.until_ms)))
            .collect()
    }

    #[test]
    fn an_endorsed_successor_is_learned_and_the_old_key_gets_its_end() {
        let list = CenterKeys {
            keys: vec![entry("center", Some(R1), None), entry("center-next", None, Some(("center", R1)))],
        };
        let keys = follow(&trusting("center"), &list);
        assert_eq!(ends(&keys), [(true, Some(R1)), (true, None)]);
    }

    #[test]
    fn nothing_unendorsed_or_altered_counts() {
        // Endorsed by a key this server does not trust.
        let forged = CenterKeys {
            keys: vec![entry("center", Some(R1), None), entry("center-next", None, Some(("municipal-131016", R1)))],
        };
        assert_eq!(ends(&follow(&trusting("center"), &forged)), [(true, None)]);
        // The old key's end moved after it was signed.
        let moved = CenterKeys {
            keys: vec![entry("center", Some(R1 + 1), None), entry("center-next", None, Some(("center", R1)))],
        };
        assert_eq!(ends(&follow(&trusting("center"), &moved)), [(true, None)]);
        // No endorsement at all; an empty list.
        let bare = CenterKeys { keys: vec![entry("center", Some(R1), None), entry("center-next", None, None)] };
        assert_eq!(ends(&follow(&trusting("center"), &bare)), [(true, None)]);
        assert_eq!(ends(&follow(&trusting("center"), &CenterKeys { keys: vec![] })), [(true, None)]);
    }

    #[test]
    fn a_chain_of_rotations_is_followed_link_by_link_in_any_order() {
        // center → center-next → a third key (any other P-256 key will do).
        let list = CenterKeys {
            keys: vec![
                entry("municipal-131016", None, Some(("center-next", R2))),
                entry("center-next", Some(R2), Some(("center", R1))),
                entry("center", Some(R1), None),
            ],
        };
        let keys = follow(&trusting("center"), &list);
        assert_eq!(ends(&keys), [(true, Some(R1)), (true, Some(R2)), (true, None)]);
    }

    #[test]
    fn a_key_rotated_back_to_is_in_force_again() {
        let list = CenterKeys {
            keys: vec![
                entry("center-next", Some(R2), Some(("center", R1))),
                entry("center", None, Some(("center-next", R2))),
            ],
        };
        let mut trusted = trusting("center");
        trusted.push(CenterKey { key: key("center-next"), until_ms: None });
        trusted[0].until_ms = Some(R1);
        assert_eq!(ends(&follow(&trusted, &list)), [(true, None), (true, Some(R2))]);
    }
}
