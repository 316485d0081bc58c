-- The console's activity search finds a text anywhere in the subject or
-- the sender, case-insensitively, without reading every activity: an FTS5
-- index of the trigrams of both columns (it reads the text from activity
-- itself), kept current by triggers and filled here for the activities
-- that exist. Texts shorter than three characters have no trigram; their
-- search reads activities newest first until a page is full.
CREATE VIRTUAL TABLE activity_search USING fts5 (
    subject, sender,
    content = 'activity', content_rowid = 'id', tokenize = 'trigram'
);

CREATE TRIGGER activity_search_insert AFTER INSERT ON activity BEGIN
    INSERT INTO activity_search (rowid, subject, sender) VALUES (new.id, new.subject, new.sender);
END;

CREATE TRIGGER activity_search_delete AFTER DELETE ON activity BEGIN
    INSERT INTO activity_search (activity_search, rowid, subject, sender) VALUES ('delete', old.id, old.subject, old.sender);
END;

CREATE TRIGGER activity_search_update AFTER UPDATE OF id, subject, sender ON activity BEGIN
    INSERT INTO activity_search (activity_search, rowid, subject, sender) VALUES ('delete', old.id, old.subject, old.sender);
    INSERT INTO activity_search (rowid, subject, sender) VALUES (new.id, new.subject, new.sender);
END;

INSERT INTO activity_search (activity_search) VALUES ('rebuild');
-- The rebuild leaves many small segments that later writes would merge a
-- little at a time (each then costing milliseconds); merge them now.
INSERT INTO activity_search (activity_search) VALUES ('optimize');

-- The activities of one mail configuration, newest first (the console's
-- filter; also what deleting a configuration updates).
CREATE INDEX activity_mail_config ON activity (mail_config_id);
