-- The console's activity search finds a text anywhere in the subject or
-- the sender, case-insensitively (lower(column) LIKE '%text%'). With the
-- pg_trgm extension, trigram GIN indexes on lower(subject) and
-- lower(sender) answer it without reading every activity. The extension is
-- created in schema public when it is missing and the role may create it
-- (it is a trusted extension from PostgreSQL 13 on); when it cannot be
-- created or used the migration goes on without these indexes and the
-- search reads activities newest first until a page is full (an
-- administrator can add the extension and the two indexes later).
DO $$
DECLARE
    trgm_schema text;
BEGIN
    SELECT n.nspname INTO trgm_schema
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_trgm';
    IF trgm_schema IS NULL THEN
        BEGIN
            CREATE EXTENSION pg_trgm SCHEMA public;
            trgm_schema := 'public';
        EXCEPTION WHEN OTHERS THEN
            -- another session may just have created it
            SELECT n.nspname INTO trgm_schema
              FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
             WHERE e.extname = 'pg_trgm';
            RAISE NOTICE 'pg_trgm is not available (%): activity search by subject and sender reads the table', SQLERRM;
        END;
    END IF;
    IF trgm_schema IS NOT NULL THEN
        BEGIN
            EXECUTE format('CREATE INDEX activity_subject_trgm ON activity USING gin (lower(subject) %I.gin_trgm_ops)', trgm_schema);
            EXECUTE format('CREATE INDEX activity_sender_trgm ON activity USING gin (lower(sender) %I.gin_trgm_ops)', trgm_schema);
        EXCEPTION WHEN OTHERS THEN
            -- e.g. no USAGE on the extension's schema
            RAISE NOTICE 'trigram indexes of activity not created (%): activity search by subject and sender reads the table', SQLERRM;
        END;
    END IF;
END
$$;

-- The activities of one mail configuration, newest first (the console's
-- filter; also what deleting a configuration updates).
CREATE INDEX activity_mail_config ON activity (mail_config_id, id);
