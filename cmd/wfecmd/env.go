package wfecmd

import (
	"context"
	"errors"
	"io"

	"github.com/wfehq/wfe/engine/timer"
	"github.com/wfehq/wfe/store"
)

// Env is what a command sees: its streams, global options and helpers.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// DB is the global --db value (SQLite path or postgres:// URL).
	DB string
	// Wide is the global --wide: listings print whole values instead of
	// fitting 100 columns.
	Wide bool
	// Getenv reads the environment (replaceable in tests).
	Getenv func(string) string
	// Extensions add actions, conditions and data types to every registry
	// the command builds.
	Extensions []Extension
	// closers run when the command ends (open stores, servers).
	closers []func() error
	// st is the store Store opened for this command, until it ends.
	st *store.Store
	// createDB lets Store create a SQLite file that does not exist yet
	// (init, demo); every other command refuses a missing file.
	createDB bool
	// watch lets the caller of Execute follow a long-running command.
	watch watchers
}

// watchers are told about moments inside long-running commands, so that
// whoever started the command (a test, an embedding program) can wait for
// them instead of guessing with sleeps. Each one may be nil.
type watchers struct {
	// serveReady is called once serve's scheduler runs.
	serveReady func(node string)
	// timerStart is called at the start of every timer execution, in the
	// execution's goroutine; it may hold the run by blocking.
	timerStart func(ctx context.Context, t timer.Task)
}

// OnClose registers f to run when the command ends.
func (e *Env) OnClose(f func() error) { e.closers = append(e.closers, f) }

func (e *Env) close() error {
	var errs []error
	for i := len(e.closers) - 1; i >= 0; i-- {
		if err := e.closers[i](); err != nil {
			errs = append(errs, err)
		}
	}
	e.closers = nil
	return errors.Join(errs...)
}
