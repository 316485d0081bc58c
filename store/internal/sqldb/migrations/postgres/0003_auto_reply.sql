-- Automatic answers sent by mailbox rules (AutoReplyAction): at most one
-- per sender and mail configuration within a day (RFC 3834).
CREATE TABLE auto_reply (
    id             BIGSERIAL PRIMARY KEY,
    mail_config_id BIGINT NOT NULL,
    recipient      TEXT NOT NULL,
    message_id     TEXT NOT NULL DEFAULT '',
    activity_id    BIGINT,
    sent_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX si_auto_reply ON auto_reply (mail_config_id, recipient, sent_at);
