package timer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
)

// Errors of the Scheduler.
var (
	ErrUnknownTask = errors.New("timer: unknown task")
	ErrRunning     = errors.New("timer: previous run still going")
	ErrStopped     = errors.New("timer: scheduler stopped")
	ErrStarted     = errors.New("timer: scheduler already started")
)

// gocronStopTimeout bounds gocron's own wait at shutdown; the Scheduler has
// already waited for its executions by then.
const gocronStopTimeout = 100 * time.Millisecond

// Scheduler fires timer tasks. Create it with New, then Start; Shutdown ends
// it. RunNow, NextRuns and Reload may be used with or without Start.
type Scheduler struct {
	cfg config
	gs  gocron.Scheduler

	runCtx    context.Context // parent of every execution; cancelled after the grace period
	runCancel context.CancelFunc

	reloadMu sync.Mutex // serialises Reload

	mu       sync.Mutex
	entries  map[string]*entry
	gen      uint64 // registrations so far; each job knows its own
	busy     map[string]bool
	started  bool
	looping  bool // the reload loop runs
	stopping bool
	wg       sync.WaitGroup // running executions
	loopStop chan struct{}
	loopDone chan struct{}

	onReload func(error) // test hook, called after each periodic reload
	onGrace  func()      // test hook, called when Shutdown's grace timer is set
}

// entry is the registered state of one task; guarded by Scheduler.mu.
type entry struct {
	task     Task
	sched    schedule   // nil when the task is invalid
	job      gocron.Job // nil when not registered with gocron
	gen      uint64     // registration number; wake-ups of replaced jobs compare it
	expected time.Time  // first tick not served yet
	ended    bool       // invalid, or past End: no more ticks
}

// New returns a Scheduler configured by opts; WithSource and WithExecutor
// are required.
func New(opts ...Option) (*Scheduler, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	s := &Scheduler{
		cfg:      cfg,
		entries:  make(map[string]*entry),
		busy:     make(map[string]bool),
		loopStop: make(chan struct{}),
		loopDone: make(chan struct{}),
	}
	s.runCtx, s.runCancel = context.WithCancel(context.Background())
	s.gs, err = gocron.NewScheduler(
		gocron.WithClock(cfg.clock),
		gocron.WithLocation(cfg.loc),
		gocron.WithStopTimeout(gocronStopTimeout),
	)
	if err != nil {
		s.runCancel()
		return nil, fmt.Errorf("timer: gocron scheduler: %w", err)
	}
	return s, nil
}

// Node returns the name this scheduler claims ticks with.
func (s *Scheduler) Node() string { return s.cfg.node }

// Start loads the tasks, registers them and starts firing; the task list is
// then read again every reload interval until Shutdown. ctx bounds the
// first load only.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	switch {
	case s.stopping:
		s.mu.Unlock()
		return ErrStopped
	case s.started:
		s.mu.Unlock()
		return ErrStarted
	}
	s.started = true
	s.mu.Unlock()
	if err := s.Reload(ctx); err != nil {
		s.mu.Lock()
		s.started = false
		s.mu.Unlock()
		return err
	}
	s.gs.Start()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return ErrStopped
	}
	s.looping = true
	go s.reloadLoop()
	return nil
}

func (s *Scheduler) reloadLoop() {
	defer close(s.loopDone)
	tk := s.cfg.clock.NewTicker(s.cfg.reload)
	defer tk.Stop()
	for {
		select {
		case <-s.loopStop:
			return
		case <-tk.Chan():
			err := s.Reload(s.runCtx)
			if err != nil && !errors.Is(err, ErrStopped) {
				s.cfg.log.Error("timer: reload failed; keeping the current tasks", "node", s.cfg.node, "err", err)
			}
			if s.onReload != nil {
				s.onReload(err)
			}
		}
	}
}

// Reload reads the task list and brings the registered jobs in line: new
// tasks are added, changed ones re-registered, removed or inactive ones
// dropped. Invalid tasks are logged once per change and not scheduled.
func (s *Scheduler) Reload(ctx context.Context) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	tasks, err := s.cfg.source.Tasks(ctx)
	if err != nil {
		return fmt.Errorf("timer: load tasks: %w", err)
	}
	want := make(map[string]Task, len(tasks))
	for _, t := range tasks {
		if !t.Active {
			continue
		}
		if _, dup := want[t.Name]; dup {
			s.cfg.log.Error("timer: duplicate task name; keeping the first", "timer", t.Name)
			continue
		}
		want[t.Name] = t
	}

	var drop []gocron.Job
	var add []Task
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return ErrStopped
	}
	for name, e := range s.entries {
		if _, ok := want[name]; !ok {
			if e.job != nil {
				drop = append(drop, e.job)
			}
			delete(s.entries, name)
		}
	}
	for name, t := range want {
		if e, ok := s.entries[name]; !ok || !e.task.same(t) {
			add = append(add, t)
		}
	}
	s.mu.Unlock()

	for _, j := range drop {
		s.removeJob(j)
	}
	now := s.cfg.clock.Now()
	for _, t := range add {
		s.register(t, now)
	}
	return nil
}

func (s *Scheduler) removeJob(j gocron.Job) {
	if err := s.gs.RemoveJob(j.ID()); err != nil && !errors.Is(err, gocron.ErrJobNotFound) {
		s.cfg.log.Error("timer: remove job", "timer", j.Name(), "err", err)
	}
}

// register (re-)registers t as a gocron job whose first wake-up is its
// first tick.
func (s *Scheduler) register(t Task, now time.Time) {
	sc, err := t.schedule(s.cfg.loc)
	var first time.Time
	if err != nil {
		s.cfg.log.Error("timer: task not scheduled", "timer", t.Name, "err", err)
	} else {
		first = firstTick(sc, t, now)
	}

	s.mu.Lock()
	e := s.entries[t.Name]
	if e == nil {
		e = &entry{}
		s.entries[t.Name] = e
	}
	old := e.job
	s.gen++
	gen := s.gen
	*e = entry{task: t, sched: sc, gen: gen, expected: first}
	e.ended = sc == nil || (!t.End.IsZero() && first.After(t.End))
	ended := e.ended
	s.mu.Unlock()

	if old != nil {
		s.removeJob(old)
	}
	if ended {
		return
	}
	name := t.Name
	job, err := s.gs.NewJob(sc.job(),
		gocron.NewTask(func() { s.wake(name, gen) }),
		gocron.WithName(name),
		gocron.WithStartAt(gocron.WithStartDateTimePast(first)),
	)
	if err != nil {
		s.cfg.log.Error("timer: register job", "timer", name, "err", err)
		return
	}
	s.mu.Lock()
	if cur := s.entries[name]; cur == e && e.gen == gen {
		e.job = job
		job = nil
	}
	s.mu.Unlock()
	if job != nil { // removed or replaced meanwhile
		s.removeJob(job)
	}
}

// take returns the tick a wake-up at now serves, or false when the tick due
// has been served already (a second wake-up for it). Missed ticks collapse
// into the latest one. Called with s.mu held.
func (e *entry) take(now time.Time) (time.Time, bool) {
	lim := now.Add(e.sched.tolerance())
	if e.ended || e.expected.After(lim) {
		return time.Time{}, false
	}
	slot := e.sched.latest(e.expected, lim)
	e.expected = e.sched.next(slot)
	return slot, true
}

// wake is the gocron task of a job: it serves one tick.
func (s *Scheduler) wake(name string, gen uint64) {
	now := s.cfg.clock.Now()
	s.mu.Lock()
	e := s.entries[name]
	if s.stopping || e == nil || e.gen != gen {
		s.mu.Unlock()
		return
	}
	slot, ok := e.take(now)
	if !ok {
		s.mu.Unlock()
		return
	}
	t := e.task
	tick := Tick{ScheduledAt: slot, FiredAt: now, Node: s.cfg.node}
	if !t.End.IsZero() && slot.After(t.End) {
		e.ended = true
		job := e.job
		e.job = nil
		s.mu.Unlock()
		if job != nil {
			s.removeJob(job)
		}
		s.record(Fire{Task: t, Tick: tick, Outcome: OutcomeOutsideWindow})
		return
	}
	if s.busy[name] {
		s.mu.Unlock()
		s.record(Fire{Task: t, Tick: tick, Outcome: OutcomeSkippedRunning})
		return
	}
	s.busy[name] = true
	s.wg.Add(1)
	s.mu.Unlock()

	won, err := s.cfg.claimer.ClaimTick(s.runCtx, name, slot, s.cfg.node)
	switch {
	case err != nil:
		err = fmt.Errorf("timer %q: claim tick %s on node %s: %w", name, slot.Format(time.RFC3339), s.cfg.node, err)
		s.cfg.log.Error("timer: claim failed", "timer", name, "scheduled_at", slot, "err", err)
		s.done(name, Fire{Task: t, Tick: tick, Outcome: OutcomeFailed, Err: err})
	case !won:
		s.done(name, Fire{Task: t, Tick: tick, Outcome: OutcomeClaimedElsewhere})
	default:
		s.done(name, s.execute(s.runCtx, t, tick))
	}
}

// done releases the task's busy flag, then records f: a tick that comes
// after the recorder has been told is never skipped as "still running".
func (s *Scheduler) done(name string, f Fire) {
	s.mu.Lock()
	delete(s.busy, name)
	s.mu.Unlock()
	s.record(f)
	s.wg.Done()
}

// execute runs the executor; the caller holds the task's busy flag.
func (s *Scheduler) execute(ctx context.Context, t Task, tick Tick) Fire {
	start := s.cfg.clock.Now()
	err := s.cfg.exec(ctx, t, tick)
	f := Fire{Task: t, Tick: tick, Outcome: OutcomeRan, Duration: s.cfg.clock.Since(start)}
	if err != nil {
		err = fmt.Errorf("timer %q tick %s: %w", t.Name, tick.ScheduledAt.Format(time.RFC3339), err)
		f.Outcome, f.Err = OutcomeFailed, err
		s.cfg.log.Error("timer: run failed", "timer", t.Name, "scheduled_at", tick.ScheduledAt, "node", tick.Node, "err", err)
	}
	return f
}

func (s *Scheduler) record(f Fire) {
	if err := s.cfg.rec.RecordFire(context.WithoutCancel(s.runCtx), f); err != nil {
		s.cfg.log.Error("timer: record outcome", "timer", f.Task.Name, "outcome", f.Outcome, "err", err)
	}
}

// RunNow runs the named task at once in the calling goroutine, whatever its
// schedule, window or active flag (`wfe timer run NAME`). The tick is marked
// Manual, takes no claim, and its ScheduledAt is the current time. It
// returns ErrRunning when the task is already running on this node, and the
// executor's error otherwise. ctx is cancelled as well when Shutdown's grace
// period ends.
func (s *Scheduler) RunNow(ctx context.Context, name string) error {
	tasks, err := s.cfg.source.Tasks(ctx)
	if err != nil {
		return fmt.Errorf("timer: load tasks: %w", err)
	}
	var t Task
	found := false
	for _, c := range tasks {
		if c.Name == name {
			t, found = c, true
			break
		}
	}
	if !found {
		return fmt.Errorf("%w %q", ErrUnknownTask, name)
	}
	if err := t.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	switch {
	case s.stopping:
		s.mu.Unlock()
		return ErrStopped
	case s.busy[name]:
		s.mu.Unlock()
		return fmt.Errorf("timer %q: %w", name, ErrRunning)
	}
	s.busy[name] = true
	s.wg.Add(1)
	s.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.runCtx, cancel)
	now := s.cfg.clock.Now()
	f := s.execute(ctx, t, Tick{ScheduledAt: now, FiredAt: now, Node: s.cfg.node, Manual: true})
	stop()
	s.done(name, f)
	return f.Err
}

// NextRuns returns the next tick of every scheduled task by name; tasks
// that are invalid or past their End are left out.
func (s *Scheduler) NextRuns() map[string]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]time.Time, len(s.entries))
	for name, e := range s.entries {
		if !e.ended {
			out[name] = e.expected
		}
	}
	return out
}

// Shutdown stops taking new ticks, waits up to the grace period for running
// executions, then cancels their context and waits for them to return (or
// for ctx to end, whose error it then returns). Calling it again is a no-op.
func (s *Scheduler) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return nil
	}
	s.stopping = true
	looping := s.looping
	s.mu.Unlock()

	if looping {
		close(s.loopStop)
		<-s.loopDone
	}
	idle := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(idle)
	}()
	grace := s.cfg.clock.After(s.cfg.grace)
	if s.onGrace != nil {
		s.onGrace()
	}
	var err error
	select {
	case <-idle:
	case <-grace:
		s.runCancel()
		select {
		case <-idle:
		case <-ctx.Done():
			err = fmt.Errorf("timer: executions still running at shutdown: %w", ctx.Err())
		}
	case <-ctx.Done():
		s.runCancel()
		err = fmt.Errorf("timer: executions still running at shutdown: %w", ctx.Err())
	}
	s.runCancel()
	if gerr := s.gs.Shutdown(); gerr != nil && !errors.Is(gerr, gocron.ErrStopJobsTimedOut) {
		err = errors.Join(err, fmt.Errorf("timer: gocron shutdown: %w", gerr))
	}
	return err
}
