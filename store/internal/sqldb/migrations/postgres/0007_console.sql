-- The admin console (wfe serve --http): its users (password as an
-- argon2id hash), API tokens for scripts (only a SHA-256 of the token is
-- kept), sign-in sessions (only a SHA-256 of the cookie value is kept)
-- and the audit log of every change made through the console or its API.
-- Two indexes on run serve the console's run filters and the watchdog.
CREATE TABLE console_user (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE TABLE console_token (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ
);
CREATE TABLE console_session (
    id_hash     TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES console_user (id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX console_session_expires ON console_session (expires_at);
CREATE TABLE console_audit (
    id         BIGSERIAL PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX console_audit_at ON console_audit (at);
CREATE INDEX run_timer ON run (timer, started_at);
CREATE INDEX run_status ON run (status, started_at);
CREATE INDEX run_timer_status ON run (timer, status, started_at);
