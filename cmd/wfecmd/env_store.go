package wfecmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/schema"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/workflows"
)

// Store opens the database named by --db (WFE_DB) once per command, installs
// or updates the shipped system workflows, and closes it when the command
// ends. A SQLite file that does not exist is refused (a mistyped --db must
// not leave an empty database behind) unless the command creates databases
// (init, demo).
func (e *Env) Store(ctx context.Context) (*store.Store, error) {
	if e.st != nil {
		return e.st, nil
	}
	if err := e.checkDBExists(); err != nil {
		return nil, err
	}
	getenv := e.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	s, err := store.Open(ctx, e.DB, store.WithGetenv(getenv))
	if err != nil {
		return nil, err
	}
	e.st = s
	e.OnClose(func() error {
		e.st = nil
		return s.Close()
	})
	warnings, err := s.InstallSystemWorkflows(ctx, systemWorkflowFiles(), e.validateSystemDefinition)
	if err != nil {
		return nil, fmt.Errorf("install shipped workflows: %w", err)
	}
	for _, w := range warnings {
		fmt.Fprintf(e.Stderr, "wfe: warning: %s\n", w)
	}
	return s, nil
}

// checkDBExists refuses a SQLite path that names no file, unless the
// command may create the database.
func (e *Env) checkDBExists() error {
	if e.createDB || isPostgresDSN(e.DB) || e.DB == "" {
		return nil
	}
	_, err := os.Stat(e.DB)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no database at %s (create one with 'wfe init --db %s')", e.DB, e.DB)
	}
	return nil // other problems are for store.Open to report
}

// isPostgresDSN reports whether dsn names a PostgreSQL database rather than
// a SQLite file.
func isPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func systemWorkflowFiles() []store.WorkflowFile {
	var out []store.WorkflowFile
	for _, f := range workflows.Files() {
		out = append(out, store.WorkflowFile{Name: f.Name, Data: f.Data})
	}
	return out
}

// validateSystemDefinition checks a shipped workflow. It compiles the
// document like compileDefinition; only when this build lacks an action
// the document uses (unknown-action) does a structural check (schema.Parse)
// stand in, so the shipped definitions are stored and exportable even
// before their actions are registered, and fully compiled once they are.
func (e *Env) validateSystemDefinition(name string, data []byte) (store.WorkflowMeta, error) {
	meta, err := e.compileDefinition(name, data)
	var ds schema.Diagnostics
	if err == nil || !errors.As(err, &ds) {
		return meta, err
	}
	for _, d := range ds {
		if d.Code == "unknown-action" {
			return parseDefinition(name, data)
		}
	}
	return meta, err
}

// compileDefinition checks a workflow document before the store keeps it:
// it compiles it against the registry of this build (extensions included),
// so every problem is reported at import time with its position.
func (e *Env) compileDefinition(name string, data []byte) (store.WorkflowMeta, error) {
	reg, err := e.registry()
	if err != nil {
		return store.WorkflowMeta{}, err
	}
	prog, err := engine.CompileBytes(name, data, reg)
	if err != nil {
		return store.WorkflowMeta{}, err
	}
	doc := prog.Doc()
	return store.WorkflowMeta{ID: prog.WorkflowID(), Description: doc.Description}, nil
}

func parseDefinition(name string, data []byte) (store.WorkflowMeta, error) {
	w, err := schema.Parse(name, data)
	if err != nil {
		return store.WorkflowMeta{}, err
	}
	return store.WorkflowMeta{ID: w.WorkFlowID, Description: w.Description}, nil
}
