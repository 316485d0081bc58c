package timer

import (
	"context"
	"sync"
	"time"
)

// TaskSource lists the timer tasks, inactive ones included. The store
// implements it.
type TaskSource interface {
	Tasks(ctx context.Context) ([]Task, error)
}

// TaskSourceFunc adapts a function to TaskSource.
type TaskSourceFunc func(ctx context.Context) ([]Task, error)

// Tasks calls f.
func (f TaskSourceFunc) Tasks(ctx context.Context) ([]Task, error) { return f(ctx) }

// Claimer decides which node runs a tick. ClaimTick returns true for exactly
// one caller per (timer, scheduledAt) across all processes sharing the
// store; the store implements it as an insert under a unique key.
type Claimer interface {
	ClaimTick(ctx context.Context, timer string, scheduledAt time.Time, node string) (bool, error)
}

// Tick is one firing of a task.
type Tick struct {
	ScheduledAt time.Time // the grid point; identical on every node
	FiredAt     time.Time // when this node woke up for it
	Node        string
	Manual      bool // started by RunNow, not by the schedule
}

// Executor runs a task for a tick. ctx is cancelled when the scheduler shuts
// down and the grace period has passed.
type Executor func(ctx context.Context, t Task, tick Tick) error

// Outcome is what became of a tick on this node.
type Outcome string

// Outcomes reported to the Recorder.
const (
	OutcomeRan              Outcome = "ran"               // executed without error
	OutcomeFailed           Outcome = "failed"            // the claim or the execution failed; Fire.Err says why
	OutcomeSkippedRunning   Outcome = "skipped_running"   // the previous run of the task was still going
	OutcomeClaimedElsewhere Outcome = "claimed_elsewhere" // another node (or an earlier wake-up) took the tick
	OutcomeOutsideWindow    Outcome = "outside_window"    // the tick lies after the task's End
)

// Fire reports the outcome of one tick.
type Fire struct {
	Task     Task
	Tick     Tick
	Outcome  Outcome
	Err      error         // OutcomeFailed only
	Duration time.Duration // of the execution, for OutcomeRan and OutcomeFailed
}

// Recorder is told of every tick's outcome, e.g. to keep the "status" and
// "last run" columns of `wfe timer list`. It is called from the goroutine
// that handled the tick; an error is logged and otherwise ignored.
type Recorder interface {
	RecordFire(ctx context.Context, f Fire) error
}

// RecorderFunc adapts a function to Recorder.
type RecorderFunc func(ctx context.Context, f Fire) error

// RecordFire calls f.
func (f RecorderFunc) RecordFire(ctx context.Context, fire Fire) error { return f(ctx, fire) }

// MemoryClaimer is a Claimer for one process (and for tests): several
// Schedulers sharing one MemoryClaimer behave like nodes sharing a database.
// It keeps only the latest claimed tick per timer, so a tick older than one
// already claimed is refused as well.
type MemoryClaimer struct {
	mu     sync.Mutex
	latest map[string]time.Time
}

// NewMemoryClaimer returns an empty MemoryClaimer.
func NewMemoryClaimer() *MemoryClaimer {
	return &MemoryClaimer{latest: make(map[string]time.Time)}
}

// ClaimTick implements Claimer.
func (m *MemoryClaimer) ClaimTick(_ context.Context, timer string, scheduledAt time.Time, _ string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if last, ok := m.latest[timer]; ok && !scheduledAt.After(last) {
		return false, nil
	}
	m.latest[timer] = scheduledAt
	return true, nil
}

var _ Claimer = (*MemoryClaimer)(nil)
