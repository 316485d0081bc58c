-- Calendar rules: the window of an appointments rule, as days around the
-- run ("-30d:+365d"; empty for other tables), and whether meetings
-- created in the CRM ask Microsoft Graph for a Teams link.
ALTER TABLE sync_rule ADD COLUMN sync_window TEXT NOT NULL DEFAULT '';
ALTER TABLE sync_rule ADD COLUMN teams_links BOOLEAN NOT NULL DEFAULT FALSE;
