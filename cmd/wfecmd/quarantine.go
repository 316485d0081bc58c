package wfecmd

import (
	"context"
	"flag"
	"fmt"
	"strconv"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/store"
	sc "github.com/wfehq/wfe/store/console"
)

// Quarantined mails: the mails an import could not take, kept with their
// raw message, and their replay once the cause is fixed.
func init() {
	group := root.Sub("quarantine", "list quarantined mails and replay them through the import after a fix")
	group.Add(quarantineList(), quarantineReplay())
}

func quarantineList() *Command {
	var asJSON, replayed bool
	var limit int
	return &Command{
		Name:    "list",
		Short:   "list the quarantined mails, newest first, with their reason",
		Example: "wfe quarantine list --json",
		Flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			fs.BoolVar(&replayed, "replayed", false, "list the replayed entries instead")
			fs.IntVar(&limit, "limit", 500, "show at most `N` entries")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 0, "list takes no arguments")
			if err != nil {
				return err
			}
			outcome := store.OutcomeQuarantined
			if replayed {
				outcome = sc.OutcomeReplayed
			}
			entries, err := st.ListLedger(ctx, 0, outcome, limit)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(env.Stdout, nonNil(entries))
			}
			t := newTable("ID", "WHEN", "CONFIG", "MAILBOX", "UID", "MESSAGE-ID", "REASON").keepWhole("ID").freeText("MESSAGE-ID", "REASON")
			for _, e := range entries {
				t.row(e.ID, e.CreatedAt.Format("2006-01-02 15:04"), e.MailConfigID, e.Mailbox, e.UID, e.MessageID, e.Error)
			}
			return t.print(env.Stdout, env.Wide)
		},
	}
}

func quarantineReplay() *Command {
	var as string
	var asJSON bool
	return &Command{
		Name:    "replay",
		Args:    "ID",
		Short:   "take a quarantined mail through the import again (after fixing the cause)",
		Example: "wfe quarantine replay 42 --as anna",
		Long: `replay imports the stored raw message of the quarantine entry ID again for
its mail configuration (activity, documents, contact links, ledger row). On
success the entry is kept, marked replayed and pointing at the new activity;
when the mail still cannot be imported it stays in quarantine with the new
reason, and the command exits 1. Without --as the mail is imported as the
automatic import's employee (the run-as of the mail-auto-import timer), else
as the only employee, else as nobody; the console's Replay does the same. The
replay is written to the console's audit log.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&as, "as", "", "import as the employee `LOGIN` (default: the run-as of the mail-auto-import timer, else the only employee, else none)")
			fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 1, "replay needs exactly one quarantine entry ID (wfe quarantine list)")
			if err != nil {
				return err
			}
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return usagef("quarantine entry ID %q: want a positive number (wfe quarantine list)", args[0])
			}
			login, err := replayRunAs(ctx, st, as)
			if err != nil {
				return err
			}
			res, err := mailimport.Replay(ctx, mailimport.Deps{Store: st}, id, login)
			if err != nil {
				return err
			}
			return reportReplay(ctx, env, st, res, asJSON)
		},
	}
}

// replayRunAs is who a replay imports as: the given login, else the
// employee the automatic import runs as (the run-as of the
// mail-auto-import timer, as for the mails it imports and quarantines),
// else the only employee, else nobody. The console's Replay uses it too.
func replayRunAs(ctx context.Context, st *store.Store, login string) (string, error) {
	if login == "" {
		if t, err := st.GetTimer(ctx, builtinAutoImport); err == nil && t.RunAs != "" {
			login = t.RunAs
		}
	}
	return optionalRunAs(ctx, st, login)
}

// reportReplay audits and prints a replay; a mail quarantined again is an
// error (exit 1).
func reportReplay(ctx context.Context, env *Env, st *store.Store, res *mailimport.ReplayResult, asJSON bool) error {
	target := fmt.Sprintf("ledger entry %d", res.EntryID)
	if res.Outcome == store.OutcomeQuarantined {
		cliAudit(ctx, env, st, "quarantine.replay", target, "failed again: "+res.Reason)
	} else {
		cliAudit(ctx, env, st, "quarantine.replay", target, fmt.Sprintf("%s as activity %d", res.Outcome, res.ActivityID))
	}
	if asJSON {
		if err := printJSON(env.Stdout, res); err != nil {
			return err
		}
	} else if res.Outcome != store.OutcomeQuarantined {
		fmt.Fprintf(env.Stdout, "quarantine entry %d replayed: %s as activity %d\n", res.EntryID, res.Outcome, res.ActivityID)
	}
	if res.Outcome == store.OutcomeQuarantined {
		return fmt.Errorf("quarantine entry %d is still quarantined: %s", res.EntryID, res.Reason)
	}
	return nil
}
