package wfecmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/engine/timer"
	"github.com/wfehq/wfe/store"
)

// The built-in timer of the automatic mail import (docs/REQUIREMENTS.md R18).
const (
	builtinAutoImport      = "mail-auto-import"
	builtinAutoImportEvery = 10 * time.Minute
)

// ensureBuiltinTimers creates the built-in timers when they are missing
// (first start of serve, first use of `wfe timer`): MAIL_AUTO_IMPORT
// imports the configurations flagged "import automatically",
// GROUPWARE_SYNC runs the active sync rules; with nothing to do they do
// nothing.
func ensureBuiltinTimers(ctx context.Context, st *store.Store) error {
	for _, t := range []store.TimerTask{
		{Name: builtinAutoImport, Type: store.TimerMailAutoImport, Every: builtinAutoImportEvery, Active: true},
		{Name: builtinGroupwareSync, Type: store.TimerGroupwareSync, Every: builtinGroupwareSyncEvery, Active: true},
	} {
		_, err := st.GetTimer(ctx, t.Name)
		if !errors.Is(err, store.ErrNotFound) {
			if err != nil {
				return err
			}
			continue
		}
		err = st.CreateTimer(ctx, &t)
		if err != nil && !errors.Is(err, store.ErrConflict) { // ErrConflict: another process created it meanwhile
			return err
		}
	}
	return nil
}

// isBuiltinTimer tells the timers wfe creates itself, which can be
// disabled but not removed.
func isBuiltinTimer(name string) bool {
	return name == builtinAutoImport || name == builtinGroupwareSync
}

// taskOf converts a stored timer task for the scheduler. UpdatedAt is left
// out on purpose: the scheduler compares every field anyway, and the store
// keeps updated_at for changes of the definition only.
func taskOf(t store.TimerTask) timer.Task {
	tk := timer.Task{Name: t.Name, Kind: timer.Kind(t.Type), WorkflowID: t.WorkflowID, RunAs: t.RunAs,
		Every: t.Every, Cron: t.Cron, Active: t.Active}
	if t.StartAt != nil {
		tk.Start = *t.StartAt
	}
	if t.EndAt != nil {
		tk.End = *t.EndAt
	}
	return tk
}

// fullReloadEvery bounds how many reloads may answer from the cached task
// list on an unchanged TimerStamp (an update stamped by a node whose clock
// lags would not move the stamp).
const fullReloadEvery = 12

// storeTasks is the scheduler's TaskSource: it reads the whole timer table
// only when its TimerStamp moved, or every fullReloadEvery reads.
type storeTasks struct {
	st *store.Store

	mu     sync.Mutex
	stamp  store.TimerStamp
	tasks  []timer.Task
	cached int // reads answered from the cache since the last full read
}

var _ timer.TaskSource = (*storeTasks)(nil)

// Tasks implements timer.TaskSource.
func (s *storeTasks) Tasks(ctx context.Context) ([]timer.Task, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	stamp, err := s.st.TimerStamp(ctx)
	if err != nil {
		return nil, err
	}
	if s.tasks != nil && stamp == s.stamp && s.cached < fullReloadEvery {
		s.cached++
		return s.tasks, nil
	}
	list, err := s.st.ListTimers(ctx)
	if err != nil {
		return nil, err
	}
	tasks := make([]timer.Task, len(list))
	for i, t := range list {
		tasks[i] = taskOf(t)
	}
	s.stamp, s.tasks, s.cached = stamp, tasks, 0
	return tasks, nil
}

// timerService runs timer tasks for the scheduler: its execute is the
// Executor, its RecordFire the Recorder. Every fire on this node leaves a
// run record (succeeded, failed or skipped); a tick another node claimed
// leaves none here.
type timerService struct {
	env  *Env
	st   *store.Store
	node string
	log  *slog.Logger
	// parallel bounds the configurations imported at a time (0 = default)
	parallel int
	// onRun, when set, is told the id of every run record execute saved.
	onRun func(runID string)

	// executed holds the ticks execute has recorded itself, until
	// RecordFire has seen their outcome.
	executed sync.Map // fireKey -> struct{}
}

var _ timer.Recorder = (*timerService)(nil)

func fireKey(name string, tick timer.Tick) string {
	return fmt.Sprintf("%s\x00%d\x00%t", name, tick.ScheduledAt.UnixNano(), tick.Manual)
}

// execute is the timer.Executor: it runs the task for the tick and saves
// the run record, also when the task could not run at all (a missing or
// inactive workflow is a failed run with the reason, never a silent skip).
func (s *timerService) execute(ctx context.Context, t timer.Task, tick timer.Tick) error {
	s.executed.Store(fireKey(t.Name, tick), struct{}{})
	started := time.Now()
	if s.env != nil && s.env.watch.timerStart != nil {
		s.env.watch.timerStart(ctx, t)
	}
	sched := tick.ScheduledAt
	site := runSite{Node: s.node, ScheduledAt: &sched}
	var (
		r   *store.Run
		err error
	)
	switch t.Kind {
	case timer.KindWorkflow:
		var rec *engine.RunRecord
		rec, err = runWorkflowOn(ctx, s.env, s.st, t.WorkflowID, engine.RunOptions{RunAs: t.RunAs, Trigger: "timer:" + t.Name}, site)
		if rec != nil {
			r = &store.Run{ID: rec.ID, Status: runStatus(rec.Status), StartedAt: rec.StartedAt}
		} else {
			status := store.RunFailed
			if ctx.Err() != nil {
				status = store.RunCancelled
			}
			r = s.newRun(t, tick, started, status, err)
			if serr := s.st.SaveRun(context.WithoutCancel(ctx), r); serr != nil {
				err = errors.Join(err, fmt.Errorf("save run record: %w", serr))
			}
		}
	case timer.KindMailAutoImport:
		r, err = s.autoImport(ctx, t, tick, started)
	case timer.KindGroupwareSync:
		r, err = s.groupwareSync(ctx, t, tick, started)
	default:
		err = fmt.Errorf("timer %q: unknown type %q", t.Name, t.Kind)
		r = s.newRun(t, tick, started, store.RunFailed, err)
		if serr := s.st.SaveRun(context.WithoutCancel(ctx), r); serr != nil {
			err = errors.Join(err, serr)
		}
	}
	if s.onRun != nil {
		s.onRun(r.ID)
	}
	if rerr := s.st.RecordTimerRun(context.WithoutCancel(ctx), t.Name, r.ID, r.Status, r.StartedAt); rerr != nil && !errors.Is(rerr, store.ErrNotFound) {
		s.log.Error("timer: note the last run", "timer", t.Name, "err", rerr)
	}
	attrs := []any{"timer", t.Name, "type", string(t.Kind), "workflow", t.WorkflowID, "run_as", t.RunAs,
		"scheduled_at", sched.Format(time.RFC3339), "run_id", r.ID, "status", r.Status,
		"duration", time.Since(started).Round(time.Millisecond).String()}
	if tick.Manual {
		attrs = append(attrs, "manual", true)
	}
	if err != nil {
		attrs = append(attrs, "err", err.Error())
	}
	s.log.Info("timer run", attrs...) // the scheduler logs failures as errors as well
	return err
}

// newRun is a run record for a fire that ran no workflow.
func (s *timerService) newRun(t timer.Task, tick timer.Tick, started time.Time, status string, err error) *store.Run {
	sched, fin := tick.ScheduledAt, time.Now()
	r := &store.Run{ID: store.NewID(), WorkflowID: t.WorkflowID, Timer: t.Name, RunAs: t.RunAs, Node: s.node,
		ScheduledAt: &sched, StartedAt: started, FinishedAt: &fin, Status: status}
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

// autoImport runs the MAIL_AUTO_IMPORT task: the outbox's due mail, then
// every configuration flagged "import automatically" (SPEC R18, R19).
func (s *timerService) autoImport(ctx context.Context, t timer.Task, tick timer.Tick, started time.Time) (*store.Run, error) {
	sched := tick.ScheduledAt
	deps := mailimport.Deps{Store: s.st, Logger: s.log, Node: s.node}
	out, err := runMailImport(ctx, deps, mailimport.ImportOptions{Parallel: s.parallel},
		importRun{Kind: string(t.Kind), Timer: t.Name, RunAs: t.RunAs, Site: runSite{Node: s.node, ScheduledAt: &sched}})
	r := out.Run
	r.WorkflowID, r.StartedAt = t.WorkflowID, started
	if serr := s.st.SaveRun(context.WithoutCancel(ctx), r); serr != nil {
		err = errors.Join(err, fmt.Errorf("save run record: %w", serr))
	}
	return r, err
}

// RecordFire implements timer.Recorder: it writes the run records of the
// fires execute did not see (a skipped tick, a tick after the timer's end,
// a failed claim).
func (s *timerService) RecordFire(ctx context.Context, f timer.Fire) error {
	t, tick := f.Task, f.Tick
	if _, ok := s.executed.LoadAndDelete(fireKey(t.Name, tick)); ok || f.Outcome == timer.OutcomeRan {
		return nil
	}
	var r *store.Run
	switch f.Outcome {
	case timer.OutcomeClaimedElsewhere:
		s.log.Debug("timer tick claimed elsewhere", "timer", t.Name, "scheduled_at", tick.ScheduledAt.Format(time.RFC3339))
		return nil
	case timer.OutcomeSkippedRunning:
		// Claim the tick, so that it has one record across the nodes: a
		// run on another node would meet the same unfinished work.
		won, err := s.st.ClaimTick(ctx, t.Name, tick.ScheduledAt, s.node)
		if err != nil || !won {
			return err
		}
		r = s.newRun(t, tick, tick.FiredAt, store.RunSkipped,
			fmt.Errorf("skipped: the previous run of timer %s is still going on node %s", t.Name, s.node))
	case timer.OutcomeOutsideWindow:
		r = s.newRun(t, tick, tick.FiredAt, store.RunSkipped,
			fmt.Errorf("skipped: the tick lies after the end of timer %s (%s); the timer stops", t.Name, t.End.Format(time.RFC3339)))
	default: // a failure before execution: the claim
		r = s.newRun(t, tick, tick.FiredAt, store.RunFailed, f.Err)
	}
	s.log.Warn("timer fire", "timer", t.Name, "scheduled_at", tick.ScheduledAt.Format(time.RFC3339),
		"status", r.Status, "reason", r.Error, "run_id", r.ID)
	if err := s.st.SaveRun(ctx, r); err != nil {
		return err
	}
	return s.st.RecordTimerRun(ctx, t.Name, r.ID, r.Status, r.StartedAt)
}

// serialClaimer queues the claims of one process on SQLite. SQLite takes
// one writer at a time; concurrent writers wait in its busy handler, which
// sleeps a millisecond and more per try, so a burst of ticks queues far
// longer than behind a mutex (10,000 tasks, about 780 ticks/s: p99 late
// 2.5s without, 0.17s with; see BenchmarkServeTimers10k).
type serialClaimer struct {
	mu sync.Mutex
	c  timer.Claimer
}

// ClaimTick implements timer.Claimer.
func (q *serialClaimer) ClaimTick(ctx context.Context, name string, at time.Time, node string) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.c.ClaimTick(ctx, name, at, node)
}

// newScheduler builds the store-backed scheduler of this node.
func (s *timerService) newScheduler(loc *time.Location, opts ...timer.Option) (*timer.Scheduler, error) {
	var claimer timer.Claimer = s.st
	if s.st.Dialect() == store.SQLite {
		claimer = &serialClaimer{c: s.st}
	}
	base := []timer.Option{
		timer.WithNode(s.node),
		timer.WithSource(&storeTasks{st: s.st}),
		timer.WithClaimer(claimer),
		timer.WithExecutor(s.execute),
		timer.WithRecorder(s),
		timer.WithLogger(s.log),
		timer.WithLocation(loc),
	}
	return timer.New(append(base, opts...)...)
}
