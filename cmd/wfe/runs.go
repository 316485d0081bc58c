package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"wfe/store"
)

func init() {
	var (
		asJSON           bool
		limit            int
		workflow, status string
	)
	root.Sub("runs", "show the run history").Add(&Command{
		Name:  "list",
		Short: "list workflow runs, newest first",
		Flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			fs.IntVar(&limit, "limit", 20, "show at most `N` runs (0: all)")
			fs.StringVar(&workflow, "workflow", "", "only runs of this WorkFlowID")
			fs.StringVar(&status, "status", "", "only runs with this status (running, succeeded, failed, ...)")
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
			runs, err := s.ListRuns(ctx, store.RunFilter{WorkflowID: workflow, Status: status, Limit: limit})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(env.Stdout, nonNil(runs))
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tWORKFLOW\tTIMER\tRUN AS\tSTARTED\tDURATION\tSTATUS\tERROR")
			for _, r := range runs {
				dur := ""
				if r.FinishedAt != nil {
					dur = r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.WorkflowID, r.Timer, r.RunAs,
					r.StartedAt.Local().Format("2006-01-02 15:04:05"), dur, r.Status, clip(r.Error, 60))
			}
			return tw.Flush()
		},
	})
}
