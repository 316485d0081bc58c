package wfecmd

import (
	"context"
	"flag"
	"fmt"
	"strconv"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/store"
)

// syncRunner is the runner the sync commands use.
// syncGroupShort is the sync group's line in 'wfe --help'; every file
// that adds to the group names it, so whichever runs first says it.
const syncGroupShort = "sync contacts, appointments, tasks and Microsoft 365 mail with the groupware"

func syncRunner(st *store.Store) *groupwaresync.Runner { return &groupwaresync.Runner{Store: st} }

// printSyncReport prints a run's or preview's counts per employee.
func printSyncReport(env *Env, rep *groupwaresync.Report, asJSON bool) error {
	if asJSON {
		if err := printJSON(env.Stdout, rep); err != nil {
			return err
		}
	} else {
		for _, e := range rep.Employees {
			fmt.Fprintln(env.Stdout, e.Summary())
			printEmployeeNotes(env, e)
		}
	}
	if rep.Failed() {
		return silentError{fmt.Errorf("sync rule %s failed for some employees", rep.Rule)}
	}
	return nil
}

func printEmployeeNotes(env *Env, e groupwaresync.EmployeeReport) {
	if e.Skipped != "" {
		fmt.Fprintf(env.Stdout, "  skipped: %s\n", e.Skipped)
	}
	if e.Refused != "" {
		fmt.Fprintf(env.Stdout, "  refused: %s (run again with --allow-mass-delete to go ahead)\n", e.Refused)
	}
	for _, msg := range e.Errors {
		fmt.Fprintf(env.Stderr, "%s: %s\n", e.Login, msg)
	}
}

func init() {
	var (
		as            string
		asJSON, force bool
	)
	runFlags := func(fs *flag.FlagSet) {
		fs.StringVar(&as, "as", "", "only the employee `LOGIN`")
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	}
	g := root.Sub("sync", syncGroupShort)
	g.Add(&Command{
		Name:  "preview",
		Args:  "NAME",
		Short: "show what a run of a rule would do, writing nothing",
		Long: `preview signs in as each employee in the rule's scope (or the one given with
--as), reads both sides and prints the counts a run would produce: new,
changed and deleted records in each direction, groupware records waiting for a
manual import, and conflicts. It writes nothing anywhere: neither side, nor
the sync state, tokens, conflict queue or run history.`,
		Example: "wfe sync preview customers --as anna --json",
		Flags:   runFlags,
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 1, "preview needs exactly one rule NAME")
			if err != nil {
				return err
			}
			rep, err := syncRunner(st).Run(ctx, args[0], groupwaresync.Options{Employee: as, Preview: true})
			if err != nil {
				return err
			}
			return printSyncReport(env, rep, asJSON)
		},
	}, &Command{
		Name:  "run",
		Args:  "NAME",
		Short: "run a sync rule now",
		Long: `run syncs the rule for each employee in its scope (or the one given with
--as) as the system user CRM_SERVICE and prints the counts of what was done.
A locked account is skipped without signing in; a refused sign-in locks it;
one failing account never stops the others. A run that would delete more than
10 records and more than 20 % of a side stops before writing anything unless
--allow-mass-delete is given. Each run is recorded in the run history.`,
		Example: "wfe sync run customers --json\nwfe sync run customers --as anna --allow-mass-delete",
		Flags: func(fs *flag.FlagSet) {
			runFlags(fs)
			fs.BoolVar(&force, "allow-mass-delete", false, "lift the mass-delete guard for this run")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 1, "run needs exactly one rule NAME")
			if err != nil {
				return err
			}
			rep, err := syncRunner(st).Run(ctx, args[0], groupwaresync.Options{Employee: as, AllowMassDelete: force})
			if err != nil {
				return err
			}
			return printSyncReport(env, rep, asJSON)
		},
	})
}

// parseSyncIDs reads positional numeric ids (pending records, conflicts).
func parseSyncIDs(args []string) ([]int64, error) {
	ids := make([]int64, len(args))
	for i, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return nil, usagef("%q is not an id", a)
		}
		ids[i] = id
	}
	return ids, nil
}
