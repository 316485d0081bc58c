package wfecmd

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/wfehq/wfe/store"
)

func init() {
	var asJSON bool
	root.Sub("runs", "show the run history").Add(&Command{
		Name:    "show",
		Args:    "ID",
		Short:   "show one run in full: steps, actions, their outputs and errors",
		Example: "wfe runs show 1ad8e73eb33d0e018241f36570eeb021",
		Long: `show prints one run of the run history ('wfe runs list' shows the IDs):
when, where and as whom it ran, and every step with its actions, their
parameters (secrets masked), outputs, errors and error classes, the run's log
lines and warnings, nothing shortened. A MAIL_AUTO_IMPORT timer run shows its
per-configuration results.`,
		Flags: func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "print JSON") },
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 1, "show needs exactly one run ID")
			if err != nil {
				return err
			}
			r, err := st.GetRun(ctx, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(env.Stdout, runViewOf(*r))
			}
			return printRun(env.Stdout, r)
		},
	})
}

// shownRecord is the part of a run record `runs show` prints; it is read
// from the stored JSON, so fields the engine adds (outputs) appear when
// present.
type shownRecord struct {
	Trigger string `json:"trigger"`
	DryRun  bool   `json:"dry_run"`
	Steps   []struct {
		No         int    `json:"no"`
		Event      string `json:"event"`
		Skipped    bool   `json:"skipped"`
		SkipReason string `json:"skip_reason"`
		Actions    []struct {
			Name       string            `json:"name"`
			Params     map[string]string `json:"params"`
			Outputs    map[string]any    `json:"outputs"`
			DurationMS float64           `json:"duration_ms"`
			Outcome    string            `json:"outcome"`
			Error      string            `json:"error"`
			ErrorClass string            `json:"error_class"`
		} `json:"actions"`
	} `json:"steps"`
	Log      []string `json:"log"`
	Warnings []string `json:"warnings"`
}

// printRun writes a stored run in full.
func printRun(w io.Writer, r *store.Run) error {
	fmt.Fprintf(w, "run %s\n", r.ID)
	field := func(name, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %-10s %s\n", name+":", v)
		}
	}
	field("workflow", r.WorkflowID)
	field("timer", r.Timer)
	field("run as", r.RunAs)
	field("node", r.Node)
	if r.ScheduledAt != nil {
		field("scheduled", localTime(r.ScheduledAt))
	}
	field("started", r.StartedAt.Local().Format(time.DateTime))
	if r.FinishedAt != nil {
		field("finished", fmt.Sprintf("%s (%s)", r.FinishedAt.Local().Format(time.DateTime), r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond)))
	}
	field("status", r.Status)
	field("error", r.Error)
	if len(r.Record) == 0 || string(r.Record) == "null" {
		return nil
	}
	var rec shownRecord
	if err := json.Unmarshal(r.Record, &rec); err != nil || rec.Steps == nil {
		return printOtherRecord(w, r.Record)
	}
	field("trigger", rec.Trigger)
	if rec.DryRun {
		field("dry run", "yes: the actions changed nothing")
	}
	printSteps(w, &rec)
	printLines(w, "log", rec.Log)
	printLines(w, "warnings", rec.Warnings)
	return nil
}

func printSteps(w io.Writer, rec *shownRecord) {
	for _, s := range rec.Steps {
		if s.Skipped {
			fmt.Fprintf(w, "  step %d (%s): skipped: %s\n", s.No, s.Event, s.SkipReason)
			continue
		}
		fmt.Fprintf(w, "  step %d (%s)\n", s.No, s.Event)
		for _, a := range s.Actions {
			fmt.Fprintf(w, "    %s %s, %s\n", a.Name, a.Outcome, (time.Duration(a.DurationMS * float64(time.Millisecond))).Round(time.Millisecond))
			for _, k := range sortedKeys(a.Params) {
				fmt.Fprintf(w, "      parameter %s = %s\n", k, a.Params[k])
			}
			for _, k := range sortedKeys(a.Outputs) {
				out, _ := json.Marshal(a.Outputs[k])
				fmt.Fprintf(w, "      output %s = %s\n", k, out)
			}
			if a.Error != "" {
				class := ""
				if a.ErrorClass != "" {
					class = " (" + a.ErrorClass + ")"
				}
				fmt.Fprintf(w, "      error%s: %s\n", class, a.Error)
			}
		}
	}
}

func printLines(w io.Writer, title string, lines []string) {
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "  %s:\n", title)
	for _, l := range lines {
		fmt.Fprintf(w, "    %s\n", l)
	}
}

// printOtherRecord writes a record that is not a workflow run (a
// MAIL_AUTO_IMPORT timer's results) as indented JSON.
func printOtherRecord(w io.Writer, raw json.RawMessage) error {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "  ", "  "); err != nil {
		return fmt.Errorf("the stored record of this run is not valid JSON: %w", err)
	}
	fmt.Fprintf(w, "  record:\n  %s\n", strings.TrimSpace(b.String()))
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
