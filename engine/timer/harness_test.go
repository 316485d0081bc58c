package timer

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

// wait bounds every wait of a test for something the scheduler does.
const wait = 10 * time.Second

// base is a clock reading off every grid used in the tests.
var base = time.Date(2026, 1, 5, 10, 0, 0, 300_000_000, time.UTC)

// at returns 2026-01-05 h:m:s UTC.
func at(h, m, s int) time.Time { return time.Date(2026, 1, 5, h, m, s, 0, time.UTC) }

// memSource is a TaskSource the test edits.
type memSource struct {
	mu    sync.Mutex
	tasks []Task
}

func (m *memSource) set(tasks ...Task) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tasks = append([]Task(nil), tasks...)
}

func (m *memSource) Tasks(context.Context) ([]Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Task(nil), m.tasks...), nil
}

// node is one Scheduler under test with its clock, executor and recorder.
type node struct {
	t      *testing.T
	s      *Scheduler
	clock  *clockwork.FakeClock
	fires  chan Fire
	runs   chan Tick
	reload chan error
	grace  chan struct{}
	// exec, when set, runs inside the executor after the tick was sent on runs.
	exec func(ctx context.Context, t Task, tick Tick) error
}

type nodeOpt struct {
	name    string
	clock   *clockwork.FakeClock
	claimer Claimer
	reload  time.Duration
	grace   time.Duration
	exec    func(ctx context.Context, t Task, tick Tick) error
}

func newNode(t *testing.T, src TaskSource, o nodeOpt) *node {
	t.Helper()
	if o.clock == nil {
		o.clock = clockwork.NewFakeClockAt(base)
	}
	if o.name == "" {
		o.name = "n1"
	}
	if o.reload == 0 {
		o.reload = time.Hour
	}
	if o.claimer == nil {
		o.claimer = NewMemoryClaimer()
	}
	n := &node{t: t, clock: o.clock, fires: make(chan Fire, 1000), runs: make(chan Tick, 1000), reload: make(chan error, 100), grace: make(chan struct{}, 1), exec: o.exec}
	s, err := New(
		WithClock(o.clock),
		WithNode(o.name),
		WithSource(src),
		WithClaimer(o.claimer),
		WithReloadInterval(o.reload),
		WithGracePeriod(o.grace),
		WithLocation(time.UTC),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		WithExecutor(func(ctx context.Context, task Task, tick Tick) error {
			n.runs <- tick
			if n.exec != nil {
				return n.exec(ctx, task, tick)
			}
			return nil
		}),
		WithRecorder(RecorderFunc(func(_ context.Context, f Fire) error {
			n.fires <- f
			return nil
		})),
	)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s.onReload = func(err error) { n.reload <- err }
	s.onGrace = func() { n.grace <- struct{}{} }
	n.s = s
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return n
}

func (n *node) start() {
	n.t.Helper()
	if err := n.s.Start(context.Background()); err != nil {
		n.t.Fatalf("Start: %v", err)
	}
}

// armed waits until the fake clock has at least k timers and tickers.
func (n *node) armed(k int) {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := n.clock.BlockUntilContext(ctx, k); err != nil {
		n.t.Fatalf("waiting for %d timers: %v", k, err)
	}
}

// jobs is the number of jobs registered with gocron.
func (n *node) jobs() int { return len(n.s.gs.Jobs()) }

// advanceTo moves the clock to t.
func (n *node) advanceTo(t time.Time) {
	n.t.Helper()
	d := t.Sub(n.clock.Now())
	if d < 0 {
		n.t.Fatalf("advanceTo %s: clock already at %s", t, n.clock.Now())
	}
	n.clock.Advance(d)
}

// fire returns the next recorded outcome.
func (n *node) fire() Fire {
	n.t.Helper()
	select {
	case f := <-n.fires:
		return f
	case <-time.After(wait):
		n.t.Fatalf("no fire recorded within %s", wait)
		return Fire{}
	}
}

// expect receives the next fire and checks task, outcome and tick.
func (n *node) expect(task string, o Outcome, scheduled time.Time) Fire {
	n.t.Helper()
	f := n.fire()
	if f.Task.Name != task || f.Outcome != o || !f.Tick.ScheduledAt.Equal(scheduled) {
		n.t.Fatalf("fire = %s %s %s (err %v), want %s %s %s", f.Task.Name, f.Outcome, f.Tick.ScheduledAt.Format(time.TimeOnly), f.Err, task, o, scheduled.Format(time.TimeOnly))
	}
	return f
}

// step waits for k timers, moves the clock to w and expects task to run
// for the tick w.
func (n *node) step(k int, task string, w time.Time) Fire {
	n.t.Helper()
	n.armed(k)
	n.advanceTo(w)
	return n.expect(task, OutcomeRan, w)
}

// executions checks how often the executor was called.
func (n *node) executions(want int) {
	n.t.Helper()
	if got := len(n.runs); got != want {
		n.t.Fatalf("%d executions, want %d", got, want)
	}
}

// reloaded waits for one periodic reload.
func (n *node) reloaded() {
	n.t.Helper()
	select {
	case err := <-n.reload:
		if err != nil {
			n.t.Fatalf("reload: %v", err)
		}
	case <-time.After(wait):
		n.t.Fatalf("no reload within %s", wait)
	}
}

// quiet fails when a fire is already waiting.
func (n *node) quiet() {
	n.t.Helper()
	select {
	case f := <-n.fires:
		n.t.Fatalf("unexpected fire %s %s %s", f.Task.Name, f.Outcome, f.Tick.ScheduledAt.Format(time.TimeOnly))
	default:
	}
}

func every10(name string) Task {
	return Task{Name: name, Kind: KindMailAutoImport, Every: 10 * time.Second, Active: true}
}

// shutdown starts Shutdown in the background and waits until its grace
// timer is set; the returned channel yields Shutdown's result.
func (n *node) shutdown(ctx context.Context) <-chan error {
	n.t.Helper()
	stopped := make(chan error, 1)
	go func() { stopped <- n.s.Shutdown(ctx) }()
	recv(n.t, n.grace, "Shutdown's grace timer")
	return stopped
}

// recv receives from c within the test deadline.
func recv[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(wait):
		t.Fatalf("no %s within %s", what, wait)
		var zero T
		return zero
	}
}
