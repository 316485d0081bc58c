package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wfehq/wfe/engine"
)

type ctxKey struct{}

// runWith runs a one-action workflow whose action calls f with the run
// context, and returns that context.
func runWith(t *testing.T, parent context.Context, opts engine.RunOptions, f func(ctx context.Context) error) (context.Context, *engine.RunRecord, error) {
	t.Helper()
	var kept context.Context
	reg := engine.NewRegistry()
	reg.RegisterAction(engine.ActionFunc{S: engine.ActionSpec{Name: "KeepAction"}, F: func(ctx context.Context, _ *engine.Call) error {
		kept = ctx
		return f(ctx)
	}})
	prog := mustCompile(t, wf("Keep", "1|TimerWFEvent|<Actions><Action Name=\"KeepAction\"><ContextToActionMap/></Action></Actions>|"), reg)
	rec, err := prog.Run(parent, engine.Event{Name: "TimerWFEvent"}, opts)
	return kept, rec, err
}

// The run context stays a working context.Context after its run: Done is
// closed (no panic, also when the action never asked for Done), Err says
// cancelled, the cause says the run ended, values and deadline still read.
func TestRunContextAfterTheRun(t *testing.T) {
	for _, askedDone := range []bool{false, true} {
		parent := context.WithValue(context.Background(), ctxKey{}, "v")
		ctx, _, err := runWith(t, parent, engine.RunOptions{Deadline: time.Hour}, func(ctx context.Context) error {
			if askedDone {
				_ = ctx.Done()
			}
			if ctx.Err() != nil {
				t.Errorf("run context already ended during the run: %v", ctx.Err())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
		default:
			t.Errorf("askedDone=%v: Done is not closed after the run", askedDone)
		}
		if !errors.Is(ctx.Err(), context.Canceled) {
			t.Errorf("askedDone=%v: Err = %v, want context.Canceled", askedDone, ctx.Err())
		}
		if cause := context.Cause(ctx); cause == nil || cause.Error() != "the run has ended" {
			t.Errorf("askedDone=%v: Cause = %v", askedDone, cause)
		}
		if ctx.Value(ctxKey{}) != "v" {
			t.Errorf("askedDone=%v: Value lost: %v", askedDone, ctx.Value(ctxKey{}))
		}
		if d, ok := ctx.Deadline(); !ok || d.IsZero() {
			t.Errorf("askedDone=%v: Deadline = %v, %v", askedDone, d, ok)
		}
		if parent.Err() != nil {
			t.Error("ending the run cancelled the caller's context")
		}
	}
}

// Cancelling the caller's context reaches an action waiting on Done, and
// the run is recorded as cancelled.
func TestRunContextCancellationPropagates(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	go func() {
		<-started
		cancel()
	}()
	_, rec, err := runWith(t, parent, engine.RunOptions{Deadline: time.Hour}, func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) || rec.Status != engine.StatusCancelled {
		t.Fatalf("err %v, status %s", err, rec.Status)
	}
	if rec.ErrorClass != engine.ClassRetryable {
		t.Errorf("a cancelled run is %q, want retryable", rec.ErrorClass)
	}
}

// The run deadline ends the context the action waits on; the caller's
// context is not touched.
func TestRunContextDeadline(t *testing.T) {
	parent := context.Background()
	_, rec, err := runWith(t, parent, engine.RunOptions{Deadline: time.Millisecond}, func(ctx context.Context) error {
		<-ctx.Done()
		if d, ok := ctx.Deadline(); !ok || time.Now().Before(d) {
			t.Errorf("Done before the deadline %v", d)
		}
		return ctx.Err()
	})
	if !errors.Is(err, engine.ErrDeadline) || rec.Status != engine.StatusFailed || rec.ErrorClass != engine.ClassRetryable {
		t.Fatalf("err %v, status %s, class %s", err, rec.Status, rec.ErrorClass)
	}
}
