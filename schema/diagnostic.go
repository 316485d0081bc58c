package schema

import (
	"fmt"
	"strings"
)

// Diagnostic is one problem found in a workflow document. Error prints
// "file:line:col: message".
type Diagnostic struct {
	File    string
	Line    int
	Col     int
	Path    string // element path, e.g. "WorkFlowMapping/Step[2]/Actions/Action[1]"
	Code    string // stable short code, e.g. "missing-attr", "unknown-action"
	Message string
	Err     error // wrapped cause, if any
}

func (d Diagnostic) Error() string {
	file := d.File
	if file == "" {
		file = "<input>"
	}
	return fmt.Sprintf("%s:%d:%d: %s", file, d.Line, d.Col, d.Message)
}

func (d Diagnostic) Unwrap() error { return d.Err }

// Diagnostics is every problem of a document, in document order. It
// implements error; use Err to get nil for an empty list.
type Diagnostics []Diagnostic

func (ds Diagnostics) Error() string {
	var b strings.Builder
	for i, d := range ds {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.Error())
	}
	return b.String()
}

// Err returns ds as an error, or nil when there are no diagnostics.
func (ds Diagnostics) Err() error {
	if len(ds) == 0 {
		return nil
	}
	return ds
}
