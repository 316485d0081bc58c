-- Groupware sync (SPEC K): the groupware system of a mail configuration,
-- the groupware account of an employee, the contact fields the default
-- mapping syncs, and the sync engine's rules and state.
ALTER TABLE mail_config ADD COLUMN groupware_url TEXT NOT NULL DEFAULT '';
ALTER TABLE employee ADD COLUMN groupware_config_id INTEGER REFERENCES mail_config (id) ON DELETE SET NULL;
ALTER TABLE contact ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE contact ADD COLUMN mobile_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE contact ADD COLUMN job_title TEXT NOT NULL DEFAULT '';
ALTER TABLE contact ADD COLUMN department TEXT NOT NULL DEFAULT '';
ALTER TABLE contact ADD COLUMN street TEXT NOT NULL DEFAULT '';
ALTER TABLE contact ADD COLUMN city TEXT NOT NULL DEFAULT '';
ALTER TABLE contact ADD COLUMN postal_code TEXT NOT NULL DEFAULT '';
ALTER TABLE contact ADD COLUMN country TEXT NOT NULL DEFAULT '';

-- Employee groups, for rules valid for a group.
CREATE TABLE employee_group_member (
    group_name  TEXT NOT NULL,
    employee_id INTEGER NOT NULL REFERENCES employee (id) ON DELETE CASCADE,
    PRIMARY KEY (group_name, employee_id)
);

CREATE TABLE sync_rule (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT NOT NULL UNIQUE,
    table_name       TEXT NOT NULL,
    scope            TEXT NOT NULL,
    scope_name       TEXT NOT NULL DEFAULT '',
    master           TEXT NOT NULL DEFAULT 'crm',
    folders          TEXT NOT NULL DEFAULT '[]',
    subfolders       BOOLEAN NOT NULL DEFAULT 0,
    new_items_folder TEXT NOT NULL DEFAULT '',
    filter           TEXT NOT NULL DEFAULT '',
    conflict         TEXT NOT NULL DEFAULT 'newest',
    default_partner  TEXT NOT NULL DEFAULT '',
    overwrite        TEXT NOT NULL DEFAULT '',
    gw_create        BOOLEAN NOT NULL DEFAULT 1,
    gw_update        BOOLEAN NOT NULL DEFAULT 1,
    gw_delete        BOOLEAN NOT NULL DEFAULT 0,
    crm_create       BOOLEAN NOT NULL DEFAULT 1,
    crm_update       BOOLEAN NOT NULL DEFAULT 1,
    crm_delete       BOOLEAN NOT NULL DEFAULT 0,
    active           BOOLEAN NOT NULL DEFAULT 1,
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL
);

-- One row per linked pair: both ids and what was last synced.
CREATE TABLE sync_link (
    rule_id      INTEGER NOT NULL REFERENCES sync_rule (id) ON DELETE CASCADE,
    employee_id  INTEGER NOT NULL REFERENCES employee (id) ON DELETE CASCADE,
    crm_id       TEXT NOT NULL,
    groupware_id TEXT NOT NULL,
    folder_id    TEXT NOT NULL DEFAULT '',
    etag         TEXT NOT NULL DEFAULT '',
    synced       TEXT NOT NULL DEFAULT '{}',
    updated_at   DATETIME NOT NULL,
    PRIMARY KEY (rule_id, employee_id, crm_id)
);
CREATE UNIQUE INDEX sync_link_groupware ON sync_link (rule_id, employee_id, groupware_id);

-- Change tokens per folder, and the reference date of the CRM side.
CREATE TABLE sync_token (
    rule_id     INTEGER NOT NULL REFERENCES sync_rule (id) ON DELETE CASCADE,
    employee_id INTEGER NOT NULL REFERENCES employee (id) ON DELETE CASCADE,
    folder_id   TEXT NOT NULL,
    token       TEXT NOT NULL,
    PRIMARY KEY (rule_id, employee_id, folder_id)
);
CREATE TABLE sync_reference (
    rule_id     INTEGER NOT NULL REFERENCES sync_rule (id) ON DELETE CASCADE,
    employee_id INTEGER NOT NULL REFERENCES employee (id) ON DELETE CASCADE,
    ref_date    DATETIME NOT NULL,
    PRIMARY KEY (rule_id, employee_id)
);

-- Records held for a person: conflicts (both versions) and groupware
-- items waiting for a manual import.
CREATE TABLE sync_conflict (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id           INTEGER NOT NULL REFERENCES sync_rule (id) ON DELETE CASCADE,
    employee_id       INTEGER NOT NULL REFERENCES employee (id) ON DELETE CASCADE,
    crm_id            TEXT NOT NULL DEFAULT '',
    groupware_id      TEXT NOT NULL DEFAULT '',
    fields            TEXT NOT NULL DEFAULT '[]',
    crm_version       TEXT NOT NULL DEFAULT '{}',
    groupware_version TEXT NOT NULL DEFAULT '{}',
    reason            TEXT NOT NULL DEFAULT '',
    keep              TEXT NOT NULL DEFAULT '',
    created_at        DATETIME NOT NULL
);
CREATE INDEX sync_conflict_rule ON sync_conflict (rule_id, employee_id);
CREATE TABLE sync_pending (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id      INTEGER NOT NULL REFERENCES sync_rule (id) ON DELETE CASCADE,
    employee_id  INTEGER NOT NULL REFERENCES employee (id) ON DELETE CASCADE,
    groupware_id TEXT NOT NULL,
    folder_id    TEXT NOT NULL DEFAULT '',
    etag         TEXT NOT NULL DEFAULT '',
    crm_carried  TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    fields       TEXT NOT NULL DEFAULT '{}',
    partner_id   INTEGER REFERENCES business_partner (id) ON DELETE SET NULL,
    created_at   DATETIME NOT NULL
);
CREATE UNIQUE INDEX sync_pending_item ON sync_pending (rule_id, employee_id, groupware_id);

-- The field mapping of a table (none: the default mapping).
CREATE TABLE sync_field_map (
    table_name      TEXT NOT NULL,
    groupware_field TEXT NOT NULL,
    crm_field       TEXT NOT NULL,
    PRIMARY KEY (table_name, groupware_field)
);
