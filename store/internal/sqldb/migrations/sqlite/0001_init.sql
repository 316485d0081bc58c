-- wfe schema version 1 (SQLite)

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE setting (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE employee (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    login                 TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL DEFAULT '',
    email                 TEXT NOT NULL DEFAULT '',
    groupware_login       TEXT NOT NULL DEFAULT '',
    groupware_password    TEXT NOT NULL DEFAULT '',
    import_internal_mails BOOLEAN NOT NULL DEFAULT 0,
    use_import_folder     BOOLEAN NOT NULL DEFAULT 0,
    import_folder         TEXT NOT NULL DEFAULT '',
    locked                BOOLEAN NOT NULL DEFAULT 0,
    locked_reason         TEXT NOT NULL DEFAULT '',
    locked_at             DATETIME,
    created_at            DATETIME NOT NULL,
    updated_at            DATETIME NOT NULL
);
CREATE INDEX employee_email ON employee (lower(email));

CREATE TABLE business_partner (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    roles      TEXT NOT NULL DEFAULT '[]',
    fax        TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX business_partner_name ON business_partner (lower(name));

CREATE TABLE contact (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id INTEGER NOT NULL REFERENCES business_partner (id) ON DELETE RESTRICT,
    first_name TEXT NOT NULL DEFAULT '',
    last_name  TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL DEFAULT '',
    fax        TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX contact_email ON contact (lower(email));
CREATE INDEX contact_partner ON contact (partner_id);

CREATE TABLE ticket (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    number     TEXT NOT NULL UNIQUE,
    subject    TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE mail_config (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    match_code           TEXT NOT NULL,
    user_name            TEXT NOT NULL DEFAULT '',
    password             TEXT NOT NULL DEFAULT '',
    groupware_system     TEXT NOT NULL DEFAULT 'SERVER',
    imap_addr            TEXT NOT NULL DEFAULT '',
    imap_security        TEXT NOT NULL DEFAULT '',
    smtp_addr            TEXT NOT NULL DEFAULT '',
    smtp_security        TEXT NOT NULL DEFAULT '',
    smtp_auth            BOOLEAN NOT NULL DEFAULT 0,
    ca_file              TEXT NOT NULL DEFAULT '',
    is_locked            BOOLEAN NOT NULL DEFAULT 0,
    auto_import          BOOLEAN NOT NULL DEFAULT 0,
    responsible_id       INTEGER REFERENCES employee (id) ON DELETE SET NULL,
    import_folder        TEXT NOT NULL DEFAULT 'CRM/Aktivitäten',
    error_folder         TEXT NOT NULL DEFAULT 'CRM/Fehler',
    groupware_host       TEXT NOT NULL DEFAULT '',
    groupware_port       INTEGER NOT NULL DEFAULT 0,
    calendar_system      TEXT NOT NULL DEFAULT '',
    display_name         TEXT NOT NULL DEFAULT '',
    import_since         DATETIME,
    oauth_tenant_id      TEXT NOT NULL DEFAULT '',
    oauth_client_id      TEXT NOT NULL DEFAULT '',
    oauth_client_secret  TEXT NOT NULL DEFAULT '',
    oauth_auth_url       TEXT NOT NULL DEFAULT '',
    oauth_token_url      TEXT NOT NULL DEFAULT '',
    oauth_scopes         TEXT NOT NULL DEFAULT '',
    oauth_token          TEXT NOT NULL DEFAULT '',
    auto_locked          BOOLEAN NOT NULL DEFAULT 0,
    auto_locked_reason   TEXT NOT NULL DEFAULT '',
    auto_locked_at       DATETIME,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL
);
CREATE INDEX mail_config_match_code ON mail_config (match_code);

CREATE TABLE activity (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    acttypekey        TEXT NOT NULL,
    actstatuskey      TEXT NOT NULL DEFAULT '',
    subject           TEXT NOT NULL DEFAULT '',
    text              TEXT NOT NULL DEFAULT '',
    html              TEXT NOT NULL DEFAULT '',
    sender            TEXT NOT NULL DEFAULT '',
    recipients_to     TEXT NOT NULL DEFAULT '[]',
    recipients_cc     TEXT NOT NULL DEFAULT '[]',
    startdate         DATETIME,
    enddate           DATETIME,
    reminddate        DATETIME,
    location          TEXT NOT NULL DEFAULT '',
    priority          INTEGER NOT NULL DEFAULT 0,
    globalid          TEXT NOT NULL DEFAULT '',
    delegatedto       INTEGER REFERENCES employee (id) ON DELETE SET NULL,
    delegatedby       INTEGER REFERENCES employee (id) ON DELETE SET NULL,
    created_by        INTEGER REFERENCES employee (id) ON DELETE SET NULL,
    importordner      TEXT NOT NULL DEFAULT '',
    groupwarelock     BOOLEAN NOT NULL DEFAULT 0,
    project           TEXT NOT NULL DEFAULT '',
    campaign          TEXT NOT NULL DEFAULT '',
    ticket_id         INTEGER REFERENCES ticket (id) ON DELETE SET NULL,
    mail_config_id    INTEGER REFERENCES mail_config (id) ON DELETE SET NULL,
    unassigned        BOOLEAN NOT NULL DEFAULT 0,
    match_explanation TEXT NOT NULL DEFAULT '[]',
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL
);
create index si_act_impord on activity (lower(importordner));
CREATE INDEX activity_globalid ON activity (globalid);
CREATE INDEX activity_delegatedto ON activity (delegatedto);

CREATE TABLE activity_contact (
    activity_id INTEGER NOT NULL REFERENCES activity (id) ON DELETE CASCADE,
    contact_id  INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
    PRIMARY KEY (activity_id, contact_id)
);
CREATE INDEX activity_contact_contact ON activity_contact (contact_id);

CREATE TABLE activity_partner (
    activity_id INTEGER NOT NULL REFERENCES activity (id) ON DELETE CASCADE,
    partner_id  INTEGER NOT NULL REFERENCES business_partner (id) ON DELETE CASCADE,
    PRIMARY KEY (activity_id, partner_id)
);
CREATE INDEX activity_partner_partner ON activity_partner (partner_id);

CREATE TABLE document (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id  INTEGER NOT NULL REFERENCES activity (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    size         INTEGER NOT NULL DEFAULT 0,
    sha256       TEXT NOT NULL,
    blob_key     TEXT NOT NULL,
    created_at   DATETIME NOT NULL
);
CREATE INDEX document_activity ON document (activity_id);

CREATE TABLE workflow_def (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id          TEXT NOT NULL UNIQUE,
    description          TEXT NOT NULL DEFAULT '',
    file_name            TEXT NOT NULL DEFAULT '',
    data                 BLOB NOT NULL,
    sha256               TEXT NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1,
    standard             BOOLEAN NOT NULL DEFAULT 0,
    active               BOOLEAN NOT NULL DEFAULT 0,
    derived_from         TEXT NOT NULL DEFAULT '',
    derived_from_version INTEGER NOT NULL DEFAULT 0,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL
);

CREATE TABLE timer_task (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL UNIQUE,
    type            TEXT NOT NULL,
    workflow_id     TEXT NOT NULL DEFAULT '',
    run_as          TEXT NOT NULL DEFAULT '',
    every_seconds   INTEGER NOT NULL DEFAULT 0,
    cron            TEXT NOT NULL DEFAULT '',
    start_at        DATETIME,
    end_at          DATETIME,
    active          BOOLEAN NOT NULL DEFAULT 1,
    last_run_id     TEXT NOT NULL DEFAULT '',
    last_outcome    TEXT NOT NULL DEFAULT '',
    last_run_at     DATETIME,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);

CREATE TABLE timer_claim (
    timer        TEXT NOT NULL,
    scheduled_at BIGINT NOT NULL,
    node         TEXT NOT NULL,
    claimed_at   DATETIME NOT NULL,
    PRIMARY KEY (timer, scheduled_at)
);

CREATE TABLE lease (
    key        TEXT PRIMARY KEY,
    node       TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE run (
    id           TEXT PRIMARY KEY,
    workflow_id  TEXT NOT NULL DEFAULT '',
    timer        TEXT NOT NULL DEFAULT '',
    run_as       TEXT NOT NULL DEFAULT '',
    node         TEXT NOT NULL DEFAULT '',
    scheduled_at DATETIME,
    started_at   DATETIME NOT NULL,
    finished_at  DATETIME,
    status       TEXT NOT NULL,
    error        TEXT NOT NULL DEFAULT '',
    record       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX run_started ON run (started_at);
CREATE INDEX run_workflow ON run (workflow_id, started_at);

CREATE TABLE import_ledger (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    mail_config_id      INTEGER NOT NULL,
    mailbox             TEXT NOT NULL,
    uid_validity        BIGINT NOT NULL,
    uid                 BIGINT NOT NULL,
    message_id          TEXT NOT NULL DEFAULT '',
    content_sha256      TEXT NOT NULL DEFAULT '',
    outcome             TEXT NOT NULL,
    error               TEXT NOT NULL DEFAULT '',
    activity_id         INTEGER REFERENCES activity (id) ON DELETE SET NULL,
    related_activity_id INTEGER REFERENCES activity (id) ON DELETE SET NULL,
    raw_blob            TEXT NOT NULL DEFAULT '',
    created_at          DATETIME NOT NULL,
    UNIQUE (mail_config_id, mailbox, uid_validity, uid)
);
CREATE INDEX import_ledger_message ON import_ledger (mail_config_id, message_id);
CREATE INDEX import_ledger_content ON import_ledger (mail_config_id, content_sha256);

CREATE TABLE extended_search (
    pk          TEXT PRIMARY KEY,
    entity      TEXT NOT NULL,
    expr        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
