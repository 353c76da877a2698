//! The core's `Backend` on workerd: D1 for the directory, challenges, transactions and
//! the audit trail; the RateLimiter Durable Object; fetch (with a timeout) upstream.

use serde::Deserialize;
use worker::{AbortSignal, D1Database, Env, Fetch, Headers, Method, Request, RequestInit};

use crate::core::audit::{AuditEntry, AuditRecord};
use crate::core::center_key::StoredCenterKey;
use crate::core::{
    Backend, BackendError, ChallengeOutcome, EdgeError, HttpAnswer, KioskEnrollment, KioskRecord, MunicipalityRecord,
    TransactionRecord,
};
use kofu_shared::wire::{CardStatusAnswer, CardStatusQuery, parse_limited};
use kofu_shared::{Bytes, MunicipalityCode};

use super::{UPSTREAM_TIMEOUT_MS, storage, text_binding};

pub(crate) struct D1Backend {
    db: D1Database,
    validation_url: String,
    limiter: worker::ObjectNamespace,
}

impl D1Backend {
    pub(crate) fn new(env: &Env) -> Result<Self, EdgeError> {
        let db = env.d1("DB").map_err(|_| storage("D1 binding"))?;
        let validation_url = text_binding(env, "VALIDATION_URL")?;
        let limiter = env.durable_object("RATE_LIMITER").map_err(|_| storage("RATE_LIMITER binding"))?;
        Ok(D1Backend { db, validation_url, limiter })
    }
}

/// How long an isolate trusts its copy of the center key records: every forward needs
/// them, a rotation is rare, and its overlap (`center_key::MIN_OVERLAP_MS`) is far longer.
const CENTER_KEYS_CACHE_MS: u64 = 60_000;

thread_local! {
    static SIGNING_CENTER_KEY: std::cell::RefCell<Option<(u64, Option<String>)>> = const { std::cell::RefCell::new(None) };
}

fn d1_err(e: worker::Error) -> BackendError {
    BackendError::Storage(e.to_string())
}

#[derive(Deserialize)]
struct KioskRow {
    id: String,
    public_key: String,
    status: String,
}

#[derive(Deserialize)]
struct MunicipalityRow {
    code: String,
    name: String,
    endpoint: String,
    public_key: String,
    enabled: f64,
    open_minute: f64,
    close_minute: f64,
    year_end_closed: f64,
    kinds: String,
    closed_dates: String,
    weekday_only_kinds: String,
    fees: String,
}

#[derive(Deserialize)]
struct TransactionRow {
    transaction_id: String,
    kiosk_id: String,
    municipality: String,
}

#[derive(Deserialize)]
struct ChallengeRow {
    used: f64,
    expires_at: f64,
}

impl D1Backend {
    /// Runs one statement; returns how many rows it changed.
    async fn execute(&self, sql: &str, args: &[wasm_bindgen::JsValue]) -> Result<usize, BackendError> {
        let result = self.db.prepare(sql).bind(args).map_err(d1_err)?.run().await.map_err(d1_err)?;
        Ok(result.meta().map_err(d1_err)?.and_then(|m| m.changes).unwrap_or(0))
    }

    /// The first row of a query, if any.
    async fn first<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        args: &[wasm_bindgen::JsValue],
    ) -> Result<Option<T>, BackendError> {
        self.db.prepare(sql).bind(args).map_err(d1_err)?.first(None).await.map_err(d1_err)
    }
}

#[derive(Deserialize)]
struct AuditRow {
    seq: u64,
    at_ms: u64,
    step: String,
    kiosk_id: String,
    municipality: Option<String>,
    outcome: String,
    card_tag: Option<String>,
    prev_hash: String,
    hash: String,
}

fn hash32(hex_text: &str) -> Result<[u8; 32], BackendError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut out).map_err(|_| BackendError::BadUpstream)?;
    Ok(out)
}

impl AuditRow {
    fn into_record(self) -> Result<AuditRecord, BackendError> {
        let municipality = self.municipality.map(|m| m.parse().map_err(|_| BackendError::BadUpstream)).transpose()?;
        Ok(AuditRecord {
            seq: self.seq,
            entry: AuditEntry {
                at_ms: self.at_ms,
                step: self.step,
                kiosk_id: self.kiosk_id,
                municipality,
                outcome: self.outcome,
                card_tag: self.card_tag,
            },
            prev_hash: hash32(&self.prev_hash)?,
            hash: hash32(&self.hash)?,
        })
    }
}

impl Backend for D1Backend {
    async fn put_kiosk(&self, kiosk: &KioskEnrollment) -> Result<(), BackendError> {
        self.execute(
            "INSERT INTO kiosks (id, public_key, operator, store, status) VALUES (?1, ?2, ?3, ?4, 'active')
             ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key, operator = excluded.operator,
               store = excluded.store, status = 'active'",
            &[
                kiosk.id.as_str().into(),
                Bytes::encode(&kiosk.public_key.0).into(),
                kiosk.operator.as_str().into(),
                kiosk.store.as_str().into(),
            ],
        )
        .await
        .map(drop)
    }

    async fn kiosk_stores(&self) -> Result<std::collections::HashMap<String, String>, BackendError> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
            store: String,
        }
        let statement = self.db.prepare("SELECT id, store FROM kiosks");
        let rows: Vec<Row> = statement.all().await.map_err(d1_err)?.results().map_err(d1_err)?;
        Ok(rows.into_iter().map(|r| (r.id, r.store)).collect())
    }

    async fn first_use_of_ops_request(
        &self,
        digest: &[u8; 32],
        expires_at: u64,
        now: u64,
    ) -> Result<bool, BackendError> {
        // Few ops calls: forgetting the expired ones on each call keeps the table tiny.
        self.execute("DELETE FROM ops_requests WHERE expires_at < ?1", &[(now as f64).into()]).await?;
        let inserted = self
            .execute(
                "INSERT INTO ops_requests (digest, expires_at) VALUES (?1, ?2) ON CONFLICT (digest) DO NOTHING",
                &[hex::encode(digest).into(), (expires_at as f64).into()],
            )
            .await?;
        Ok(inserted == 1)
    }

    async fn signing_center_key(&self) -> Result<Option<String>, BackendError> {
        let now = worker::Date::now().as_millis();
        let cached = SIGNING_CENTER_KEY.with(|c| c.borrow().clone());
        if let Some((_, digest)) = cached.filter(|(at, _)| now < at + CENTER_KEYS_CACHE_MS) {
            return Ok(digest);
        }
        // One column as a plain string: no row type to deserialize.
        let statement = self.db.prepare("SELECT pkcs8_sha256 FROM center_keys WHERE retire_at IS NULL");
        let digest: Option<String> = statement.first(Some("pkcs8_sha256")).await.map_err(d1_err)?;
        SIGNING_CENTER_KEY.with(|c| *c.borrow_mut() = Some((now, digest.clone())));
        Ok(digest)
    }

    async fn rotate_center_key(&self, retiring: &StoredCenterKey, next: &StoredCenterKey) -> Result<(), BackendError> {
        let upsert = |key: &StoredCenterKey, on_conflict: &str| {
            let entry = &key.entry;
            let endorsement = entry.endorsement.as_ref().map(|e| Bytes::encode(&e.0));
            self.db
                .prepare(format!(
                    "INSERT INTO center_keys (key_id, public_key, pkcs8_sha256, active_from, retire_at, endorsement)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (key_id) DO UPDATE SET {on_conflict}"
                ))
                .bind(&[
                    entry.key_id.as_str().into(),
                    Bytes::encode(&entry.public_key.0).into(),
                    key.pkcs8_sha256.as_str().into(),
                    (entry.active_from as f64).into(),
                    entry.retire_at.map_or(wasm_bindgen::JsValue::NULL, |t| (t as f64).into()),
                    endorsement.map_or(wasm_bindgen::JsValue::NULL, Into::into),
                ])
                .map_err(d1_err)
        };
        let retire = upsert(retiring, "retire_at = excluded.retire_at")?;
        let activate = upsert(
            next,
            "active_from = excluded.active_from, retire_at = NULL, endorsement = excluded.endorsement,
             pkcs8_sha256 = excluded.pkcs8_sha256",
        )?;
        // One batch: D1 applies it as a single transaction.
        self.db.batch(vec![retire, activate]).await.map_err(d1_err)?;
        SIGNING_CENTER_KEY.with(|c| *c.borrow_mut() = None);
        Ok(())
    }

    async fn municipal_keys(&self) -> Result<Vec<kofu_shared::wire::MunicipalKey>, BackendError> {
        #[derive(Deserialize)]
        struct Row {
            code: String,
            name: String,
            public_key: String,
        }
        let statement = self.db.prepare("SELECT code, name, public_key FROM municipalities ORDER BY code");
        let rows: Vec<Row> = statement.all().await.map_err(d1_err)?.results().map_err(d1_err)?;
        rows.into_iter()
            .map(|r| {
                let code = MunicipalityCode::parse(&r.code).map_err(|_| BackendError::BadUpstream)?;
                let key = Bytes::decode(&r.public_key).map_err(|_| BackendError::BadUpstream)?;
                Ok(kofu_shared::printed::key(code, &r.name, &key))
            })
            .collect()
    }

    async fn revoke_kiosk(&self, id: &str) -> Result<bool, BackendError> {
        Ok(self.execute("UPDATE kiosks SET status = 'revoked' WHERE id = ?1", &[id.into()]).await? == 1)
    }

    async fn put_municipality(&self, m: &MunicipalityRecord) -> Result<(), BackendError> {
        let ids = |kinds: &[kofu_shared::wire::CertificateKind]| {
            kinds.iter().filter_map(|k| serde_json::to_value(k).ok()?.as_str().map(str::to_owned)).collect::<Vec<_>>()
        };
        self.execute(
            "INSERT INTO municipalities (code, name, endpoint, public_key, enabled, open_minute, close_minute,
               year_end_closed, kinds, closed_dates, weekday_only_kinds, fees)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, endpoint = excluded.endpoint,
               public_key = excluded.public_key, enabled = excluded.enabled, open_minute = excluded.open_minute,
               close_minute = excluded.close_minute, year_end_closed = excluded.year_end_closed, kinds = excluded.kinds,
               closed_dates = excluded.closed_dates, weekday_only_kinds = excluded.weekday_only_kinds,
               fees = excluded.fees",
            &[
                m.code.to_string().into(),
                m.name.as_str().into(),
                m.endpoint.as_str().into(),
                Bytes::encode(&m.public_key).into(),
                f64::from(u8::from(m.enabled)).into(),
                f64::from(m.hours.open_minute).into(),
                f64::from(m.hours.close_minute).into(),
                f64::from(u8::from(m.hours.year_end_closed)).into(),
                ids(&m.kinds).join(",").into(),
                m.closures.dates.join(",").into(),
                ids(&m.closures.weekday_only).join(",").into(),
                crate::core::issue::fees_column(&m.fees).into(),
            ],
        )
        .await
        .map(drop)
    }

    async fn take_rate(&self, key: &str, limit: crate::core::rate::Limit, now: u64) -> Result<bool, BackendError> {
        let unavailable = |_| BackendError::Storage("rate limiter".into());
        let stub = self.limiter.id_from_name(key).and_then(|id| id.get_stub()).map_err(unavailable)?;
        let body = serde_json::to_string(&crate::rate_limiter::TakeRequest { limit, now_ms: now })
            .map_err(|_| BackendError::Storage("rate limiter".into()))?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(body.into()));
        let request = Request::new_with_init("https://rate-limiter/take", &init).map_err(unavailable)?;
        let mut answer = stub.fetch_with_request(request).await.map_err(unavailable)?;
        let answer: crate::rate_limiter::TakeAnswer = answer.json().await.map_err(unavailable)?;
        Ok(answer.allowed)
    }

    async fn last_audit(&self) -> Result<Option<(u64, [u8; 32])>, BackendError> {
        #[derive(Deserialize)]
        struct Last {
            seq: u64,
            hash: String,
        }
        let last: Option<Last> = self.first("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &[]).await?;
        last.map(|l| Ok((l.seq, hash32(&l.hash)?))).transpose()
    }

    async fn insert_audit(&self, record: &AuditRecord) -> Result<bool, BackendError> {
        let e = &record.entry;
        let optional = |v: Option<String>| v.map_or(wasm_bindgen::JsValue::NULL, |v| v.into());
        let changed = self
            .execute(
                "INSERT INTO audit (seq, at_ms, step, kiosk_id, municipality, outcome, card_tag, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (seq) DO NOTHING",
                &[
                    (record.seq as f64).into(),
                    (e.at_ms as f64).into(),
                    e.step.as_str().into(),
                    e.kiosk_id.as_str().into(),
                    optional(e.municipality.map(|m| m.to_string())),
                    e.outcome.as_str().into(),
                    optional(e.card_tag.clone()),
                    hex::encode(record.prev_hash).into(),
                    hex::encode(record.hash).into(),
                ],
            )
            .await?;
        Ok(changed == 1)
    }

    async fn audit_records(&self, from_seq: u64, limit: u32) -> Result<Vec<AuditRecord>, BackendError> {
        let statement = self
            .db
            .prepare(
                "SELECT seq, at_ms, step, kiosk_id, municipality, outcome, card_tag, prev_hash, hash
                 FROM audit WHERE seq >= ?1 ORDER BY seq LIMIT ?2",
            )
            .bind(&[(from_seq as f64).into(), f64::from(limit).into()])
            .map_err(d1_err)?;
        let rows: Vec<AuditRow> = statement.all().await.map_err(d1_err)?.results().map_err(d1_err)?;
        rows.into_iter().map(AuditRow::into_record).collect()
    }

    async fn kiosk(&self, id: &str) -> Result<Option<KioskRecord>, BackendError> {
        let row: Option<KioskRow> =
            self.first("SELECT id, public_key, status FROM kiosks WHERE id = ?1", &[id.into()]).await?;
        row.map(|r| {
            let public_key = Bytes::decode(&r.public_key).map_err(|_| BackendError::BadUpstream)?;
            Ok(KioskRecord { id: r.id, public_key, active: r.status == "active" })
        })
        .transpose()
    }

    async fn store_challenge(&self, nonce: &[u8], kiosk_id: &str, expires_at: u64) -> Result<(), BackendError> {
        self.execute(
            "INSERT INTO challenges (nonce, kiosk_id, expires_at, used) VALUES (?1, ?2, ?3, 0)",
            &[hex::encode(nonce).into(), kiosk_id.into(), (expires_at as f64).into()],
        )
        .await?;
        Ok(())
    }

    async fn consume_challenge(
        &self,
        nonce: &[u8],
        kiosk_id: &str,
        now: u64,
    ) -> Result<ChallengeOutcome, BackendError> {
        let nonce = hex::encode(nonce);
        // One conditional UPDATE: of concurrent callers exactly one sees changes == 1.
        let changes = self
            .execute(
                "UPDATE challenges SET used = 1 WHERE nonce = ?1 AND kiosk_id = ?2 AND used = 0 AND expires_at > ?3",
                &[nonce.clone().into(), kiosk_id.into(), (now as f64).into()],
            )
            .await?;
        if changes == 1 {
            return Ok(ChallengeOutcome::Consumed);
        }
        let row: Option<ChallengeRow> = self
            .first(
                "SELECT used, expires_at FROM challenges WHERE nonce = ?1 AND kiosk_id = ?2",
                &[nonce.into(), kiosk_id.into()],
            )
            .await?;
        Ok(match row {
            None => ChallengeOutcome::Unknown,
            Some(r) if r.used != 0.0 => ChallengeOutcome::AlreadyUsed,
            Some(r) if r.expires_at <= now as f64 => ChallengeOutcome::Expired,
            Some(_) => ChallengeOutcome::AlreadyUsed,
        })
    }

    async fn card_status(&self, query: &CardStatusQuery) -> Result<CardStatusAnswer, BackendError> {
        let body = serde_json::to_vec(query).map_err(|_| BackendError::BadUpstream)?;
        let answer = post_json(&self.validation_url, body).await?;
        if answer.status != 200 {
            return Err(BackendError::BadUpstream);
        }
        parse_limited(&answer.body, 4096).map_err(|_| BackendError::BadUpstream)
    }

    async fn municipality(&self, code: MunicipalityCode) -> Result<Option<MunicipalityRecord>, BackendError> {
        let row: Option<MunicipalityRow> = self
            .first(
                "SELECT code, name, endpoint, public_key, enabled, open_minute, close_minute, year_end_closed, kinds,
                   closed_dates, weekday_only_kinds, fees
                 FROM municipalities WHERE code = ?1",
                &[code.to_string().into()],
            )
            .await?;
        row.map(|r| {
            Ok(MunicipalityRecord {
                code: MunicipalityCode::parse(&r.code).map_err(|_| BackendError::BadUpstream)?,
                name: r.name,
                endpoint: r.endpoint,
                public_key: Bytes::decode(&r.public_key).map_err(|_| BackendError::BadUpstream)?,
                enabled: r.enabled != 0.0,
                hours: crate::core::hours::ServiceHours {
                    open_minute: r.open_minute.clamp(0.0, 1440.0) as u16,
                    close_minute: r.close_minute.clamp(0.0, 1440.0) as u16,
                    year_end_closed: r.year_end_closed != 0.0,
                },
                kinds: crate::core::issue::parse_kinds(&r.kinds),
                closures: crate::core::hours::Closures::from_columns(&r.closed_dates, &r.weekday_only_kinds),
                fees: crate::core::issue::parse_fees(&r.fees),
            })
        })
        .transpose()
    }

    async fn record_transaction(&self, record: &TransactionRecord, now: u64) -> Result<bool, BackendError> {
        let changes = self
            .execute(
                "INSERT INTO transactions (transaction_id, kiosk_id, municipality, forwarded_at)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (transaction_id) DO NOTHING",
                &[
                    record.transaction_id.as_str().into(),
                    record.kiosk_id.as_str().into(),
                    record.municipality.to_string().into(),
                    (now as f64).into(),
                ],
            )
            .await?;
        Ok(changes == 1)
    }

    async fn transaction(&self, transaction_id: &str) -> Result<Option<TransactionRecord>, BackendError> {
        let row: Option<TransactionRow> = self
            .first(
                "SELECT transaction_id, kiosk_id, municipality FROM transactions WHERE transaction_id = ?1",
                &[transaction_id.into()],
            )
            .await?;
        row.map(|r| {
            Ok(TransactionRecord {
                transaction_id: r.transaction_id,
                kiosk_id: r.kiosk_id,
                municipality: MunicipalityCode::parse(&r.municipality).map_err(|_| BackendError::BadUpstream)?,
            })
        })
        .transpose()
    }

    async fn set_outcome(&self, transaction_id: &str, outcome: &str) -> Result<(), BackendError> {
        self.execute(
            "UPDATE transactions SET outcome = ?2 WHERE transaction_id = ?1",
            &[transaction_id.into(), outcome.into()],
        )
        .await?;
        Ok(())
    }

    async fn forward(&self, url: &str, body: Vec<u8>) -> Result<HttpAnswer, BackendError> {
        post_json(url, body).await
    }
}

async fn post_json(url: &str, body: Vec<u8>) -> Result<HttpAnswer, BackendError> {
    let unreachable = |e: worker::Error| BackendError::Unreachable(e.to_string());
    let headers = Headers::new();
    headers.set("content-type", "application/json").map_err(unreachable)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(js_sys_uint8(&body)));
    let request = Request::new_with_init(url, &init).map_err(unreachable)?;
    let signal = AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(UPSTREAM_TIMEOUT_MS));
    let mut response = Fetch::Request(request).send_with_signal(&signal).await.map_err(unreachable)?;
    let status = response.status_code();
    let body = response.bytes().await.map_err(unreachable)?;
    Ok(HttpAnswer { status, body })
}

fn js_sys_uint8(bytes: &[u8]) -> wasm_bindgen::JsValue {
    worker::js_sys::Uint8Array::from(bytes).into()
}
