package wfecmd

import (
	"context"
	"flag"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/syncstate"
)

// syncAccount finds the rule and employee of a held-records command.
func syncAccount(ctx context.Context, st *store.Store, rule, login string) (syncstate.Account, error) {
	if login == "" {
		return syncstate.Account{}, usagef("--as LOGIN is required")
	}
	r, err := st.Sync().RuleByName(ctx, rule)
	if err != nil {
		return syncstate.Account{}, err
	}
	e, err := st.EmployeeByLogin(ctx, login)
	if err != nil {
		return syncstate.Account{}, err
	}
	return syncstate.Account{RuleID: r.ID, EmployeeID: e.ID}, nil
}

type pendingRow struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type conflictRow struct {
	ID        int64             `json:"id"`
	Rule      string            `json:"rule"`
	Login     string            `json:"login"`
	CRMID     string            `json:"crm_id"`
	Groupware string            `json:"groupware_id"`
	Fields    []string          `json:"fields"`
	CRM       map[string]string `json:"crm"`
	GW        map[string]string `json:"groupware"`
	Reason    string            `json:"reason"`
	Keep      string            `json:"keep,omitempty"`
}

func init() {
	g := root.Sub("sync", syncGroupShort)
	g.Add(syncPendingCommand(), syncAdoptCommand(), syncConflictsCommand(), syncResolveCommand())
}

func syncPendingCommand() *Command {
	var as string
	var asJSON bool
	return &Command{
		Name:  "pending",
		Args:  "NAME",
		Short: "list groupware contacts waiting for a manual import",
		Long: `pending lists the contacts only the groupware has, found by the last run of
the rule for the employee: while the CRM is the master (or no business partner
can be found) they are never created in the CRM by themselves. Import them with
wfe sync adopt.`,
		Example: "wfe sync pending customers --as anna --json",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&as, "as", "", "employee `LOGIN` (required)")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 1, "pending needs exactly one rule NAME")
			if err != nil {
				return err
			}
			acct, err := syncAccount(ctx, st, args[0], as)
			if err != nil {
				return err
			}
			h, err := st.Sync().LoadHeld(ctx, acct)
			if err != nil {
				return err
			}
			rows := []pendingRow{}
			for _, p := range h.Pending {
				rows = append(rows, pendingRow{ID: p.ID, Name: p.Name, Email: p.Email})
			}
			if asJSON {
				return printJSON(env.Stdout, rows)
			}
			t := newTable("ID", "NAME", "EMAIL").keepWhole("ID").freeText("NAME", "EMAIL")
			for _, r := range rows {
				t.row(r.ID, r.Name, r.Email)
			}
			return t.print(env.Stdout, env.Wide)
		},
	}
}

func syncAdoptCommand() *Command {
	var as, partner string
	return &Command{
		Name:  "adopt",
		Args:  "NAME ID...",
		Short: "import pending groupware contacts under a business partner",
		Long: `adopt is the manual import: the pending contacts (ids from wfe sync pending)
are created in the CRM under the business partner --partner, linked to their
groupware copies, by a run of the rule for the employee that starts at once.`,
		Example: "wfe sync adopt customers --as anna --partner ACME 3 4",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&as, "as", "", "employee `LOGIN` (required)")
			fs.StringVar(&partner, "partner", "", "business partner `NAME` (required)")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) < 2 || partner == "" {
				return usagef("adopt needs a rule NAME, --partner and at least one ID")
			}
			ids, err := parseSyncIDs(args[1:])
			if err != nil {
				return err
			}
			st, err := env.Store(ctx)
			if err != nil {
				return err
			}
			acct, err := syncAccount(ctx, st, args[0], as)
			if err != nil {
				return err
			}
			p, err := st.PartnerByName(ctx, partner)
			if err != nil {
				return err
			}
			if err := st.Sync().AdoptPending(ctx, acct, p.ID, ids); err != nil {
				return err
			}
			rep, err := syncRunner(st).Run(ctx, args[0], groupwaresync.Options{Employee: as})
			if err != nil {
				return err
			}
			return printSyncReport(env, rep, false)
		},
	}
}

func syncConflictsCommand() *Command {
	var asJSON bool
	return &Command{
		Name:  "conflicts",
		Short: "list conflicts waiting for a person",
		Long: `conflicts lists the records held for a person: a field changed differently
on both sides under the conflict option "ask" (both versions shown), or a
first-run match that is not unique. Settle one with wfe sync resolve.`,
		Example: "wfe sync conflicts --json",
		Flags:   func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "print JSON") },
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 0, "conflicts takes no arguments")
			if err != nil {
				return err
			}
			rows, err := conflictRows(ctx, st)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(env.Stdout, rows)
			}
			t := newTable("ID", "RULE", "LOGIN", "CRM", "GROUPWARE", "REASON").keepWhole("ID").
				freeText("GROUPWARE", "REASON")
			for _, r := range rows {
				t.row(r.ID, r.Rule, r.Login, r.CRMID, r.Groupware, r.Reason)
			}
			return t.print(env.Stdout, env.Wide)
		},
	}
}

func syncResolveCommand() *Command {
	var keep string
	return &Command{
		Name:  "resolve",
		Args:  "ID",
		Short: "settle a conflict: keep the CRM's or the groupware's version",
		Long: `resolve records the decision for a conflict and runs its rule for its
employee at once, which writes the kept version to the other side.`,
		Example: "wfe sync resolve 7 --keep groupware",
		Flags:   func(fs *flag.FlagSet) { fs.StringVar(&keep, "keep", "", "crm or groupware (required)") },
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 1, "resolve needs exactly one conflict ID")
			if err != nil {
				return err
			}
			if keep != "crm" && keep != "groupware" {
				return usagef("--keep must be crm or groupware")
			}
			return resolveConflict(ctx, env, st, args[0], keep)
		},
	}
}

func resolveConflict(ctx context.Context, env *Env, st *store.Store, arg, keep string) error {
	ids, err := parseSyncIDs([]string{arg})
	if err != nil {
		return err
	}
	c, err := st.Sync().GetConflict(ctx, ids[0])
	if err != nil {
		return err
	}
	if err := st.Sync().DecideConflict(ctx, c.ID, keep); err != nil {
		return err
	}
	rule, login, err := conflictNames(ctx, st, c)
	if err != nil {
		return err
	}
	rep, err := syncRunner(st).Run(ctx, rule, groupwaresync.Options{Employee: login})
	if err != nil {
		return err
	}
	return printSyncReport(env, rep, false)
}

func conflictNames(ctx context.Context, st *store.Store, c *syncstate.Conflict) (rule, login string, err error) {
	rules, err := st.Sync().ListRules(ctx)
	if err != nil {
		return "", "", err
	}
	for _, r := range rules {
		if r.ID == c.RuleID {
			rule = r.Name
		}
	}
	e, err := st.GetEmployee(ctx, c.EmployeeID)
	if err != nil {
		return "", "", err
	}
	return rule, e.Login, nil
}

func conflictRows(ctx context.Context, st *store.Store) ([]conflictRow, error) {
	cs, err := st.Sync().ListConflicts(ctx)
	if err != nil {
		return nil, err
	}
	rows := []conflictRow{}
	for i := range cs {
		c := &cs[i]
		rule, login, err := conflictNames(ctx, st, c)
		if err != nil {
			return nil, err
		}
		rows = append(rows, conflictRow{ID: c.ID, Rule: rule, Login: login, CRMID: c.CRMID, Groupware: c.GroupwareID,
			Fields: c.Fields, CRM: c.CRMVersion, GW: c.GroupwareVersion, Reason: c.Reason, Keep: c.Keep})
	}
	return rows, nil
}
