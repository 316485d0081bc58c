-- The outbox of outgoing mail: forwards and automatic answers of mailbox
-- rules wait here for their next attempt (with backoff) until sent or
-- failed for good; activities sent with wfe send are recorded as sent, so
-- a second send asks for --again. message is the mail as JSON (addresses,
-- subject, text, headers, Message-ID); documents are referenced through
-- the activity, and no credential is ever stored here.
CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    kind            TEXT NOT NULL,
    mail_config_id  BIGINT NOT NULL,
    employee_id     BIGINT,
    activity_id     BIGINT,
    message_id      TEXT NOT NULL DEFAULT '',
    recipients      TEXT NOT NULL DEFAULT '[]',
    subject         TEXT NOT NULL DEFAULT '',
    message         TEXT NOT NULL DEFAULT '{}',
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    error_class     TEXT NOT NULL DEFAULT '',
    queued_at       TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ,
    claimed_by      TEXT NOT NULL DEFAULT '',
    claimed_until   TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX si_outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX si_outbox_activity ON outbox (activity_id, kind, state);
