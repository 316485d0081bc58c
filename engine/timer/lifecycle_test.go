package timer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestShutdownWaitsForRunningExecution(t *testing.T) {
	src := &memSource{}
	src.set(every10("long"))
	release := make(chan struct{})
	ctxErr := make(chan error, 1)
	n := newNode(t, src, nodeOpt{grace: time.Minute, exec: func(ctx context.Context, _ Task, _ Tick) error {
		<-release
		ctxErr <- ctx.Err()
		return nil
	}})
	n.start()
	n.armed(2)
	n.advanceTo(at(10, 0, 10))
	recv(t, n.runs, "execution")

	stopped := n.shutdown(context.Background())
	select {
	case err := <-stopped:
		t.Fatalf("Shutdown returned %v while an execution was running inside the grace period", err)
	default:
	}
	close(release)
	if err := recv(t, stopped, "Shutdown result"); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := recv(t, ctxErr, "execution end"); err != nil {
		t.Fatalf("execution context cancelled inside the grace period: %v", err)
	}
	n.expect("long", OutcomeRan, at(10, 0, 10))

	// Stopped: no more ticks, no manual runs, no second start.
	if err := n.s.RunNow(context.Background(), "long"); !errors.Is(err, ErrStopped) {
		t.Fatalf("RunNow after Shutdown = %v, want ErrStopped", err)
	}
	if err := n.s.Start(context.Background()); !errors.Is(err, ErrStopped) {
		t.Fatalf("Start after Shutdown = %v, want ErrStopped", err)
	}
	if err := n.s.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
}

func TestShutdownCancelsAfterGrace(t *testing.T) {
	src := &memSource{}
	src.set(every10("stubborn"))
	n := newNode(t, src, nodeOpt{grace: 30 * time.Second, exec: func(ctx context.Context, _ Task, _ Tick) error {
		<-ctx.Done()
		return ctx.Err()
	}})
	n.start()
	n.armed(2)
	n.advanceTo(at(10, 0, 10))
	recv(t, n.runs, "execution")

	stopped := n.shutdown(context.Background())
	n.clock.Advance(30 * time.Second)
	if err := recv(t, stopped, "Shutdown result"); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	f := n.expect("stubborn", OutcomeFailed, at(10, 0, 10))
	if !errors.Is(f.Err, context.Canceled) || !strings.Contains(f.Err.Error(), `timer "stubborn"`) {
		t.Fatalf("failure = %v, want the task name and context.Canceled", f.Err)
	}
}

func TestShutdownContextEndsWait(t *testing.T) {
	src := &memSource{}
	src.set(every10("deaf"))
	release := make(chan struct{})
	defer close(release)
	n := newNode(t, src, nodeOpt{grace: 0, exec: func(context.Context, Task, Tick) error {
		<-release // ignores its context
		return nil
	}})
	n.start()
	n.armed(2)
	n.advanceTo(at(10, 0, 10))
	recv(t, n.runs, "execution")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := n.s.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown with an ended context = %v, want context.Canceled", err)
	}
}

func TestRunNow(t *testing.T) {
	src := &memSource{}
	off := every10("off")
	off.Active = false
	src.set(off, Task{Name: "bad", Kind: "NOPE", Every: time.Minute})
	boom := errors.New("boom")
	n := newNode(t, src, nodeOpt{exec: func(context.Context, Task, Tick) error { return boom }})
	// Without Start, and for an inactive task.
	err := n.s.RunNow(context.Background(), "off")
	if !errors.Is(err, boom) {
		t.Fatalf("RunNow = %v, want the executor's error", err)
	}
	tick := recv(t, n.runs, "execution")
	if !tick.Manual || !tick.ScheduledAt.Equal(base) || tick.Node != "n1" {
		t.Fatalf("manual tick = %+v", tick)
	}
	f := n.fire()
	if f.Outcome != OutcomeFailed || !f.Tick.Manual || !errors.Is(f.Err, boom) {
		t.Fatalf("manual fire = %+v", f)
	}
	if err := n.s.RunNow(context.Background(), "ghost"); !errors.Is(err, ErrUnknownTask) || !strings.Contains(err.Error(), "ghost") {
		t.Fatalf("RunNow(ghost) = %v, want ErrUnknownTask naming it", err)
	}
	if err := n.s.RunNow(context.Background(), "bad"); !errors.Is(err, ErrInvalidTask) {
		t.Fatalf("RunNow(bad) = %v, want ErrInvalidTask", err)
	}
}

// failingClaimer stands for a store that is down.
type failingClaimer struct{}

func (failingClaimer) ClaimTick(context.Context, string, time.Time, string) (bool, error) {
	return false, errors.New("database is down")
}

func TestClaimErrorIsRecordedNotRun(t *testing.T) {
	src := &memSource{}
	src.set(every10("c"))
	n := newNode(t, src, nodeOpt{claimer: failingClaimer{}})
	n.start()
	n.armed(2)
	n.advanceTo(at(10, 0, 10))
	f := n.expect("c", OutcomeFailed, at(10, 0, 10))
	if !strings.Contains(f.Err.Error(), "database is down") || !strings.Contains(f.Err.Error(), `timer "c"`) {
		t.Fatalf("claim failure = %v", f.Err)
	}
	if len(n.runs) != 0 {
		t.Fatalf("executed without a claim")
	}
}

func TestInvalidAndDuplicateTasksAreNotScheduled(t *testing.T) {
	src := &memSource{}
	first := every10("dup")
	second := every10("dup")
	second.Every = time.Minute
	src.set(first, second, Task{Name: "broken", Kind: KindMailAutoImport, Cron: "* * *", Active: true})
	n := newNode(t, src, nodeOpt{})
	n.start()
	next := n.s.NextRuns()
	if len(next) != 1 || !next["dup"].Equal(at(10, 0, 10)) || n.jobs() != 1 {
		t.Fatalf("next runs = %v, %d jobs; want only the first dup", next, n.jobs())
	}
}

func TestMemoryClaimer(t *testing.T) {
	c := NewMemoryClaimer()
	ctx := context.Background()
	claim := func(timer string, at time.Time) bool {
		ok, err := c.ClaimTick(ctx, timer, at, "n")
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !claim("a", at(10, 0, 0)) || claim("a", at(10, 0, 0)) {
		t.Fatal("a tick must be claimed exactly once")
	}
	if !claim("b", at(10, 0, 0)) {
		t.Fatal("claims of different timers are independent")
	}
	if claim("a", at(9, 59, 0)) || !claim("a", at(10, 0, 10)) {
		t.Fatal("older ticks are refused, newer ones claimed")
	}
}

func TestOptionsValidate(t *testing.T) {
	src := TaskSourceFunc(func(context.Context) ([]Task, error) { return nil, nil })
	exec := WithExecutor(func(context.Context, Task, Tick) error { return nil })
	cases := map[string][]Option{
		"no source":       {exec},
		"no executor":     {WithSource(src)},
		"nil source":      {WithSource(nil), exec},
		"empty node":      {WithSource(src), exec, WithNode(" ")},
		"nil clock":       {WithSource(src), exec, WithClock(nil)},
		"zero reload":     {WithSource(src), exec, WithReloadInterval(0)},
		"negative grace":  {WithSource(src), exec, WithGracePeriod(-time.Second)},
		"nil logger":      {WithSource(src), exec, WithLogger(nil)},
		"nil recorder":    {WithSource(src), exec, WithRecorder(nil)},
		"nil claimer":     {WithSource(src), exec, WithClaimer(nil)},
		"nil location":    {WithSource(src), exec, WithLocation(nil)},
		"nil option":      {WithSource(src), exec, nil},
		"nil executor fn": {WithSource(src), WithExecutor(nil)},
	}
	for name, opts := range cases {
		if _, err := New(opts...); !errors.Is(err, ErrOption) {
			t.Errorf("%s: New = %v, want ErrOption", name, err)
		}
	}
	s, err := New(WithSource(src), exec)
	if err != nil {
		t.Fatalf("New with defaults: %v", err)
	}
	if s.Node() == "" {
		t.Fatal("default node name is empty")
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown of an unstarted scheduler: %v", err)
	}
}

func TestStartFailsWhenSourceFails(t *testing.T) {
	src := TaskSourceFunc(func(context.Context) ([]Task, error) { return nil, errors.New("no such table: timer_task") })
	s, err := New(WithSource(src), WithExecutor(func(context.Context, Task, Tick) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	if err := s.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "timer_task") {
		t.Fatalf("Start = %v, want the source's error", err)
	}
}
