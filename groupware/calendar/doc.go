// Package calendar is wfe's model of appointments, meetings and tasks as
// the groupware sync sees them, with conversions to and from iCalendar
// (CalDAV, through github.com/emersion/go-ical) and Microsoft Graph event
// and To Do task JSON, and the expansion of recurring series.
//
// # How the sync engine uses it
//
// The planner compares records as maps of canonical fields, whatever the
// table. A connector reads a calendar object (a CalDAV resource, or a
// Graph event with its exceptions) into a Series with FromICal or
// FromGraphEvent, and hands the planner Series.Fields(): one record per
// series, so that a moved or cancelled instance is a change of the series,
// as it is on a CalDAV server. The CRM side builds the same fields from an
// activity (BESPRECHUNG, TERMIN or task). To write, the applier turns the
// planned fields back into a Series with SeriesFromFields and writes it
// with EncodeICS or ToGraphEvent (ToTodoTask and FromTodoTask for
// Microsoft To Do). Occurrences lists the instances of a series in a time
// range, for the CRM's views and for matching.
//
// Nothing read is dropped. What cannot be read exactly is kept and noted
// in the problems field, which the engine shows in its preview and run
// records and leaves out of comparisons: a zone the zone database lacks,
// a VTIMEZONE that disagrees with it, bytes that are not UTF-8. A rule the
// RRULE library rejects is kept as text and marked unexpandable;
// Occurrences then returns ErrUnexpandable with the first instance only.
// A rule Graph's patterns cannot express gives ErrNotRepresentable from
// ToGraphEvent: the engine keeps that series where it is and reports it
// rather than writing it without its rule.
//
// # Fields
//
// An Item holds these fields; an absent field and an empty one mean the
// same, and a flag is "true" or absent.
//
//	kind           "event" or "task"
//	uid            iCalendar UID (Graph: iCalUId)
//	subject        SUMMARY / Graph subject / To Do title
//	body           DESCRIPTION / Graph body content, plain text
//	location       LOCATION / Graph location.displayName
//	start, end     When values (below); end is exclusive: an all-day event
//	               on 24 and 25 October has start 2026-10-24, end 2026-10-26
//	all_day        "true" when start and end are dates
//	organizer      e-mail address
//	attendees      JSON array of {"email","name","role","status"}, sorted by
//	               e-mail address (lower case); role is required, optional
//	               or resource; status is accepted, declined, tentative or
//	               needs-action; names are kept in UTF-8 as written
//	recurrence     the RRULE value as written, without "RRULE:"
//	exdates        cancelled instances: When values of their original
//	               starts, comma-separated, sorted
//	recurrence_id  on an override: the original start of the instance it
//	               replaces (When)
//	status         events: confirmed, tentative, cancelled (a cancelled
//	               master cancels the whole series); tasks: needs-action,
//	               in-process, completed, cancelled
//	due            tasks: When
//	done           tasks: "true" when completed
//	completed      tasks: when it was completed, UTC RFC 3339
//	priority       1 (highest) to 9 (lowest) as in iCalendar; Graph's
//	               importance high, normal, low is 1, 5, 9
//	unexpandable   "true" when the recurrence rule could not be read: the
//	               rule is kept as text and the series is not expanded
//	problems       notes on values read as something else (an unknown
//	               zone, a VTIMEZONE that disagrees with the zone database),
//	               one per line; informational, not a synced value
//	zone_data      the VTIMEZONE components of zones the zone database does
//	               not know, as iCalendar text, written back unchanged
//	overrides      in Series.Fields only: JSON array of the override items
//	               (moved or changed instances), sorted by recurrence_id
//
// # Time values
//
// A When is written as RFC 3339 with the zone name kept, in the form of
// RFC 9557:
//
//	2026-10-25                                all-day date
//	2026-10-25T10:00:00                       floating (no zone)
//	2026-10-25T09:00:00Z                      UTC
//	2026-10-25T10:00:00+01:00[Europe/Berlin]  wall-clock time in an IANA zone
//	2026-10-25T10:00:00Z[Custom Zone]         a zone the zone database does
//	                                          not know: kept as written, the
//	                                          wall-clock time read as UTC
//
// Zone names are IANA names. A Windows zone name (Graph, Outlook's TZID)
// is mapped through package wintz on the way in and out.
package calendar
