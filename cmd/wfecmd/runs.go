package wfecmd

import (
	"context"
	"encoding/json"
	"flag"
	"time"

	"github.com/wfehq/wfe/store"
)

// runView is one run of `wfe runs list --json`: every key is always
// present (null when unset), so scripts can rely on them.
type runView struct {
	ID          string          `json:"id"`
	WorkflowID  string          `json:"workflow_id"`
	Timer       string          `json:"timer"`
	RunAs       string          `json:"run_as"`
	Node        string          `json:"node"`
	ScheduledAt *time.Time      `json:"scheduled_at"`
	StartedAt   time.Time       `json:"started_at"`
	FinishedAt  *time.Time      `json:"finished_at"`
	Status      string          `json:"status"`
	Error       string          `json:"error"`
	Record      json.RawMessage `json:"record"`
}

func runViewOf(r store.Run) runView {
	return runView{ID: r.ID, WorkflowID: r.WorkflowID, Timer: r.Timer, RunAs: r.RunAs, Node: r.Node,
		ScheduledAt: r.ScheduledAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Status: r.Status,
		Error: r.Error, Record: r.Record}
}

func init() {
	var (
		asJSON                  bool
		limit                   int
		workflow, status, timer string
	)
	root.Sub("runs", "show the run history").Add(&Command{
		Name:    "list",
		Short:   "list workflow and timer runs, newest first",
		Example: "wfe runs list --workflow ImportMails --status failed",
		Flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			fs.IntVar(&limit, "limit", 20, "show at most `N` runs (0: all)")
			fs.StringVar(&workflow, "workflow", "", "only runs of this WorkFlowID")
			fs.StringVar(&timer, "timer", "", "only runs fired by this timer")
			fs.StringVar(&status, "status", "", "only runs with this status (running, succeeded, failed, skipped, ...)")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("list takes no arguments")
			}
			if limit < 0 {
				return usagef("--limit must not be negative")
			}
			s, err := env.Store(ctx)
			if err != nil {
				return err
			}
			runs, err := s.ListRuns(ctx, store.RunFilter{WorkflowID: workflow, Timer: timer, Status: status, Limit: limit})
			if err != nil {
				return err
			}
			if asJSON {
				views := make([]runView, len(runs))
				for i, r := range runs {
					views[i] = runViewOf(r)
				}
				return printJSON(env.Stdout, views)
			}
			t := newTable("ID", "WORKFLOW", "TIMER", "RUN AS", "SCHEDULED", "STARTED", "DURATION", "STATUS", "NODE", "ERROR").keepWhole("ID").freeText("WORKFLOW", "TIMER", "RUN AS", "NODE", "ERROR")
			for _, r := range runs {
				dur := ""
				if r.FinishedAt != nil {
					dur = r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
				}
				t.row(r.ID, dash(runSubject(r)), dash(r.Timer), dash(r.RunAs),
					localTime(r.ScheduledAt), r.StartedAt.Local().Format("2006-01-02 15:04:05"), dur, r.Status, dash(r.Node), r.Error)
			}
			return t.print(env.Stdout, env.Wide)
		},
	})
}
