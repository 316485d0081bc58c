-- Appointments and tasks: a BESPRECHUNG, TERMIN or TASK activity keeps
-- what a calendar event or groupware task holds. startdate/enddate are
-- the instants; time_zone is the IANA zone they were written in (empty:
-- UTC); all_day events keep dates at midnight UTC with an exclusive end.
-- recurrence is the RRULE value as written, exdates the cancelled
-- instances and overrides the moved or changed ones, in the calendar
-- model's notation (groupware/calendar). duedate is a task's due date;
-- a task is done when its status is E.
ALTER TABLE activity ADD COLUMN all_day BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE activity ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE activity ADD COLUMN attendees TEXT NOT NULL DEFAULT '[]';
ALTER TABLE activity ADD COLUMN recurrence TEXT NOT NULL DEFAULT '';
ALTER TABLE activity ADD COLUMN exdates TEXT NOT NULL DEFAULT '';
ALTER TABLE activity ADD COLUMN overrides TEXT NOT NULL DEFAULT '';
ALTER TABLE activity ADD COLUMN ical_uid TEXT NOT NULL DEFAULT '';
ALTER TABLE activity ADD COLUMN teams_join_url TEXT NOT NULL DEFAULT '';
ALTER TABLE activity ADD COLUMN duedate TIMESTAMPTZ;
CREATE INDEX activity_ical_uid ON activity (ical_uid);
CREATE INDEX activity_type_start ON activity (acttypekey, startdate);
