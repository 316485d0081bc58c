// Package groupware is the one interface behind which wfe talks to a
// company's groupware: Microsoft Graph (package groupware/graph) and
// CardDAV/CalDAV servers (package groupware/dav). A connector knows one
// protocol and nothing of the CRM; the sync engine plans and applies
// changes through this interface only, so a sync rule reads the same for
// Microsoft 365 and for a CardDAV server.
//
// # Shape
//
// A Connector is one signed-in account (one mailbox or one DAV principal).
// It lists the folders of a table (contacts, appointments, tasks, mail
// folders) and hands out one Source per table. A Source[T] does what a sync
// needs for items of type T:
//
//   - Changes(folder, token): what changed since the token, and the next
//     token. An empty token lists the whole folder (ChangeSet.Full). A token
//     the server no longer knows gives ErrTokenExpired, and the caller then
//     asks again with an empty token and compares everything; ids are
//     stable, so that comparison never creates a second copy of a record.
//     An unchanged folder costs one request on Graph and at most two on
//     CardDAV, whatever its size.
//   - Get(folder, ids): full items, with a per-record error for each id
//     that could not be read (the others are still returned).
//   - Write(folder, writes): creates, updates (with If-Match on the ETag or
//     change key the caller last saw) and deletes, with one WriteResult per
//     write. A failure of one record is reported in its result; only a
//     failure of the whole call (authentication, a vanished folder) is the
//     call's error.
//   - FindByCRMID(folder, crmID): the item that carries this CRM id. Every
//     item a connector creates carries the CRM id (a Graph extended
//     property; on CardDAV the resource name and UID are derived from it),
//     so after a crash between a create and the commit of the sync state,
//     the caller looks the record up instead of creating it again.
//
// Errors are classified as data: ErrAuth (the caller locks the account and
// stops signing in with these credentials), ErrTokenExpired,
// ErrFolderNotFound, ErrNotFound, ErrPreconditionFailed (someone else
// changed or deleted the record since it was read), ErrExists,
// ErrInvalidData (the server refused a property value). Per-record errors
// are *RecordError values that wrap one of these.
//
// # Appointments and tasks
//
// A Connector is also Calendars: Events(w) is the appointments table
// bound to a Window, Tasks() the tasks table. Both carry an Event (Task is
// the same type): the calendar object as canonical fields of package
// groupware/calendar (one record per series, moved and cancelled
// instances inside it; Event.Fields is what the planner compares), with
// the CRM id and, on Graph, the Teams join URL (Event.OnlineMeeting asks
// for one on create). CalDAV selects by time range and follows
// sync-collection; Graph follows calendarView/delta bound to the window
// and To Do's tasks/delta. Tokens carry the window they were made for: a
// token used with another window is ErrTokenExpired, and the caller lists
// again. A full listing holds what overlaps the window; an incremental one
// may also name records outside it, or ids the caller never linked (a
// Graph instance, a CalDAV object of the other component), which the
// caller reads with Get and judges, or ignores. Changes does not fill
// Change.Item for calendars: the caller reads the items with Get. The
// contract suite groupwaretest.RunCalendarContract is what every calendar
// source passes.
//
// # Adding a table or a protocol
//
// Mail folders plug in the same way: define the item type here, add a
// method that returns a Source of it, implement it per protocol and give
// groupwaretest a contract suite for it.
package groupware
