package wfecmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/engine/timer"
	"github.com/wfehq/wfe/store"
)

// cronLocation is the time zone cron expressions are read in: WFE_TZ (an
// IANA name such as Europe/Berlin) or the local zone. Every node of one
// database must use the same.
func cronLocation(env *Env, name string) (*time.Location, error) {
	if name == "" {
		name = env.Getenv("WFE_TZ")
	}
	if name == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, usagef("time zone %q: %v", name, err)
	}
	return loc, nil
}

// parseTimerTime reads --start/--end: RFC 3339, or a local date with
// optional time ("2026-01-05", "2026-01-05 08:00", "2026-01-05T08:00").
func parseTimerTime(flagName, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return &t, nil
		}
	}
	return nil, usagef("--%s %q: want RFC 3339 (2026-01-05T08:00:00+01:00) or a local time (2026-01-05 08:00)", flagName, s)
}

// timerStores opens the store for a timer command and makes sure the
// built-in timer exists.
func timerStore(ctx context.Context, env *Env) (*store.Store, error) {
	st, err := env.Store(ctx)
	if err != nil {
		return nil, err
	}
	if err := ensureBuiltinTimers(ctx, st); err != nil {
		return nil, fmt.Errorf("create the built-in timers: %w", err)
	}
	return st, nil
}

// timerProblems says what keeps each timer from running as configured:
// a missing or inactive workflow, a missing run-as employee, an invalid
// schedule. Timers without a problem are absent.
func timerProblems(ctx context.Context, st *store.Store, timers []store.TimerTask, loc *time.Location) (map[string]string, error) {
	defs, err := st.ListWorkflows(ctx)
	if err != nil {
		return nil, err
	}
	active := make(map[string]bool, len(defs))
	for _, d := range defs {
		active[d.WorkflowID] = d.Active
	}
	emps, err := st.ListEmployees(ctx)
	if err != nil {
		return nil, err
	}
	logins := make(map[string]bool, len(emps))
	for _, e := range emps {
		logins[e.Login] = true
	}
	out := map[string]string{}
	for _, t := range timers {
		var ps []string
		if _, err := taskOf(t).Next(time.Now(), loc); err != nil {
			ps = append(ps, err.Error())
		}
		if t.Type == store.TimerWorkflow {
			if on, ok := active[t.WorkflowID]; !ok {
				ps = append(ps, fmt.Sprintf("workflow %s is not installed", t.WorkflowID))
			} else if !on {
				ps = append(ps, fmt.Sprintf("workflow %s is not active", t.WorkflowID))
			}
		}
		if t.RunAs != "" && !logins[t.RunAs] {
			ps = append(ps, fmt.Sprintf("run-as employee %s does not exist", t.RunAs))
		}
		if len(ps) > 0 {
			out[t.Name] = strings.Join(ps, "; ")
		}
	}
	return out, nil
}

// timerView is one row of `wfe timer list` (the CRM documentation's batch-process
// overview: task, type, interval, active, status, last and next run).
type timerView struct {
	Name        string     `json:"name"`
	Type        string     `json:"type"`
	WorkflowID  string     `json:"workflow_id"`
	RunAs       string     `json:"run_as"`
	Schedule    string     `json:"schedule"`
	Every       string     `json:"every"`
	Cron        string     `json:"cron"`
	StartAt     *time.Time `json:"start_at"`
	EndAt       *time.Time `json:"end_at"`
	Active      bool       `json:"active"`
	LastRunID   string     `json:"last_run_id"`
	LastOutcome string     `json:"last_outcome"`
	LastRunAt   *time.Time `json:"last_run_at"`
	LastNode    string     `json:"last_node"`
	NextRun     *time.Time `json:"next_run"`
	Problem     string     `json:"problem"`
}

func scheduleText(t store.TimerTask) string {
	if t.Cron != "" {
		return "cron " + t.Cron
	}
	return "every " + shortDuration(t.Every)
}

// shortDuration prints 10m rather than 10m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func timerViews(ctx context.Context, st *store.Store, loc *time.Location) ([]timerView, error) {
	timers, err := st.ListTimers(ctx)
	if err != nil {
		return nil, err
	}
	problems, err := timerProblems(ctx, st, timers, loc)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	views := make([]timerView, 0, len(timers))
	for _, t := range timers {
		v := timerView{Name: t.Name, Type: t.Type, WorkflowID: t.WorkflowID, RunAs: t.RunAs, Schedule: scheduleText(t),
			Cron: t.Cron, StartAt: t.StartAt, EndAt: t.EndAt, Active: t.Active, LastRunID: t.LastRunID,
			LastOutcome: t.LastOutcome, LastRunAt: t.LastRunAt, Problem: problems[t.Name]}
		if t.Every > 0 {
			v.Every = t.Every.String()
		}
		if t.Active {
			if next, err := taskOf(t).Next(now, loc); err == nil && !next.IsZero() {
				v.NextRun = &next
			}
		}
		if t.LastRunID != "" {
			if r, err := st.GetRun(ctx, t.LastRunID); err == nil {
				v.LastNode = r.Node
			}
		}
		views = append(views, v)
	}
	return views, nil
}

func localTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func init() {
	g := root.Sub("timer", "manage timer tasks (run by 'wfe serve')")
	g.Long = `Timer tasks fire workflows on a schedule or run the built-in
automatic mail import. 'wfe serve' runs them; on several nodes sharing one
PostgreSQL database every scheduled time runs exactly once.`
	g.Add(timerAddCommand(), timerListCommand(), timerSetActiveCommand("enable", true),
		timerSetActiveCommand("disable", false), timerRemoveCommand(), timerRunCommand())
}

// timerAddFlags holds the flags of 'wfe timer add'.
type timerAddFlags struct {
	typ, workflow, as, cron, start, end string
	every                               time.Duration
	inactive                            bool
}

func timerAddCommand() *Command {
	var f timerAddFlags
	return &Command{
		Name:    "add",
		Args:    "NAME",
		Short:   "add a timer task",
		Example: "wfe timer add nightly-import --workflow ImportMails --as anna --cron \"0 2 * * *\"\nwfe timer add import --workflow ImportMails --as anna --every 10m",
		Long: `add creates the timer task NAME. A WORKFLOW timer (the default) fires
TimerWFEvent into the workflow --workflow (default: NAME, as the CRM names a
timer after its WorkFlowID) as the employee --as ("run as"; optional when
exactly one employee exists). The workflow must be installed and active. A
MAIL_AUTO_IMPORT timer imports every mail configuration flagged "import
automatically"; its --as is the fallback delegate.

The schedule is --every D (e.g. 10m, at least 1s; ticks fall on multiples of D
since --start, or since the Unix epoch) or --cron "MIN HOUR DOM MON DOW" (read
in WFE_TZ or the local time zone); --start and --end bound it.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&f.typ, "type", store.TimerWorkflow, "task type: WORKFLOW or MAIL_AUTO_IMPORT")
			fs.StringVar(&f.workflow, "workflow", "", "the WorkFlowID to fire (default: NAME)")
			fs.StringVar(&f.as, "as", "", "run as the employee `LOGIN`")
			f.every = 0
			fs.Var(periodFlag{&f.every}, "every", "period `D`, e.g. 10m (at least 1s)")
			fs.StringVar(&f.cron, "cron", "", "cron expression `EXPR` (5 fields)")
			fs.StringVar(&f.start, "start", "", "first time `T` the timer may fire")
			fs.StringVar(&f.end, "end", "", "last time `T` the timer may fire")
			fs.BoolVar(&f.inactive, "inactive", false, "add the timer disabled")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("add needs exactly one NAME")
			}
			return addTimer(ctx, env, args[0], &f)
		},
	}
}

// addTimer checks the flags of 'wfe timer add', stores the timer task name
// and tells what it runs and when it runs next.
func addTimer(ctx context.Context, env *Env, name string, f *timerAddFlags) error {
	f.typ = strings.ToUpper(f.typ)
	if f.typ != store.TimerWorkflow && f.typ != store.TimerMailAutoImport {
		return usagef("--type %q: want %s or %s", f.typ, store.TimerWorkflow, store.TimerMailAutoImport)
	}
	if (f.every != 0) == (f.cron != "") {
		return usagef("give either --every or --cron")
	}
	if f.typ == store.TimerMailAutoImport && f.workflow != "" {
		return usagef("a %s timer runs no workflow; leave out --workflow", f.typ)
	}
	startAt, err := parseTimerTime("start", f.start)
	if err != nil {
		return err
	}
	endAt, err := parseTimerTime("end", f.end)
	if err != nil {
		return err
	}
	loc, err := cronLocation(env, "")
	if err != nil {
		return err
	}
	st, err := timerStore(ctx, env)
	if err != nil {
		return err
	}
	t := &store.TimerTask{Name: name, Type: f.typ, WorkflowID: f.workflow, Every: f.every, Cron: f.cron,
		StartAt: startAt, EndAt: endAt, Active: !f.inactive}
	if err := resolveTimerTarget(ctx, st, t, f.as); err != nil {
		return err
	}
	next, err := taskOf(*t).Next(time.Now(), loc)
	if err != nil {
		return err
	}
	if err := st.CreateTimer(ctx, t); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("timer %s exists already (remove it first, or choose another name)", t.Name)
		}
		return err
	}
	printTimerAdded(env, t, next, f.inactive)
	return nil
}

// resolveTimerTarget checks that a WORKFLOW timer's workflow (default: the
// timer's name) is installed and active, and resolves the run-as employee
// as (required for a WORKFLOW timer, the fallback delegate otherwise).
func resolveTimerTarget(ctx context.Context, st *store.Store, t *store.TimerTask, as string) error {
	var err error
	if t.Type != store.TimerWorkflow {
		if as != "" {
			t.RunAs, err = resolveRunAs(ctx, st, as)
		}
		return err
	}
	if t.WorkflowID == "" {
		t.WorkflowID = t.Name
	}
	def, err := st.GetWorkflow(ctx, t.WorkflowID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("timer %s: workflow %q is not installed ('wfe workflow list' shows the installed ones)", t.Name, t.WorkflowID)
	}
	if err != nil {
		return err
	}
	if !def.Active {
		return fmt.Errorf("timer %s: workflow %s is not active; activate it with 'wfe workflow activate %s'", t.Name, t.WorkflowID, t.WorkflowID)
	}
	t.RunAs, err = resolveRunAs(ctx, st, as)
	return err
}

// printTimerAdded tells what the added timer t runs, as whom, on which
// schedule, and its next run.
func printTimerAdded(env *Env, t *store.TimerTask, next time.Time, inactive bool) {
	what := "workflow " + t.WorkflowID
	if t.Type == store.TimerMailAutoImport {
		what = "the automatic mail import"
	}
	runAs := ""
	if t.RunAs != "" {
		runAs = " as " + t.RunAs
	}
	fmt.Fprintf(env.Stdout, "timer %s added: %s%s, %s", t.Name, what, runAs, scheduleText(*t))
	switch {
	case inactive:
		fmt.Fprintln(env.Stdout, "; disabled")
	case next.IsZero():
		fmt.Fprintln(env.Stdout, "; no run before its end")
	default:
		fmt.Fprintf(env.Stdout, "; next run %s\n", next.Local().Format("2006-01-02 15:04:05"))
	}
}

func timerListCommand() *Command {
	var asJSON bool
	return &Command{
		Name:    "list",
		Short:   "list timer tasks with their last and next run",
		Example: "wfe timer list --json",
		Long: `list shows every timer task: type, workflow, run-as user, schedule, whether it
is active, its last run (time, outcome, node) and next run. PROBLEM names what
keeps a timer from running as configured (a missing or inactive workflow, a
missing run-as employee). Below the timers, each mail configuration of the
automatic import shows whether it is pushed (watched with IMAP IDLE by
serve, the timer polling as well) or only polled, and why.`,
		Flags: func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "print JSON") },
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("list takes no arguments")
			}
			loc, err := cronLocation(env, "")
			if err != nil {
				return err
			}
			st, err := timerStore(ctx, env)
			if err != nil {
				return err
			}
			views, err := timerViews(ctx, st, loc)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(env.Stdout, views)
			}
			if err := printTimerTable(env.Stdout, views, env.Wide); err != nil {
				return err
			}
			return printMailSources(ctx, env.Stdout, st, env.Wide)
		},
	}
}

// printTimerTable prints the timer listing as a table.
func printTimerTable(w io.Writer, views []timerView, wide bool) error {
	t := newTable("NAME", "TYPE", "WORKFLOW", "RUN AS", "SCHEDULE", "ACTIVE", "LAST RUN", "OUTCOME", "NODE", "NEXT RUN", "PROBLEM").keepWhole("NAME").
		freeText("WORKFLOW", "RUN AS", "SCHEDULE", "OUTCOME", "NODE", "PROBLEM")
	for _, v := range views {
		t.row(v.Name, v.Type, dash(v.WorkflowID), dash(v.RunAs), v.Schedule, yesNo(v.Active), localTime(v.LastRunAt),
			dash(v.LastOutcome), dash(v.LastNode), localTime(v.NextRun), dash(v.Problem))
	}
	return t.print(w, wide)
}

// timerSetActiveCommand is 'wfe timer enable' (on) or 'wfe timer disable'.
func timerSetActiveCommand(name string, on bool) *Command {
	verb := map[bool]string{true: "enabled", false: "disabled"}[on]
	return &Command{
		Name:        name,
		Args:        "NAME",
		Short:       name + " a timer task",
		exampleArgs: "nightly-import",
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("%s needs exactly one NAME", name)
			}
			st, err := timerStore(ctx, env)
			if err != nil {
				return err
			}
			if err := st.SetTimerActive(ctx, args[0], on); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "timer %s %s\n", args[0], verb)
			if on {
				warnTimerProblem(ctx, env, st, args[0])
			}
			return nil
		},
	}
}

func timerRemoveCommand() *Command {
	return &Command{
		Name:    "remove",
		Args:    "NAME",
		Short:   "remove a timer task",
		Example: "wfe timer remove nightly-import",
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("remove needs exactly one NAME")
			}
			if isBuiltinTimer(args[0]) {
				return fmt.Errorf("timer %s is built in and cannot be removed; disable it with 'wfe timer disable %s'", args[0], args[0])
			}
			st, err := timerStore(ctx, env)
			if err != nil {
				return err
			}
			if err := st.DeleteTimer(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "timer %s removed\n", args[0])
			return nil
		},
	}
}

func timerRunCommand() *Command {
	var runJSON bool
	return &Command{
		Name:    "run",
		Args:    "NAME",
		Short:   "run a timer task once, now",
		Example: "wfe timer run nightly-import",
		Long: `run runs the timer task NAME once, now, through the same executor as 'wfe
serve' (also when the timer is disabled), prints the run record and keeps it
in the run history. The exit status is 1 when the run failed, for instance
because the timer's workflow is missing or inactive.`,
		Flags: func(fs *flag.FlagSet) { fs.BoolVar(&runJSON, "json", false, "print the run record as JSON") },
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("run needs exactly one NAME")
			}
			st, err := timerStore(ctx, env)
			if err != nil {
				return err
			}
			return runTimerOnce(ctx, env, st, args[0], runJSON)
		},
	}
}

// warnTimerProblem tells on stderr what keeps the timer name from running.
func warnTimerProblem(ctx context.Context, env *Env, st *store.Store, name string) {
	t, err := st.GetTimer(ctx, name)
	if err != nil {
		return
	}
	loc, err := cronLocation(env, "")
	if err != nil {
		loc = time.Local
	}
	if p, err := timerProblems(ctx, st, []store.TimerTask{*t}, loc); err == nil && p[name] != "" {
		fmt.Fprintf(env.Stderr, "wfe: warning: timer %s will fail: %s\n", name, p[name])
	}
}

// runTimerOnce is `wfe timer run`: RunNow on a scheduler that is not
// started, then the run record it left.
func runTimerOnce(ctx context.Context, env *Env, st *store.Store, name string, asJSON bool) error {
	var runID string
	svc := &timerService{env: env, st: st, node: nodeName(),
		log:   slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		onRun: func(id string) { runID = id }}
	sched, err := svc.newScheduler(time.Local)
	if err != nil {
		return err
	}
	defer sched.Shutdown(context.WithoutCancel(ctx))
	runErr := sched.RunNow(ctx, name)
	if errors.Is(runErr, timer.ErrUnknownTask) {
		return fmt.Errorf("no timer named %q ('wfe timer list' shows them)", name)
	}
	if runID == "" {
		return runErr
	}
	r, err := st.GetRun(context.WithoutCancel(ctx), runID)
	if err != nil {
		return errors.Join(runErr, err)
	}
	if err := printStoredRun(env.Stdout, r, asJSON); err != nil {
		return err
	}
	if runErr != nil {
		return silentError{runErr}
	}
	return nil
}

// printStoredRun prints a run of the history: a workflow run as its run
// record, any other (an automatic import, a run that could not start) as
// its summary.
func printStoredRun(w io.Writer, r *store.Run, asJSON bool) error {
	var rec engine.RunRecord
	isWorkflowRun := json.Unmarshal(r.Record, &rec) == nil && rec.ID != ""
	if asJSON {
		if isWorkflowRun {
			return printJSON(w, &rec)
		}
		return printJSON(w, runViewOf(*r))
	}
	if isWorkflowRun {
		printRunRecord(w, &rec)
		return nil
	}
	what := r.WorkflowID
	if what == "" {
		what = "timer " + r.Timer
	}
	dur := ""
	if r.FinishedAt != nil {
		dur = " in " + r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
	}
	fmt.Fprintf(w, "run %s of %s: %s%s\n", r.ID, what, r.Status, dur)
	var body struct {
		Results []struct {
			Summary string `json:"summary"`
		} `json:"results"`
	}
	if json.Unmarshal(r.Record, &body) == nil {
		for _, res := range body.Results {
			fmt.Fprintf(w, "  %s\n", res.Summary)
		}
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", r.Error)
	}
	return nil
}

// periodFlag is a timer period flag: a Go duration of at least a second.
type periodFlag struct{ d *time.Duration }

// periodFormat says what a period flag accepts.
const periodFormat = "write a number with a unit, such as 90s, 10m or 1h30m (at least 1s)"

func (p periodFlag) String() string {
	if p.d == nil {
		return "0s"
	}
	return p.d.String()
}

func (p periodFlag) Set(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("not a period: %s", periodFormat)
	}
	if d < time.Second {
		return fmt.Errorf("too short a period: %s", periodFormat)
	}
	*p.d = d
	return nil
}

func (p periodFlag) Get() any { return *p.d }
