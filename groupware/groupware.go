package groupware

import (
	"context"
	"fmt"
	"strings"
)

// Table names a kind of groupware data a sync rule covers.
type Table string

// The four tables of a sync rule.
const (
	TableContacts     Table = "contacts"
	TableAppointments Table = "appointments"
	TableTasks        Table = "tasks"
	TableMail         Table = "email"
)

// Folder is one folder (Graph) or collection (DAV) of a table.
type Folder struct {
	// ID is the connector's own handle: a Graph folder id ("" for the
	// default contacts folder) or a DAV collection path.
	ID string
	// Path is the display-name path, parts joined by "/": "Kunden/VIP".
	// The default folder's path is its display name.
	Path string
	// Name is the folder's own display name (the last part of Path).
	Name  string
	Table Table
}

// Connector is one signed-in account on one groupware system.
type Connector interface {
	// Folders lists the folders of a table, subfolders included.
	Folders(ctx context.Context, table Table) ([]Folder, error)
	// Contacts is the contacts table.
	Contacts() Source[Contact]
	// Calendars holds the appointments and tasks tables.
	Calendars
}

// Calendars is the appointments and tasks tables of a Connector.
type Calendars interface {
	// Events is the appointments table bound to a window: a full listing
	// holds the events that overlap it, and a token made for another
	// window is refused with ErrTokenExpired (list again). Get, Write and
	// FindByCRMID work on any event of the folder, inside the window or
	// not.
	Events(w Window) Source[Event]
	// Tasks is the tasks table (VTODO, Microsoft To Do); tasks have no
	// window.
	Tasks() Source[Task]
}

// Source reads and writes the items of one table.
type Source[T any] interface {
	Changes(ctx context.Context, folder Folder, token string) (*ChangeSet[T], error)
	Get(ctx context.Context, folder Folder, ids []string) ([]Result[T], error)
	Write(ctx context.Context, folder Folder, writes []Write[T]) ([]WriteResult, error)
	FindByCRMID(ctx context.Context, folder Folder, crmID string) (*T, error)
}

// Batcher is implemented by a Source that sends several writes in one
// request to its server: a Write of up to BatchLimit writes costs one
// request, and each write still gets a result of its own. A Source
// without it (CardDAV) sends one request per write, so callers give it
// one write at a time and run several side by side.
type Batcher interface {
	BatchLimit() int
}

// ChangeSet is what changed in a folder since a token.
type ChangeSet[T any] struct {
	// Changed holds created or changed items. Item is set when the server
	// delivered the item with the change (Graph); otherwise the caller
	// reads it with Get (DAV).
	Changed []Change[T]
	// Deleted holds the ids of removed items.
	Deleted []string
	// Token is handed to the next Changes call. Store it only after the
	// changes have been applied, so a failed run is repeated.
	Token string
	// Full is true when Changed lists every item of the folder (an empty
	// token, or a server without change tracking): items the caller knows
	// that are missing here were deleted.
	Full bool
}

// Change is one created or changed item.
type Change[T any] struct {
	ID   string
	ETag string
	Item *T
}

// Result is one item read by Get, or why it could not be read.
type Result[T any] struct {
	ID   string
	Item *T
	Err  error
}

// Op is the kind of a write.
type Op int

// The writes a Source takes.
const (
	OpCreate Op = iota + 1
	OpUpdate
	OpDelete
)

func (o Op) String() string {
	switch o {
	case OpCreate:
		return "create"
	case OpUpdate:
		return "update"
	case OpDelete:
		return "delete"
	}
	return fmt.Sprintf("op(%d)", int(o))
}

// Write is one create, update or delete.
type Write[T any] struct {
	Op Op
	// ID and ETag name the record to update or delete; the write is
	// refused with ErrPreconditionFailed when the record's ETag (change
	// key on Graph) is no longer ETag. An empty ETag writes unconditionally.
	ID   string
	ETag string
	// CRMID is required for a create: it is stored with the new record.
	// The event sources also store it with an update that names one
	// (a record another client made, linked by the first run).
	CRMID string
	Item  *T
}

// WriteResult is the outcome of one Write, in the order of the writes.
type WriteResult struct {
	ID   string
	ETag string
	Err  error
}

// FolderByPath finds the folder with the display-name path p, compared
// without regard to case as Exchange and most DAV servers do.
func FolderByPath(folders []Folder, p string) (Folder, error) {
	want := strings.Trim(p, "/")
	for _, f := range folders {
		if strings.EqualFold(f.Path, want) {
			return f, nil
		}
	}
	return Folder{}, fmt.Errorf("folder %q: %w", p, ErrFolderNotFound)
}
