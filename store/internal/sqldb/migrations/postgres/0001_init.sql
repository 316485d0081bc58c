-- wfe schema version 1 (PostgreSQL)

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE setting (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE employee (
    id                    BIGSERIAL PRIMARY KEY,
    login                 TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL DEFAULT '',
    email                 TEXT NOT NULL DEFAULT '',
    groupware_login       TEXT NOT NULL DEFAULT '',
    groupware_password    TEXT NOT NULL DEFAULT '',
    import_internal_mails BOOLEAN NOT NULL DEFAULT FALSE,
    use_import_folder     BOOLEAN NOT NULL DEFAULT FALSE,
    import_folder         TEXT NOT NULL DEFAULT '',
    locked                BOOLEAN NOT NULL DEFAULT FALSE,
    locked_reason         TEXT NOT NULL DEFAULT '',
    locked_at             TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX employee_email ON employee (lower(email));

CREATE TABLE business_partner (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL,
    roles      TEXT NOT NULL DEFAULT '[]',
    fax        TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX business_partner_name ON business_partner (lower(name));

CREATE TABLE contact (
    id         BIGSERIAL PRIMARY KEY,
    partner_id BIGINT NOT NULL REFERENCES business_partner (id) ON DELETE RESTRICT,
    first_name TEXT NOT NULL DEFAULT '',
    last_name  TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL DEFAULT '',
    fax        TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX contact_email ON contact (lower(email));
CREATE INDEX contact_partner ON contact (partner_id);

CREATE TABLE ticket (
    id         BIGSERIAL PRIMARY KEY,
    number     TEXT NOT NULL UNIQUE,
    subject    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE mail_config (
    id                   BIGSERIAL PRIMARY KEY,
    match_code           TEXT NOT NULL,
    user_name            TEXT NOT NULL DEFAULT '',
    password             TEXT NOT NULL DEFAULT '',
    groupware_system     TEXT NOT NULL DEFAULT 'SERVER',
    imap_addr            TEXT NOT NULL DEFAULT '',
    imap_security        TEXT NOT NULL DEFAULT '',
    smtp_addr            TEXT NOT NULL DEFAULT '',
    smtp_security        TEXT NOT NULL DEFAULT '',
    smtp_auth            BOOLEAN NOT NULL DEFAULT FALSE,
    ca_file              TEXT NOT NULL DEFAULT '',
    is_locked            BOOLEAN NOT NULL DEFAULT FALSE,
    auto_import          BOOLEAN NOT NULL DEFAULT FALSE,
    responsible_id       BIGINT REFERENCES employee (id) ON DELETE SET NULL,
    import_folder        TEXT NOT NULL DEFAULT 'CRM/Aktivitäten',
    error_folder         TEXT NOT NULL DEFAULT 'CRM/Fehler',
    groupware_host       TEXT NOT NULL DEFAULT '',
    groupware_port       INTEGER NOT NULL DEFAULT 0,
    calendar_system      TEXT NOT NULL DEFAULT '',
    display_name         TEXT NOT NULL DEFAULT '',
    import_since         TIMESTAMPTZ,
    oauth_tenant_id      TEXT NOT NULL DEFAULT '',
    oauth_client_id      TEXT NOT NULL DEFAULT '',
    oauth_client_secret  TEXT NOT NULL DEFAULT '',
    oauth_auth_url       TEXT NOT NULL DEFAULT '',
    oauth_token_url      TEXT NOT NULL DEFAULT '',
    oauth_scopes         TEXT NOT NULL DEFAULT '',
    oauth_token          TEXT NOT NULL DEFAULT '',
    auto_locked          BOOLEAN NOT NULL DEFAULT FALSE,
    auto_locked_reason   TEXT NOT NULL DEFAULT '',
    auto_locked_at       TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX mail_config_match_code ON mail_config (match_code);

CREATE TABLE activity (
    id                BIGSERIAL PRIMARY KEY,
    acttypekey        TEXT NOT NULL,
    actstatuskey      TEXT NOT NULL DEFAULT '',
    subject           TEXT NOT NULL DEFAULT '',
    text              TEXT NOT NULL DEFAULT '',
    html              TEXT NOT NULL DEFAULT '',
    sender            TEXT NOT NULL DEFAULT '',
    recipients_to     TEXT NOT NULL DEFAULT '[]',
    recipients_cc     TEXT NOT NULL DEFAULT '[]',
    startdate         TIMESTAMPTZ,
    enddate           TIMESTAMPTZ,
    reminddate        TIMESTAMPTZ,
    location          TEXT NOT NULL DEFAULT '',
    priority          INTEGER NOT NULL DEFAULT 0,
    globalid          TEXT NOT NULL DEFAULT '',
    delegatedto       BIGINT REFERENCES employee (id) ON DELETE SET NULL,
    delegatedby       BIGINT REFERENCES employee (id) ON DELETE SET NULL,
    created_by        BIGINT REFERENCES employee (id) ON DELETE SET NULL,
    importordner      TEXT NOT NULL DEFAULT '',
    groupwarelock     BOOLEAN NOT NULL DEFAULT FALSE,
    project           TEXT NOT NULL DEFAULT '',
    campaign          TEXT NOT NULL DEFAULT '',
    ticket_id         BIGINT REFERENCES ticket (id) ON DELETE SET NULL,
    mail_config_id    BIGINT REFERENCES mail_config (id) ON DELETE SET NULL,
    unassigned        BOOLEAN NOT NULL DEFAULT FALSE,
    match_explanation TEXT NOT NULL DEFAULT '[]',
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
create index si_act_impord on activity (lower(importordner));
CREATE INDEX activity_globalid ON activity (globalid);
CREATE INDEX activity_delegatedto ON activity (delegatedto);

CREATE TABLE activity_contact (
    activity_id BIGINT NOT NULL REFERENCES activity (id) ON DELETE CASCADE,
    contact_id  BIGINT NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
    PRIMARY KEY (activity_id, contact_id)
);
CREATE INDEX activity_contact_contact ON activity_contact (contact_id);

CREATE TABLE activity_partner (
    activity_id BIGINT NOT NULL REFERENCES activity (id) ON DELETE CASCADE,
    partner_id  BIGINT NOT NULL REFERENCES business_partner (id) ON DELETE CASCADE,
    PRIMARY KEY (activity_id, partner_id)
);
CREATE INDEX activity_partner_partner ON activity_partner (partner_id);

CREATE TABLE document (
    id           BIGSERIAL PRIMARY KEY,
    activity_id  BIGINT NOT NULL REFERENCES activity (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    size         BIGINT NOT NULL DEFAULT 0,
    sha256       TEXT NOT NULL,
    blob_key     TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX document_activity ON document (activity_id);

CREATE TABLE workflow_def (
    id                   BIGSERIAL PRIMARY KEY,
    workflow_id          TEXT NOT NULL UNIQUE,
    description          TEXT NOT NULL DEFAULT '',
    file_name            TEXT NOT NULL DEFAULT '',
    data                 BYTEA NOT NULL,
    sha256               TEXT NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1,
    standard             BOOLEAN NOT NULL DEFAULT FALSE,
    active               BOOLEAN NOT NULL DEFAULT FALSE,
    derived_from         TEXT NOT NULL DEFAULT '',
    derived_from_version INTEGER NOT NULL DEFAULT 0,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);

CREATE TABLE timer_task (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    type            TEXT NOT NULL,
    workflow_id     TEXT NOT NULL DEFAULT '',
    run_as          TEXT NOT NULL DEFAULT '',
    every_seconds   BIGINT NOT NULL DEFAULT 0,
    cron            TEXT NOT NULL DEFAULT '',
    start_at        TIMESTAMPTZ,
    end_at          TIMESTAMPTZ,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    last_run_id     TEXT NOT NULL DEFAULT '',
    last_outcome    TEXT NOT NULL DEFAULT '',
    last_run_at     TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE timer_claim (
    timer        TEXT NOT NULL,
    scheduled_at BIGINT NOT NULL,
    node         TEXT NOT NULL,
    claimed_at   TIMESTAMPTZ NOT NULL,
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
    scheduled_at TIMESTAMPTZ,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    status       TEXT NOT NULL,
    error        TEXT NOT NULL DEFAULT '',
    record       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX run_started ON run (started_at);
CREATE INDEX run_workflow ON run (workflow_id, started_at);

CREATE TABLE import_ledger (
    id                  BIGSERIAL PRIMARY KEY,
    mail_config_id      BIGINT NOT NULL,
    mailbox             TEXT NOT NULL,
    uid_validity        BIGINT NOT NULL,
    uid                 BIGINT NOT NULL,
    message_id          TEXT NOT NULL DEFAULT '',
    content_sha256      TEXT NOT NULL DEFAULT '',
    outcome             TEXT NOT NULL,
    error               TEXT NOT NULL DEFAULT '',
    activity_id         BIGINT REFERENCES activity (id) ON DELETE SET NULL,
    related_activity_id BIGINT REFERENCES activity (id) ON DELETE SET NULL,
    raw_blob            TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMPTZ NOT NULL,
    UNIQUE (mail_config_id, mailbox, uid_validity, uid)
);
CREATE INDEX import_ledger_message ON import_ledger (mail_config_id, message_id);
CREATE INDEX import_ledger_content ON import_ledger (mail_config_id, content_sha256);

CREATE TABLE extended_search (
    pk          TEXT PRIMARY KEY,
    entity      TEXT NOT NULL,
    expr        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
