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
// # Adding a table or a protocol
//
// Contacts are implemented now. Appointments, tasks and mail folders plug
// in the same way: define the item type here (an Event with the fields of
// the default mapping, like Contact), add a method to Connector that
// returns a Source[Event] (Events), and implement it per protocol. A CalDAV
// events source lives in groupware/dav beside the CardDAV one and reuses its
// pieces: discovery (principal, then calendar-home-set instead of
// addressbook-home-set), the sync-collection REPORT with its ctag/ETag
// fallback (collection.go; CalDAV's client in go-webdav has no
// SyncCollection, the REPORT there is already written by hand), conditional
// PUT and DELETE, and resource names derived from the CRM id; only the
// iCalendar mapping is new. Under Graph, events have delta only through
// calendarView/delta with a time window, so the events source keeps the
// window in its token. The contract suite in groupware/groupwaretest gains a
// RunEventContract that every events source must pass, as every contacts
// source passes RunContactContract.
package groupware
