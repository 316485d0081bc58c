package groupware

import (
	"errors"
	"fmt"
)

// Errors every connector reports, wrapped with context (test with errors.Is).
var (
	// ErrAuth: the server refused the credentials or the OAuth grant. The
	// caller locks the account and must not retry with the same credentials.
	ErrAuth = errors.New("groupware: authentication failed")
	// ErrTokenExpired: the change token is no longer known to the server;
	// list the folder again with an empty token.
	ErrTokenExpired = errors.New("groupware: change token expired")
	// ErrFolderNotFound: the folder is gone (deleted or renamed).
	ErrFolderNotFound = errors.New("groupware: folder not found")
	// ErrNotFound: the record is gone.
	ErrNotFound = errors.New("groupware: record not found")
	// ErrPreconditionFailed: the record changed or was deleted since the
	// ETag or change key the write named was read.
	ErrPreconditionFailed = errors.New("groupware: record changed on the server")
	// ErrExists: a create found a record with this CRM id already there.
	ErrExists = errors.New("groupware: record already exists")
	// ErrInvalidData: the server refused a value (a property error).
	ErrInvalidData = errors.New("groupware: server refused the data")
	// ErrUnsupported: the connector does not (yet) serve this table or
	// field.
	ErrUnsupported = errors.New("groupware: not supported by this connector")
	// ErrServer: the server failed (5xx) and retries did not help.
	ErrServer = errors.New("groupware: server error")
)

// RecordError is the failure of one record in a Get or Write; the other
// records of the call went on.
type RecordError struct {
	ID  string // record id, or the CRM id for a create
	Op  string // "get", "create", "update", "delete"
	Err error
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Op, e.ID, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// WriteError is the *RecordError of a failed write, named by the record's
// id, or by the CRM id for a create.
func WriteError[T any](w Write[T], err error) *RecordError {
	id := w.ID
	if w.Op == OpCreate {
		id = w.CRMID
	}
	return &RecordError{ID: id, Op: w.Op.String(), Err: err}
}
