-- PostgreSQL dialect of sqlite/0001: the same tables, columns and names.
CREATE TABLE residents (
  id BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  name_kana TEXT NOT NULL,
  birth_date TEXT NOT NULL,
  sex TEXT NOT NULL,
  address TEXT NOT NULL,
  householder TEXT NOT NULL,
  relationship TEXT NOT NULL,
  resident_since TEXT NOT NULL
);

CREATE TABLE card_holders (
  issuer_sha256 TEXT NOT NULL,
  serial TEXT NOT NULL,
  resident_id BIGINT NOT NULL REFERENCES residents (id),
  PRIMARY KEY (issuer_sha256, serial)
);

CREATE TABLE validation_cards (
  issuer_sha256 TEXT NOT NULL,
  serial TEXT NOT NULL,
  status TEXT NOT NULL CONSTRAINT validation_cards_status CHECK (status IN ('valid', 'revoked')),
  municipality TEXT NOT NULL,
  PRIMARY KEY (issuer_sha256, serial)
);

CREATE TABLE issuances (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id TEXT NOT NULL UNIQUE,
  request_sha256 TEXT NOT NULL,
  resident_id BIGINT NOT NULL REFERENCES residents (id),
  kind TEXT NOT NULL,
  kiosk_id TEXT NOT NULL,
  issued_at BIGINT NOT NULL,
  document BYTEA NOT NULL,
  signature BYTEA NOT NULL,
  state TEXT NOT NULL DEFAULT 'issued'
);
