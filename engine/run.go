package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/wfehq/wfe/errclass"
)

// Defaults for RunOptions.
const (
	DefaultDeadline   = 10 * time.Minute
	DefaultStepBudget = 1000
	// closeTimeout bounds closing work spaces left open at run end.
	closeTimeout = 30 * time.Second
)

// Run statuses.
const (
	StatusOK        = "ok"
	StatusFailed    = "failed"
	StatusSkipped   = "skipped" // no step ran: no start step listens, or conditions did not hold
	StatusCancelled = "cancelled"
)

// Event is what starts a run (a timer's TimerWFEvent, say) or what an
// action raises. Fields feed EventToContextMap.
type Event struct {
	Name   string
	Fields map[string]any
}

// RunRecord is the stored and printed account of one run.
type RunRecord struct {
	ID         string       `json:"id"`
	WorkflowID string       `json:"workflow_id"`
	Trigger    string       `json:"trigger"`
	Event      string       `json:"event"`
	RunAs      string       `json:"run_as"`
	DryRun     bool         `json:"dry_run"`
	StartedAt  time.Time    `json:"started_at"`
	FinishedAt time.Time    `json:"finished_at"`
	Status     string       `json:"status"`
	Error      string       `json:"error,omitempty"`
	ErrorClass ErrorClass   `json:"error_class,omitempty"`
	Steps      []StepRecord `json:"steps"`
	Log        []string     `json:"log,omitempty"`
	Warnings   []string     `json:"warnings,omitempty"`
}

// StepRecord is one executed (or skipped) step of a run.
type StepRecord struct {
	No         int            `json:"no"`
	Event      string         `json:"event"`
	Skipped    bool           `json:"skipped,omitempty"`
	SkipReason string         `json:"skip_reason,omitempty"`
	Actions    []ActionRecord `json:"actions,omitempty"`
}

// ActionRecord is one action call. Secret parameters show as "******".
type ActionRecord struct {
	Name       string            `json:"name"`
	Params     map[string]string `json:"params,omitempty"`
	DurationMS float64           `json:"duration_ms"`
	Outcome    string            `json:"outcome"` // "ok" or "failed"
	Error      string            `json:"error,omitempty"`
	ErrorClass ErrorClass        `json:"error_class,omitempty"`
}

// runState is the mutable state of one run, pooled per program.
type runState struct {
	p       *Program
	rec     *RunRecord
	opts    *RunOptions
	vars    []any
	extra   map[string]any
	reached []bool
	outs    []any
	vals    []any
	has     []bool
	fromLit []*string // per parameter: the literal's record text, when the literal was used
	tainted []bool    // per parameter: the value came from a secret variable or is secret
	secrets secretSet // secret values seen in this run and which variables hold one
	inputs  []any
	queue   []queued
	call    Call
	closed  bool // the engine closed a work space (the clock moved on)
	rc      *runCtx

	misuseMu sync.Mutex
	misuse   error // an undeclared parameter read in the current action call
}

type queued struct {
	step int
	from int // index of the predecessor step, -1 for the starting event
	act  int // index of the raising action in the predecessor
}

func newRunState(p *Program) any {
	return &runState{
		p:       p,
		vars:    make([]any, len(p.varNames)),
		reached: make([]bool, len(p.steps)),
		outs:    make([]any, p.nOutputs),
		vals:    make([]any, p.maxParam),
		has:     make([]bool, p.maxParam),
		fromLit: make([]*string, p.maxParam),
		tainted: make([]bool, p.maxParam),
		secrets: newSecretSet(p),
		inputs:  make([]any, p.maxIn),
		queue:   make([]queued, 0, len(p.steps)),
	}
}

func (st *runState) reset() {
	clear(st.vars)
	clear(st.reached)
	clear(st.outs)
	clear(st.vals)
	clear(st.inputs)
	st.extra = nil
	st.secrets.reset(st.p)
	st.queue = st.queue[:0]
	st.rec = nil
	st.opts = nil
	st.call = Call{}
	st.closed = false
	st.rc = nil
	st.misuse = nil
}

func newRunID() string {
	var b [16]byte
	a, c := rand.Uint64(), rand.Uint64()
	for i := range 8 {
		b[i] = byte(a >> (8 * i))
		b[8+i] = byte(c >> (8 * i))
	}
	const hexd = "0123456789abcdef"
	var out [32]byte
	for i, x := range b {
		out[2*i] = hexd[x>>4]
		out[2*i+1] = hexd[x&15]
	}
	return string(out[:])
}

// Run executes the program for ev. Start steps whose Event@Name is ev.Name
// run first; following steps run breadth-first as the events they listen
// for are raised. The returned record is complete also when err is not
// nil; err is the run's failure (classified, see ClassOf).
func (p *Program) Run(ctx context.Context, ev Event, opts RunOptions) (*RunRecord, error) {
	if opts.SessionID == "" {
		opts.SessionID = opts.RunAs
	}
	rec := &RunRecord{ID: newRunID(), WorkflowID: p.id, Trigger: opts.Trigger, Event: ev.Name, RunAs: opts.RunAs, DryRun: opts.DryRun, StartedAt: time.Now()}
	starts := p.starts[ev.Name]
	if len(starts) == 0 {
		rec.Status = StatusSkipped
		rec.Error = fmt.Sprintf("no start step of workflow %s listens for event %q", p.id, ev.Name)
		rec.FinishedAt = time.Now()
		return rec, nil
	}
	deadline := opts.Deadline
	if deadline <= 0 {
		deadline = DefaultDeadline
	}
	budget := opts.StepBudget
	if budget <= 0 {
		budget = DefaultStepBudget
	}
	rc := newRunCtx(ctx, rec.StartedAt.Add(deadline))
	defer rc.stop()

	st := p.pool.Get().(*runState)
	defer func() {
		st.reset()
		p.pool.Put(st)
	}()
	st.rec = rec
	st.opts = &opts
	st.rc = rc
	st.call.st = st
	rec.Steps = make([]StepRecord, 0, len(p.steps))
	for _, s := range starts {
		st.queue = append(st.queue, queued{step: s, from: -1})
	}
	r := runPass{p: p, st: st, parent: ctx, deadline: deadline, fields: ev.Fields,
		actRecs: make([]ActionRecord, 0, p.nActions), now: rec.StartedAt}
	runErr := r.runSteps(rc, budget)
	st.closeWorkSpaces(ctx)
	runErr = st.finishRecord(ctx, r.now, r.ran, runErr)
	return rec, runErr
}

// runPass is one run of the step queue.
type runPass struct {
	p        *Program
	st       *runState
	parent   context.Context // the caller's context, without the run deadline
	deadline time.Duration
	fields   map[string]any // the starting event's fields
	actRecs  []ActionRecord // the records of every action, capacity for all
	// now is the last clock reading: the run start, then the end of the
	// latest action. Deadline checks and durations share it.
	now time.Time
	ran bool // some step's conditions held
}

// runSteps runs the queued steps breadth-first, queueing the following
// steps of each step whose actions all ran, until the queue is done or a
// step fails.
func (r *runPass) runSteps(ctx context.Context, budget int) error {
	st, p, rec := r.st, r.p, r.st.rec
	executed := 0
	for qi := 0; qi < len(st.queue); qi++ {
		q := st.queue[qi]
		s := &p.steps[q.step]
		if err := st.rc.errAt(r.now); err != nil {
			return st.ctxError(r.parent, r.deadline, s.no)
		}
		if st.reached[q.step] {
			return Permanent(fmt.Errorf("step %d (line %d): %w", s.no, s.line, ErrStepTwice))
		}
		if executed >= budget {
			return Permanent(fmt.Errorf("before step %d: %w (%d steps)", s.no, ErrStepBudget, budget))
		}
		executed++
		st.reached[q.step] = true
		rec.Steps = append(rec.Steps, StepRecord{No: s.no, Event: s.event})
		sr := &rec.Steps[len(rec.Steps)-1]
		r.mapEvent(s, q)
		holds, err := r.checkConditions(ctx, s, sr)
		if err != nil {
			return err
		}
		if !holds {
			continue
		}
		r.ran = true
		if err := r.runActions(ctx, s, sr); err != nil {
			return err
		}
		for _, n := range s.next {
			st.queue = append(st.queue, queued{step: n.step, from: q.step, act: n.action})
		}
	}
	return nil
}

// mapEvent copies the step's EventToContextMap into the context: fields of
// the starting event, or outputs of the action that raised the step's
// event.
func (r *runPass) mapEvent(s *cStep, q queued) {
	st := r.st
	for _, m := range s.toCtx {
		var v any
		if m.out < 0 {
			v = r.fields[m.field]
		} else {
			a := &r.p.steps[q.from].actions[q.act]
			v = st.outs[a.outBase+m.out]
		}
		st.vars[m.slot] = v
		st.setSecret(m.slot, "", false, v)
	}
}

// checkConditions evaluates the step's conditions in order. The first that
// does not hold marks the step skipped; an error from a check fails the
// run (permanently unless it is classified).
func (r *runPass) checkConditions(ctx context.Context, s *cStep, sr *StepRecord) (bool, error) {
	st := r.st
	for ci := range s.conds {
		cc := &s.conds[ci]
		in := st.inputs[:len(cc.inSlots)]
		for k, slot := range cc.inSlots {
			in[k] = st.vars[slot]
		}
		ok, err := cc.check(ctx, in)
		clear(in)
		if err != nil {
			runErr := fmt.Errorf("step %d condition %s: %w", s.no, cc.name, err)
			if ClassOf(err) == ClassUnclassified { // the workflow or its data must change
				runErr = Permanent(runErr)
			}
			return false, runErr
		}
		if !ok {
			sr.Skipped = true
			sr.SkipReason = cc.skipReason
			return false, nil
		}
	}
	return true, nil
}

// runActions runs the step's actions in order, recording each, and stops
// at the first that fails or when the run's context ends.
func (r *runPass) runActions(ctx context.Context, s *cStep, sr *StepRecord) error {
	st := r.st
	first := len(r.actRecs)
	for ai := range s.actions {
		a := &s.actions[ai]
		if err := st.rc.errAt(r.now); err != nil {
			return st.ctxError(r.parent, r.deadline, s.no)
		}
		r.actRecs = append(r.actRecs, ActionRecord{Name: a.name})
		ar := &r.actRecs[len(r.actRecs)-1]
		sr.Actions = r.actRecs[first:len(r.actRecs):len(r.actRecs)]
		var runErr error
		r.now, runErr = st.runAction(ctx, s, a, ar, r.now)
		if runErr != nil {
			if ctx.Err() != nil && !errors.Is(runErr, ErrUndeclaredParam) {
				runErr = st.interrupted(r.parent, r.deadline, runErr)
				ar.ErrorClass = ClassOf(runErr)
			}
			return runErr
		}
	}
	return nil
}

// finishRecord sets the run record's end time and status (failed,
// cancelled, ok or skipped) and removes secrets from it. It returns the
// run's error with secrets removed.
func (st *runState) finishRecord(parent context.Context, now time.Time, ran bool, runErr error) error {
	rec := st.rec
	rec.FinishedAt = now
	if st.closed {
		rec.FinishedAt = time.Now()
	}
	switch {
	case runErr != nil:
		rec.Status = StatusFailed
		if errors.Is(parent.Err(), context.Canceled) {
			rec.Status = StatusCancelled
		}
		runErr = st.redactErr(runErr)
		rec.Error = runErr.Error()
		rec.ErrorClass = ClassOf(runErr)
	case ran:
		rec.Status = StatusOK
	default:
		rec.Status = StatusSkipped
	}
	st.redactRecord(rec)
	return runErr
}

// interrupted explains an action error that came with the end of the
// run's context: a cancelled run, or the run deadline (retryable).
func (st *runState) interrupted(parent context.Context, deadline time.Duration, err error) error {
	if perr := parent.Err(); perr != nil && !errors.Is(perr, context.DeadlineExceeded) {
		return Retryable(fmt.Errorf("run cancelled: %w (%w)", err, perr))
	}
	return Retryable(fmt.Errorf("%w (%s): %w", ErrDeadline, deadline, err))
}

func (st *runState) ctxError(parent context.Context, deadline time.Duration, stepNo int) error {
	if perr := parent.Err(); perr != nil && !errors.Is(perr, context.DeadlineExceeded) {
		return Retryable(fmt.Errorf("run cancelled before step %d: %w", stepNo, perr))
	}
	return Retryable(fmt.Errorf("before step %d: %w (%s): %w", stepNo, ErrDeadline, deadline, context.DeadlineExceeded))
}

// runAction binds the parameters of a, runs it and stores its outputs.
// start is the current time; runAction returns the time the action ended.
func (st *runState) runAction(ctx context.Context, s *cStep, a *cAction, ar *ActionRecord, start time.Time) (time.Time, error) {
	np := len(a.spec.Params)
	vals, has := st.vals[:np], st.has[:np]
	nbound, err := st.bind(a, vals, has)
	if err == nil {
		err = missingParam(a, has)
	}
	if err != nil {
		ar.Outcome = "failed"
		err = Permanent(actionError(s.no, a.name, a.line, err))
		ar.Error, ar.ErrorClass = st.redact(err.Error()), ClassPermanent
		return start, st.redactErr(err)
	}
	if nbound > 0 {
		ar.Params = st.paramRecord(a, vals, has)
	}
	outs := st.outs[a.outBase : a.outBase+len(a.spec.Outputs)]
	c := &st.call
	c.act, c.vals, c.has, c.outs = a, vals, has, outs
	err = safeRun(ctx, a.act, c)
	if misuse := st.takeMisuse(); misuse != nil {
		err = Permanent(misuse) // the action's own result follows from the misuse
	}
	end := time.Now()
	ar.DurationMS = float64(end.Sub(start).Microseconds()) / 1000
	c.act, c.vals, c.has, c.outs = nil, nil, nil, nil
	for oi, slot := range a.outSlots {
		st.vars[slot] = outs[oi]
		st.setSecret(slot, "", a.spec.Outputs[oi].Secret, outs[oi])
	}
	if err != nil {
		ar.Outcome = "failed"
		class := ClassOf(err)
		err = st.redactErr(actionError(s.no, a.name, a.line, err))
		if ClassOf(err) != class { // keep the action's class on the wrapped error
			err = errclass.Mark(class, err)
		}
		ar.Error, ar.ErrorClass = err.Error(), class
		return end, err
	}
	ar.Outcome = "ok"
	return end, nil
}

// bind fills vals and has with the parameter values of a: the context
// variable when it holds a value, else the literal or default. It notes in
// st.fromLit which values came from literals and in st.tainted which came
// from secret context variables.
func (st *runState) bind(a *cAction, vals []any, has []bool) (int, error) {
	np := len(vals)
	clear(vals)
	clear(has)
	fromLit, tainted := st.fromLit[:np], st.tainted[:np]
	clear(fromLit)
	clear(tainted)
	nbound := 0
	for bi := range a.binds {
		b := &a.binds[bi]
		var v any
		if b.slot >= 0 {
			v = st.vars[b.slot]
			if v == nil && st.extra != nil {
				v = st.extra[b.varName]
			}
		}
		if v != nil {
			secretVar := st.isSecretVar(b.slot, b.varName)
			if b.secret || secretVar {
				st.setSecret(b.slot, b.varName, true, v) // a variable fed into a secret parameter holds a secret
				tainted[b.param] = true
			}
		}
		if v != nil && b.typ != nil {
			cv, err := b.typ.Accept(v)
			if err != nil && tainted[b.param] { // the message may quote the value
				err = fmt.Errorf("%w: the value does not fit %s", ErrParamType, b.typ.Name)
			}
			if err != nil {
				return 0, fmt.Errorf("parameter %s from context variable %s: %w", b.name, b.varName, err)
			}
			v = cv
		}
		if v == nil && b.lit != nil {
			v = b.lit
			fromLit[b.param] = &b.litText
			if b.secret {
				st.addSecret(v)
			}
		}
		if b.dryRun && st.opts.DryRun {
			v = true
			fromLit[b.param] = nil
		}
		if b.session {
			if str, _ := v.(string); str == "" {
				v = st.opts.SessionID
				fromLit[b.param] = nil
			}
		}
		if v == nil {
			continue
		}
		vals[b.param] = v
		has[b.param] = true
		nbound++
	}
	return nbound, nil
}

// missingParam names the first required parameter of a without a value.
func missingParam(a *cAction, has []bool) error {
	for i, p := range a.spec.Params {
		if p.Required && !has[i] {
			return fmt.Errorf("%w: %s", ErrMissingParam, p.Name)
		}
	}
	return nil
}

// paramRecord shows the bound parameters of a in its action record;
// secret parameters and values from secret variables show as Redacted.
func (st *runState) paramRecord(a *cAction, vals []any, has []bool) map[string]string {
	out := make(map[string]string, len(vals))
	for i, p := range a.spec.Params {
		if !has[i] {
			continue
		}
		switch {
		case p.Secret || st.tainted[i]:
			out[p.Name] = Redacted
		case st.fromLit[i] != nil:
			out[p.Name] = st.redact(*st.fromLit[i])
		default:
			out[p.Name] = st.redact(render(vals[i]))
		}
	}
	return out
}

// ErrPanic marks an action that panicked; the run fails, the process
// goes on.
var ErrPanic = errors.New("action panicked")

func safeRun(ctx context.Context, a Action, c *Call) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = Permanent(fmt.Errorf("%w: %v", ErrPanic, r))
		}
	}()
	return a.Run(ctx, c)
}

// render shows a parameter value in a record.
func render(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return x.Format(time.RFC3339)
	case WorkSpace:
		return x.WorkSpaceName()
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// closeWorkSpaces closes work spaces still open in the context and records
// a warning for each.
func (st *runState) closeWorkSpaces(parent context.Context) {
	check := func(name string, v any) {
		ws, ok := v.(WorkSpace)
		if !ok || ws.Closed() {
			return
		}
		st.closed = true
		ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), closeTimeout)
		defer cancel()
		if err := ws.Close(ctx); err != nil {
			st.rec.Warnings = append(st.rec.Warnings, fmt.Sprintf("work space %s (%s) was still open at run end; closing it failed: %v", name, ws.WorkSpaceName(), err))
			return
		}
		st.rec.Warnings = append(st.rec.Warnings, fmt.Sprintf("work space %s (%s) was still open at run end; the engine closed it", name, ws.WorkSpaceName()))
	}
	for i, v := range st.vars {
		if v != nil {
			check(st.p.varNames[i], v)
		}
	}
	for _, k := range keys(st.extra) {
		check(k, st.extra[k])
	}
}
