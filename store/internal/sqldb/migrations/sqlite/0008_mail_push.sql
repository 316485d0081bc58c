-- Push: a mail configuration may be watched with IMAP IDLE under
-- wfe serve (new mail imported within seconds); mail_push_state holds
-- what each configuration's watcher is doing, for the timer overview.
ALTER TABLE mail_config ADD COLUMN push BOOLEAN NOT NULL DEFAULT 0;
CREATE TABLE mail_push_state (
    mail_config_id INTEGER PRIMARY KEY,
    node           TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL DEFAULT '',
    detail         TEXT NOT NULL DEFAULT '',
    since          DATETIME NOT NULL
);
