package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wfehq/wfe/engine"
)

// Reading a parameter the spec does not declare fails the action at once:
// its context ends, the run fails with an error naming the action and the
// parameter, whatever the action returns afterwards, and the process goes on.
func TestUndeclaredParameterRead(t *testing.T) {
	for name, read := range map[string]func(*engine.Call){
		"String": func(c *engine.Call) { _ = c.String("Folderr") },
		"Int":    func(c *engine.Call) { _ = c.Int("Folderr") },
		"Has":    func(c *engine.Call) { _ = c.Has("Folderr") },
		"in goroutine": func(c *engine.Call) {
			done := make(chan struct{})
			go func() { _ = c.Value("Folderr"); close(done) }()
			<-done
		},
	} {
		var ctxErrAfterRead error
		reg := engine.NewRegistry()
		reg.RegisterAction(engine.ActionFunc{
			S: engine.ActionSpec{Name: "TypoAction", Params: []engine.Param{{Name: "Folder", Type: engine.TypeString, Default: "INBOX"}}},
			F: func(ctx context.Context, call *engine.Call) error {
				read(call)
				ctxErrAfterRead = ctx.Err()
				return nil // the action does not notice; the engine does
			}})
		prog := mustCompile(t, wf("Typo", "1|TimerWFEvent|<Actions><Action Name=\"TypoAction\"><ContextToActionMap/></Action></Actions>|"), reg)
		rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{})
		if !errors.Is(err, engine.ErrUndeclaredParam) {
			t.Fatalf("%s: err = %v, want ErrUndeclaredParam", name, err)
		}
		for _, want := range []string{"action TypoAction", `parameter "Folderr"`, `did you mean "Folder"?`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q does not say %q", name, err, want)
			}
		}
		if ctxErrAfterRead == nil {
			t.Errorf("%s: the action's context did not end at the undeclared read", name)
		}
		if rec.Status != engine.StatusFailed || rec.ErrorClass != engine.ClassPermanent {
			t.Errorf("%s: status %s class %s", name, rec.Status, rec.ErrorClass)
		}
		if ar := rec.Steps[0].Actions[0]; ar.Outcome != "failed" || !strings.Contains(ar.Error, "Folderr") {
			t.Errorf("%s: action record %+v", name, ar)
		}
	}
}

// An action that goes on after the undeclared read and returns the ended
// context's error is reported with the misuse, not as a deadline.
func TestUndeclaredParameterReadIsNotADeadline(t *testing.T) {
	reg := engine.NewRegistry()
	reg.RegisterAction(engine.ActionFunc{S: engine.ActionSpec{Name: "WaitAction"}, F: func(ctx context.Context, call *engine.Call) error {
		_ = call.String("Nope")
		<-ctx.Done()
		return ctx.Err()
	}})
	prog := mustCompile(t, wf("Wait", "1|TimerWFEvent|<Actions><Action Name=\"WaitAction\"><ContextToActionMap/></Action></Actions>|"), reg)
	rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{})
	if !errors.Is(err, engine.ErrUndeclaredParam) || errors.Is(err, engine.ErrDeadline) || rec.ErrorClass != engine.ClassPermanent {
		t.Fatalf("err %v class %s", err, rec.ErrorClass)
	}
}
