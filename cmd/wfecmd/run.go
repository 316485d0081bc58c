package wfecmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// TimerEvent is the event a timer (and `wfe run`) fires into a workflow.
const TimerEvent = "TimerWFEvent"

// ErrWorkflowInactive: the definition exists but is not active.
var ErrWorkflowInactive = errors.New("workflow is not active")

// runWorkflow is the one way wfe runs a workflow (`wfe run`, the timers of
// `wfe serve`, `wfe demo`): it loads the ACTIVE definition of workflowID,
// compiles it with the full registry wired to st, fires TimerWFEvent,
// saves the run record in the run history (node = hostname:pid; a dry run
// is not saved, as it changes nothing) and returns it. The record is
// returned also when the run failed; the error is then the run's failure.
// Loading or compiling problems return a nil record.
func runWorkflow(ctx context.Context, env *Env, st *store.Store, workflowID string, opts engine.RunOptions) (*engine.RunRecord, error) {
	return runWorkflowOn(ctx, env, st, workflowID, opts, runSite{Node: nodeName()})
}

// runSite is where and for which tick a run happens, as its run record
// keeps it: `wfe serve` passes its --node and the timer's scheduled time.
type runSite struct {
	Node        string
	ScheduledAt *time.Time
}

// runWorkflowOn is runWorkflow for a node and tick (serve's timers).
func runWorkflowOn(ctx context.Context, env *Env, st *store.Store, workflowID string, opts engine.RunOptions, site runSite) (*engine.RunRecord, error) {
	def, err := st.GetWorkflow(ctx, workflowID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("workflow %q is not installed ('wfe workflow list' shows the installed ones): %w", workflowID, err)
	}
	if err != nil {
		return nil, err
	}
	if !def.Active {
		return nil, fmt.Errorf("workflow %s (version %d) is not active; activate it with 'wfe workflow activate %s': %w",
			workflowID, def.Version, workflowID, ErrWorkflowInactive)
	}
	reg, err := env.runRegistry(Deps{Store: st, Logger: envLogger(env), Node: site.Node})
	if err != nil {
		return nil, err
	}
	name := def.FileName
	if name == "" {
		name = workflowID + ".xml"
	}
	prog, err := engine.CompileBytes(name, def.Data, reg)
	if err != nil {
		return nil, fmt.Errorf("workflow %s version %d does not compile with this build: %w", workflowID, def.Version, err)
	}
	if opts.Trigger == "" {
		opts.Trigger = "cli"
	}
	return runAndRecord(ctx, prog, st, opts, site)
}

// runAndRecord fires TimerWFEvent into prog and saves the run record in
// the run history, unless it is a dry run.
func runAndRecord(ctx context.Context, prog *engine.Program, st *store.Store, opts engine.RunOptions, site runSite) (*engine.RunRecord, error) {
	rec, runErr := prog.Run(ctx, engine.Event{Name: TimerEvent}, opts)
	if rec == nil || opts.DryRun {
		return rec, runErr
	}
	if err := saveRunRecord(context.WithoutCancel(ctx), st, rec, site); err != nil {
		return rec, errors.Join(runErr, fmt.Errorf("save run record %s: %w", rec.ID, err))
	}
	return rec, runErr
}

// saveRunRecord stores rec in the run history.
func saveRunRecord(ctx context.Context, st *store.Store, rec *engine.RunRecord, site runSite) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	finished := rec.FinishedAt
	r := &store.Run{
		ID: rec.ID, WorkflowID: rec.WorkflowID, RunAs: rec.RunAs, Node: site.Node, ScheduledAt: site.ScheduledAt,
		StartedAt: rec.StartedAt, FinishedAt: &finished, Status: runStatus(rec.Status),
		Error: rec.Error, Record: data,
	}
	if t, ok := strings.CutPrefix(rec.Trigger, "timer:"); ok {
		r.Timer = t
	}
	return st.SaveRun(ctx, r)
}

// runStatus maps the engine's run status to the run history's.
func runStatus(s string) string {
	switch s {
	case engine.StatusOK:
		return store.RunSucceeded
	case engine.StatusFailed:
		return store.RunFailed
	case engine.StatusCancelled:
		return store.RunCancelled
	case engine.StatusSkipped:
		return store.RunSkipped
	}
	return s
}

// nodeName identifies this process in run records: hostname:pid.
func nodeName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "localhost"
	}
	return fmt.Sprintf("%s:%d", h, os.Getpid())
}

// envLogger sends the actions' warnings to the command's stderr.
func envLogger(env *Env) *slog.Logger {
	return slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// resolveRunAs returns the login a run runs as: the given one (it must be
// an employee), else the only employee when there is exactly one.
func resolveRunAs(ctx context.Context, st *store.Store, login string) (string, error) {
	if login != "" {
		if _, err := st.EmployeeByLogin(ctx, login); err != nil {
			return "", fmt.Errorf("--as %s: %w", login, err)
		}
		return login, nil
	}
	emps, err := st.ListEmployees(ctx)
	if err != nil {
		return "", err
	}
	switch len(emps) {
	case 0:
		return "", usagef("--as LOGIN is required: no employee exists yet (add one with 'wfe employee add')")
	case 1:
		return emps[0].Login, nil
	}
	return "", usagef("--as LOGIN is required: there are %d employees to run as", len(emps))
}

func init() {
	var (
		as     string
		dryRun optBool
		asJSON bool
	)
	root.Add(&Command{
		Name:    "run",
		Args:    "WORKFLOWID | FILE.xml",
		Short:   "run an active workflow now, as a timer would, or a workflow file",
		Example: "wfe run ImportMails --as anna --dry-run\nwfe run ./MyWorkflow.xml --as anna",
		Long: `run fires TimerWFEvent into the active workflow WORKFLOWID, as the employee
given with --as ("run as"; optional when exactly one employee exists), prints
the run record (steps, actions, outcome, log lines, warnings) and stores it in
the run history ('wfe runs list'). --dry-run makes the actions change nothing
(no database writes, no mail moved) and stores no record. The exit status is 1
when the run failed.

Given a FILE.xml (a name ending in .xml or holding a path separator), run
compiles the file and runs it without importing it: a dry run unless
--dry-run=false is given.`,
		Flags: func(fs *flag.FlagSet) {
			dryRun = optBool{}
			fs.StringVar(&as, "as", "", "run as the employee `LOGIN`")
			fs.Var(&dryRun, "dry-run", "change nothing; show what would be done (default for a FILE.xml)")
			fs.BoolVar(&asJSON, "json", false, "print the run record as JSON")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 1, "run needs exactly one WORKFLOWID or FILE.xml")
			if err != nil {
				return err
			}
			var rec *engine.RunRecord
			if isWorkflowFile(args[0]) {
				opts := engine.RunOptions{DryRun: !dryRun.set || dryRun.v}
				rec, err = runFile(ctx, env, st, args[0], as, opts)
			} else {
				rec, err = runInstalled(ctx, env, st, args[0], as, dryRun.v)
			}
			if rec == nil {
				return err
			}
			if asJSON {
				if perr := printJSON(env.Stdout, rec); perr != nil {
					return perr
				}
			} else {
				printRunRecord(env.Stdout, rec)
			}
			if err != nil {
				return silentError{err}
			}
			return nil
		},
	})
}

// runInstalled is `wfe run WORKFLOWID`: whether the workflow is installed
// is checked first, then who it runs as.
func runInstalled(ctx context.Context, env *Env, st *store.Store, workflowID, as string, dryRun bool) (*engine.RunRecord, error) {
	if err := checkInstalled(ctx, st, workflowID); err != nil {
		return nil, err
	}
	login, err := resolveRunAs(ctx, st, as)
	if err != nil {
		return nil, err
	}
	return runWorkflow(ctx, env, st, workflowID, engine.RunOptions{RunAs: login, DryRun: dryRun, Trigger: "cli"})
}

// printRunRecord writes the human form of a run record.
func printRunRecord(w io.Writer, rec *engine.RunRecord) {
	dry := ""
	if rec.DryRun {
		dry = " DryRun=true"
	}
	runAs := rec.RunAs
	if runAs == "" {
		runAs = "nobody"
	}
	fmt.Fprintf(w, "run %s of %s as %s%s: %s in %s\n", rec.ID, rec.WorkflowID, runAs, dry, rec.Status,
		rec.FinishedAt.Sub(rec.StartedAt).Round(time.Millisecond))
	for _, s := range rec.Steps {
		if s.Skipped {
			fmt.Fprintf(w, "  step %d (%s): skipped: %s\n", s.No, s.Event, s.SkipReason)
			continue
		}
		fmt.Fprintf(w, "  step %d (%s)\n", s.No, s.Event)
		for _, a := range s.Actions {
			fmt.Fprintf(w, "    %-6s %s %s%s\n", a.Outcome, a.Name,
				(time.Duration(a.DurationMS * float64(time.Millisecond))).Round(time.Millisecond), paramsText(a.Params))
			if a.Error != "" && a.Error != rec.Error {
				fmt.Fprintf(w, "           error (%s): %s\n", a.ErrorClass, a.Error)
			}
		}
	}
	if len(rec.Log) > 0 {
		fmt.Fprintln(w, "  log:")
		for _, l := range rec.Log {
			fmt.Fprintf(w, "    %s\n", l)
		}
	}
	if len(rec.Warnings) > 0 {
		fmt.Fprintln(w, "  warnings:")
		for _, l := range rec.Warnings {
			fmt.Fprintf(w, "    %s\n", l)
		}
	}
	if rec.Error != "" {
		class := ""
		if rec.ErrorClass != "" {
			class = " (" + string(rec.ErrorClass) + ")"
		}
		fmt.Fprintf(w, "  error%s: %s\n", class, rec.Error)
	}
}

func paramsText(p map[string]string) string {
	if len(p) == 0 {
		return ""
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%q", k, p[k])
	}
	return b.String()
}
