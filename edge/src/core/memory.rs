//! An in-memory backend for native tests and benchmarks. Single-threaded, like a
//! Durable Object; the challenge check-and-mark happens under one borrow.

use std::cell::RefCell;
use std::collections::HashMap;

use kofu_shared::MunicipalityCode;
use kofu_shared::wire::{CardStatus, CardStatusAnswer, CardStatusQuery};

use super::audit::AuditRecord;
use super::{
    Backend, BackendError, ChallengeOutcome, HttpAnswer, KioskEnrollment, KioskRecord, MunicipalityRecord,
    TransactionRecord,
};

pub type ForwardFn = Box<dyn Fn(&str, &[u8]) -> Result<HttpAnswer, BackendError>>;

struct Challenge {
    kiosk_id: String,
    expires_at: u64,
    used: bool,
}

pub struct MemoryBackend {
    pub kiosks: RefCell<HashMap<String, KioskRecord>>,
    pub municipalities: RefCell<HashMap<MunicipalityCode, MunicipalityRecord>>,
    /// (issuer sha256, serial hex) → answer.
    pub cards: RefCell<HashMap<(Vec<u8>, String), CardStatusAnswer>>,
    challenges: RefCell<HashMap<Vec<u8>, Challenge>>,
    forward: ForwardFn,
    pub forwarded: RefCell<Vec<Vec<u8>>>,
    /// transaction id → (record, outcome).
    pub transactions: RefCell<HashMap<String, (TransactionRecord, Option<String>)>>,
    pub audit: RefCell<Vec<AuditRecord>>,
    rates: RefCell<HashMap<String, super::rate::Window>>,
    /// kiosk id → store, as enrolled through the ops API.
    pub stores: RefCell<HashMap<String, String>>,
    /// Signed ops requests seen: digest → until when it is remembered.
    ops_requests: RefCell<HashMap<[u8; 32], u64>>,
    /// Center keys as rotations recorded them, oldest first.
    pub center_keys: RefCell<Vec<super::center_key::StoredCenterKey>>,
    /// Set: the validation service fails so (down, timed out, garbage) — fault tests.
    pub validation_fault: RefCell<Option<BackendError>>,
}

impl MemoryBackend {
    pub fn new(forward: ForwardFn) -> Self {
        MemoryBackend {
            kiosks: RefCell::default(),
            municipalities: RefCell::default(),
            cards: RefCell::default(),
            challenges: RefCell::default(),
            forward,
            forwarded: RefCell::default(),
            audit: RefCell::default(),
            rates: RefCell::default(),
            stores: RefCell::default(),
            transactions: RefCell::default(),
            ops_requests: RefCell::default(),
            center_keys: RefCell::default(),
            validation_fault: RefCell::default(),
        }
    }
}

impl Backend for MemoryBackend {
    async fn signing_center_key(&self) -> Result<Option<String>, BackendError> {
        Ok(self.center_keys.borrow().iter().find(|k| k.entry.retire_at.is_none()).map(|k| k.pkcs8_sha256.clone()))
    }

    async fn rotate_center_key(
        &self,
        retiring: &super::center_key::StoredCenterKey,
        next: &super::center_key::StoredCenterKey,
    ) -> Result<(), BackendError> {
        let mut keys = self.center_keys.borrow_mut();
        match keys.iter_mut().find(|k| k.entry.key_id == retiring.entry.key_id) {
            Some(existing) => existing.entry.retire_at = retiring.entry.retire_at,
            None => keys.push(retiring.clone()),
        }
        match keys.iter_mut().find(|k| k.entry.key_id == next.entry.key_id) {
            Some(existing) => *existing = next.clone(),
            None => keys.push(next.clone()),
        }
        Ok(())
    }

    async fn first_use_of_ops_request(
        &self,
        digest: &[u8; 32],
        expires_at: u64,
        now: u64,
    ) -> Result<bool, BackendError> {
        let mut seen = self.ops_requests.borrow_mut();
        seen.retain(|_, until| *until >= now);
        Ok(seen.insert(*digest, expires_at).is_none())
    }

    async fn kiosk(&self, id: &str) -> Result<Option<KioskRecord>, BackendError> {
        Ok(self.kiosks.borrow().get(id).cloned())
    }

    async fn store_challenge(&self, nonce: &[u8], kiosk_id: &str, expires_at: u64) -> Result<(), BackendError> {
        let challenge = Challenge { kiosk_id: kiosk_id.to_owned(), expires_at, used: false };
        self.challenges.borrow_mut().insert(nonce.to_vec(), challenge);
        Ok(())
    }

    async fn consume_challenge(
        &self,
        nonce: &[u8],
        kiosk_id: &str,
        now: u64,
    ) -> Result<ChallengeOutcome, BackendError> {
        let mut challenges = self.challenges.borrow_mut();
        let Some(c) = challenges.get_mut(nonce).filter(|c| c.kiosk_id == kiosk_id) else {
            return Ok(ChallengeOutcome::Unknown);
        };
        Ok(if c.used {
            ChallengeOutcome::AlreadyUsed
        } else if c.expires_at <= now {
            ChallengeOutcome::Expired
        } else {
            c.used = true;
            ChallengeOutcome::Consumed
        })
    }

    async fn card_status(&self, query: &CardStatusQuery) -> Result<CardStatusAnswer, BackendError> {
        if let Some(fault) = self.validation_fault.borrow().clone() {
            return Err(fault);
        }
        let key = (query.issuer_sha256.0.clone(), query.card_serial.clone());
        Ok(self
            .cards
            .borrow()
            .get(&key)
            .cloned()
            .unwrap_or(CardStatusAnswer { status: CardStatus::Unknown, municipality: None }))
    }

    async fn municipality(&self, code: MunicipalityCode) -> Result<Option<MunicipalityRecord>, BackendError> {
        Ok(self.municipalities.borrow().get(&code).cloned())
    }

    async fn municipal_keys(&self) -> Result<Vec<kofu_shared::wire::MunicipalKey>, BackendError> {
        let mut keys: Vec<_> = self
            .municipalities
            .borrow()
            .values()
            .map(|m| kofu_shared::printed::key(m.code, &m.name, &m.public_key))
            .collect();
        keys.sort_by_key(|k| k.code.to_string());
        Ok(keys)
    }

    async fn record_transaction(&self, record: &TransactionRecord, _now: u64) -> Result<bool, BackendError> {
        let mut transactions = self.transactions.borrow_mut();
        if transactions.contains_key(&record.transaction_id) {
            return Ok(false);
        }
        transactions.insert(record.transaction_id.clone(), (record.clone(), None));
        Ok(true)
    }

    async fn transaction(&self, transaction_id: &str) -> Result<Option<TransactionRecord>, BackendError> {
        Ok(self.transactions.borrow().get(transaction_id).map(|(r, _)| r.clone()))
    }

    async fn set_outcome(&self, transaction_id: &str, outcome: &str) -> Result<(), BackendError> {
        if let Some((_, o)) = self.transactions.borrow_mut().get_mut(transaction_id) {
            *o = Some(outcome.to_owned());
        }
        Ok(())
    }

    async fn put_kiosk(&self, kiosk: &KioskEnrollment) -> Result<(), BackendError> {
        let record = KioskRecord { id: kiosk.id.clone(), public_key: kiosk.public_key.0.clone(), active: true };
        self.kiosks.borrow_mut().insert(kiosk.id.clone(), record);
        self.stores.borrow_mut().insert(kiosk.id.clone(), kiosk.store.clone());
        Ok(())
    }

    async fn kiosk_stores(&self) -> Result<HashMap<String, String>, BackendError> {
        Ok(self.stores.borrow().clone())
    }

    async fn revoke_kiosk(&self, id: &str) -> Result<bool, BackendError> {
        Ok(self.kiosks.borrow_mut().get_mut(id).map(|k| k.active = false).is_some())
    }

    async fn put_municipality(&self, municipality: &MunicipalityRecord) -> Result<(), BackendError> {
        self.municipalities.borrow_mut().insert(municipality.code, municipality.clone());
        Ok(())
    }

    async fn take_rate(&self, key: &str, limit: super::rate::Limit, now: u64) -> Result<bool, BackendError> {
        Ok(self.rates.borrow_mut().entry(key.to_owned()).or_default().take(limit, now))
    }

    async fn last_audit(&self) -> Result<Option<(u64, [u8; 32])>, BackendError> {
        Ok(self.audit.borrow().last().map(|r| (r.seq, r.hash)))
    }

    async fn insert_audit(&self, record: &AuditRecord) -> Result<bool, BackendError> {
        let mut audit = self.audit.borrow_mut();
        if audit.iter().any(|r| r.seq == record.seq) {
            return Ok(false);
        }
        audit.push(record.clone());
        Ok(true)
    }

    async fn audit_records(&self, from_seq: u64, limit: u32) -> Result<Vec<AuditRecord>, BackendError> {
        Ok(self.audit.borrow().iter().filter(|r| r.seq >= from_seq).take(limit as usize).cloned().collect())
    }

    async fn forward(&self, url: &str, body: Vec<u8>) -> Result<HttpAnswer, BackendError> {
        let answer = (self.forward)(url, &body);
        self.forwarded.borrow_mut().push(body);
        answer
    }
}
