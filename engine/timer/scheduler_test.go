package timer

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

func TestEveryFiresOnGrid(t *testing.T) {
	src := &memSource{}
	anchored := Task{Name: "anchored", Kind: KindWorkflow, WorkflowID: "WKF_X", RunAs: "bob",
		Every: 7 * time.Second, Start: at(10, 0, 1), Active: true}
	src.set(every10("epoch"), anchored)
	n := newNode(t, src, nodeOpt{})
	n.start()

	// Epoch grid: :10, :20 ...; Start grid: :01, :08, :15, :22 ...
	want := []struct {
		task string
		at   time.Time
	}{
		{"anchored", at(10, 0, 1)},
		{"anchored", at(10, 0, 8)},
		{"epoch", at(10, 0, 10)},
		{"anchored", at(10, 0, 15)},
		{"epoch", at(10, 0, 20)},
		{"anchored", at(10, 0, 22)},
	}
	for _, w := range want {
		n.armed(3)
		n.advanceTo(w.at)
		f := n.expect(w.task, OutcomeRan, w.at)
		tick := recv(t, n.runs, "execution")
		if !tick.ScheduledAt.Equal(w.at) || tick.Node != "n1" || tick.Manual {
			t.Fatalf("executor tick = %+v, want scheduled %s on n1", tick, w.at)
		}
		if f.Task.Name == "anchored" && (f.Task.WorkflowID != "WKF_X" || f.Task.RunAs != "bob") {
			t.Fatalf("executor got task %+v", f.Task)
		}
	}
	n.quiet()
}

func TestLateWakeUpKeepsGridTime(t *testing.T) {
	src := &memSource{}
	src.set(every10("late"))
	n := newNode(t, src, nodeOpt{})
	n.start()
	n.armed(2)
	// The clock jumps 3.5s past the grid point: the tick is still :10.
	n.advanceTo(at(10, 0, 13).Add(500 * time.Millisecond))
	f := n.expect("late", OutcomeRan, at(10, 0, 10))
	if !f.Tick.FiredAt.After(f.Tick.ScheduledAt) {
		t.Fatalf("FiredAt %s not after ScheduledAt %s", f.Tick.FiredAt, f.Tick.ScheduledAt)
	}
	n.step(2, "late", at(10, 0, 20))
}

func TestCronSchedule(t *testing.T) {
	src := &memSource{}
	src.set(Task{Name: "cron", Kind: KindMailAutoImport, Cron: "*/5 * * * *", Active: true})
	clock := clockwork.NewFakeClockAt(at(10, 1, 30))
	n := newNode(t, src, nodeOpt{clock: clock})
	n.start()
	if got := n.s.NextRuns()["cron"]; !got.Equal(at(10, 5, 0)) {
		t.Fatalf("NextRuns = %s, want 10:05", got)
	}
	for _, w := range []time.Time{at(10, 5, 0), at(10, 10, 0), at(10, 15, 0)} {
		n.step(2, "cron", w)
	}
	// An hour of downtime: one run, for the latest slot.
	n.armed(2)
	n.advanceTo(at(11, 17, 0))
	n.expect("cron", OutcomeRan, at(11, 15, 0))
	n.step(2, "cron", at(11, 20, 0))
	n.quiet()
}

func TestStartEndWindow(t *testing.T) {
	src := &memSource{}
	src.set(Task{Name: "win", Kind: KindMailAutoImport, Every: 10 * time.Second,
		Start: at(10, 0, 30), End: at(10, 1, 0), Active: true})
	n := newNode(t, src, nodeOpt{})
	n.start()
	// Nothing before Start: the first tick is Start itself.
	if got := n.s.NextRuns()["win"]; !got.Equal(at(10, 0, 30)) {
		t.Fatalf("NextRuns = %s, want 10:00:30", got)
	}
	for _, w := range []time.Time{at(10, 0, 30), at(10, 0, 40), at(10, 0, 50), at(10, 1, 0)} {
		n.step(2, "win", w)
	}
	n.armed(2)
	n.advanceTo(at(10, 1, 10))
	n.expect("win", OutcomeOutsideWindow, at(10, 1, 10))
	if _, ok := n.s.NextRuns()["win"]; ok {
		t.Fatalf("task past End still in NextRuns")
	}
	if j := n.jobs(); j != 0 {
		t.Fatalf("%d gocron jobs after End, want 0", j)
	}
	n.executions(4)
}

func TestDisableEnableChangeRemoveByReload(t *testing.T) {
	src := &memSource{}
	a := Task{Name: "a", Kind: KindMailAutoImport, Every: time.Minute, Active: true}
	b := Task{Name: "b", Kind: KindMailAutoImport, Every: time.Minute, Active: true}
	src.set(a, b)
	n := newNode(t, src, nodeOpt{})
	n.start()
	reload := func() {
		t.Helper()
		if err := n.s.Reload(context.Background()); err != nil {
			t.Fatalf("Reload: %v", err)
		}
	}

	// Disable a.
	a.Active = false
	src.set(a, b)
	reload()
	if _, ok := n.s.NextRuns()["a"]; ok || n.jobs() != 1 {
		t.Fatalf("disabled task still scheduled: next runs %v, %d jobs", n.s.NextRuns(), n.jobs())
	}
	n.step(2, "b", at(10, 1, 0))

	// Enable a again, and change b to every 30s.
	a.Active = true
	b.Every, b.Version = 30*time.Second, 2
	src.set(a, b)
	reload()
	next := n.s.NextRuns()
	if !next["a"].Equal(at(10, 2, 0)) || !next["b"].Equal(at(10, 1, 30)) || n.jobs() != 2 {
		t.Fatalf("next runs after enable/change = %v, %d jobs", next, n.jobs())
	}
	n.step(3, "b", at(10, 1, 30))

	// Remove b from the source: it stops firing, a goes on.
	src.set(a)
	reload()
	if _, ok := n.s.NextRuns()["b"]; ok || n.jobs() != 1 {
		t.Fatalf("removed task still scheduled: next runs %v, %d jobs", n.s.NextRuns(), n.jobs())
	}
	n.step(2, "a", at(10, 2, 0))
	n.quiet()
	n.executions(3)
}

func TestReloadIntervalPicksUpChanges(t *testing.T) {
	src := &memSource{}
	src.set()
	n := newNode(t, src, nodeOpt{reload: 5 * time.Second})
	n.start()
	if len(n.s.NextRuns()) != 0 {
		t.Fatalf("next runs of an empty source: %v", n.s.NextRuns())
	}
	src.set(every10("late-comer"))
	n.armed(1)
	n.clock.Advance(5 * time.Second)
	n.reloaded()
	if got := n.s.NextRuns()["late-comer"]; !got.Equal(at(10, 0, 10)) {
		t.Fatalf("NextRuns after reload = %v", n.s.NextRuns())
	}
	n.step(2, "late-comer", at(10, 0, 10))
}

func TestSingletonSkipRecorded(t *testing.T) {
	src := &memSource{}
	src.set(every10("slow"))
	release := make(chan struct{})
	var calls atomic.Int32
	n := newNode(t, src, nodeOpt{exec: func(ctx context.Context, _ Task, _ Tick) error {
		if calls.Add(1) == 1 {
			<-release
		}
		return nil
	}})
	n.start()
	n.armed(2)
	n.advanceTo(at(10, 0, 10))
	recv(t, n.runs, "execution") // the first run is going and blocks
	n.armed(2)
	n.advanceTo(at(10, 0, 20))
	n.expect("slow", OutcomeSkippedRunning, at(10, 0, 20))
	close(release)
	n.expect("slow", OutcomeRan, at(10, 0, 10))
	n.step(2, "slow", at(10, 0, 30))
	if c := calls.Load(); c != 2 {
		t.Fatalf("%d executions, want 2", c)
	}
}

func TestRunNowAndScheduleShareSingleton(t *testing.T) {
	src := &memSource{}
	src.set(every10("r"))
	release := make(chan struct{})
	n := newNode(t, src, nodeOpt{exec: func(context.Context, Task, Tick) error {
		<-release
		return nil
	}})
	n.start()

	// A scheduled run holds the task: RunNow refuses.
	n.armed(2)
	n.advanceTo(at(10, 0, 10))
	recv(t, n.runs, "execution")
	if err := n.s.RunNow(context.Background(), "r"); !errors.Is(err, ErrRunning) || !strings.Contains(err.Error(), `"r"`) {
		t.Fatalf("RunNow during a run = %v, want ErrRunning naming the task", err)
	}
	release <- struct{}{}
	n.expect("r", OutcomeRan, at(10, 0, 10))

	// A manual run holds the task: the next tick is skipped.
	manual := make(chan error, 1)
	go func() { manual <- n.s.RunNow(context.Background(), "r") }()
	if tick := recv(t, n.runs, "manual execution"); !tick.Manual {
		t.Fatalf("tick = %+v, want a manual one", tick)
	}
	n.armed(2)
	n.advanceTo(at(10, 0, 20))
	n.expect("r", OutcomeSkippedRunning, at(10, 0, 20))
	release <- struct{}{}
	if err := recv(t, manual, "RunNow result"); err != nil {
		t.Fatalf("RunNow: %v", err)
	}
	if f := n.fire(); f.Outcome != OutcomeRan || !f.Tick.Manual {
		t.Fatalf("manual fire = %+v", f)
	}
	n.executions(0) // both executions were received above
}

func TestNoCatchUpStorm(t *testing.T) {
	src := &memSource{}
	src.set(every10("jump"))
	n := newNode(t, src, nodeOpt{})
	n.start()
	n.step(2, "jump", at(10, 0, 10))
	n.armed(2)
	n.clock.Advance(100 * time.Second) // ten periods at once
	n.expect("jump", OutcomeRan, at(10, 1, 50))
	n.step(2, "jump", at(10, 2, 0))
	n.quiet()
	n.executions(3)
}

func TestNodesShareTicks(t *testing.T) {
	src := &memSource{}
	src.set(every10("shared"), Task{Name: "minute", Kind: KindMailAutoImport, Cron: "* * * * *", Active: true})
	claimer := NewMemoryClaimer()
	// Three nodes whose clocks disagree by up to 450ms.
	skews := []time.Duration{0, 200 * time.Millisecond, -250 * time.Millisecond}
	var nodes []*node
	for i, sk := range skews {
		n := newNode(t, src, nodeOpt{name: string(rune('a' + i)), claimer: claimer, clock: clockwork.NewFakeClockAt(base.Add(sk))})
		n.start()
		nodes = append(nodes, n)
	}
	ticks := []time.Time{at(10, 0, 10), at(10, 0, 20), at(10, 0, 30), at(10, 0, 40), at(10, 0, 50), at(10, 1, 0), at(10, 1, 10)}
	step := 10 * time.Second
	for i, tick := range ticks {
		d := step
		if i == 0 {
			// real time moves to the grid point plus the largest lag, so the
			// slowest clock reaches it too
			d = tick.Sub(base) + 250*time.Millisecond
		}
		for _, n := range nodes {
			n.armed(3)
			// each node reaches the grid point by its own clock, plus its skew
			n.clock.Advance(d)
		}
		wantTasks := []string{"shared"}
		if tick.Second() == 0 {
			wantTasks = append(wantTasks, "minute")
		}
		ran, elsewhere := map[string]int{}, map[string]int{}
		for range len(nodes) * len(wantTasks) {
			var f Fire
			select {
			case f = <-nodes[0].fires:
			case f = <-nodes[1].fires:
			case f = <-nodes[2].fires:
			case <-time.After(wait):
				t.Fatalf("tick %s: missing fires", tick.Format(time.TimeOnly))
			}
			if !f.Tick.ScheduledAt.Equal(tick) {
				t.Fatalf("node %s %s scheduled %s, want %s", f.Tick.Node, f.Task.Name, f.Tick.ScheduledAt, tick)
			}
			switch f.Outcome {
			case OutcomeRan:
				ran[f.Task.Name]++
			case OutcomeClaimedElsewhere:
				elsewhere[f.Task.Name]++
			default:
				t.Fatalf("node %s: outcome %s", f.Tick.Node, f.Outcome)
			}
		}
		for _, task := range wantTasks {
			if ran[task] != 1 || elsewhere[task] != 2 {
				t.Fatalf("tick %s %s: ran %d, claimed elsewhere %d; want 1 and 2", tick.Format(time.TimeOnly), task, ran[task], elsewhere[task])
			}
		}
	}
	total := 0
	for _, n := range nodes {
		total += len(n.runs)
	}
	if want := len(ticks) + 1; total != want {
		t.Fatalf("%d executions across nodes, want %d", total, want)
	}
}
