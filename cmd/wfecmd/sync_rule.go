package wfecmd

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/syncstate"
)

// syncRuleFlags are the flags of `sync rule add`.
type syncRuleFlags struct {
	table, scope, master, newItems, conflict, defaultPartner, filter, overwrite, window string
	folders                                                                             multiFlag
	subfolders, del, noCreate, noUpdate, teams                                          bool
}

// multiFlag collects a flag given several times.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func (f *syncRuleFlags) define(fs *flag.FlagSet) {
	*f = syncRuleFlags{}
	fs.StringVar(&f.table, "table", "contacts", "table to sync: contacts, appointments (BESPRECHUNG, TERMIN), tasks or email (mail folders imported over Microsoft Graph)")
	fs.StringVar(&f.window, "window", "", "appointments: the `FROM:TO` days around each run to sync (default "+groupwaresync.DefaultWindow+")")
	fs.BoolVar(&f.teams, "teams-links", false, "appointments on Microsoft Graph: meetings created in the CRM get a Teams link")
	fs.StringVar(&f.scope, "for", "all", "validity: all, user:LOGIN or group:NAME")
	fs.StringVar(&f.master, "master", "crm", "leading system: crm or groupware")
	fs.Var(&f.folders, "folder", "groupware `FOLDER` to sync (display-name path, or address book name or path; repeatable; default: the default folder)")
	fs.BoolVar(&f.subfolders, "subfolders", false, "sync the folders' subfolders too")
	fs.StringVar(&f.newItems, "new-items-folder", "", "`FOLDER` new groupware items are created in (must be one of the synced folders; default: the first)")
	fs.StringVar(&f.conflict, "conflict", "newest", "a field changed on both sides: newest, crm, groupware or ask")
	fs.StringVar(&f.defaultPartner, "default-partner", "", "business partner `NAME` for contacts from the groupware whose company names none")
	fs.StringVar(&f.filter, "filter", "", "CRM filter `EXPR` over the contact (or activity), e.g. 'contact.partner == \"ACME\"'")
	fs.BoolVar(&f.del, "delete", false, "delete what the other side deleted (both directions)")
	fs.BoolVar(&f.noCreate, "no-create", false, "do not create records new on the other side (both directions)")
	fs.BoolVar(&f.noUpdate, "no-update", false, "do not write changes of the other side (both directions)")
	fs.StringVar(&f.overwrite, "overwrite", "", "overwrite completely with this side's records: crm or groupware")
}

// rule builds the rule and checks it as a run would.
func (f *syncRuleFlags) rule(name string) (*syncstate.Rule, error) {
	window, err := f.calendarOptions()
	if err != nil {
		return nil, err
	}
	scope, scopeName, err := syncstate.ParseScope(f.scope)
	if err != nil {
		return nil, usagef("--for: %v", err)
	}
	r := &syncstate.Rule{Name: name, Table: f.table, Scope: scope, ScopeName: scopeName, Master: f.master,
		Folders: store.StringList(f.folders), Subfolders: f.subfolders, NewItemsFolder: f.newItems, Filter: f.filter,
		Conflict: f.conflict, DefaultPartner: f.defaultPartner, Overwrite: f.overwrite, Active: true, Window: window, TeamsLinks: f.teams,
		GWCreate: !f.noCreate, CRMCreate: !f.noCreate, GWUpdate: !f.noUpdate, CRMUpdate: !f.noUpdate,
		GWDelete: f.del, CRMDelete: f.del}
	if _, err := groupwaresync.PlanOptions(r); err != nil {
		return nil, usagef("%v", err)
	}
	if err := groupwaresync.CompileRuleFilter(f.table, f.filter); err != nil {
		return nil, usagef("--filter: %v", err)
	}
	if f.newItems != "" && len(f.folders) > 0 && !newItemsInside(f.newItems, f.folders, f.subfolders) {
		return nil, usagef("--new-items-folder %q must be one of the synced folders (%s)", f.newItems, f.folders.String())
	}
	return r, nil
}

// calendarOptions checks the table and the options of calendar rules,
// and returns the window an appointments rule keeps ("" for others).
func (f *syncRuleFlags) calendarOptions() (string, error) {
	appointments := f.table == string(groupware.TableAppointments)
	switch {
	case f.table != string(groupware.TableContacts) && !groupwaresync.IsCalendarTable(f.table) && !groupwaresync.IsEmailTable(f.table):
		return "", usagef("--table %q: want contacts, appointments, tasks or email", f.table)
	case groupwaresync.IsEmailTable(f.table) && (f.filter != "" || f.newItems != "" || f.del || f.overwrite != ""):
		return "", usagef("--filter, --new-items-folder, --delete and --overwrite do not apply to email rules")
	case f.window != "" && !appointments:
		return "", usagef("--window applies to appointments rules only")
	case f.teams && !appointments:
		return "", usagef("--teams-links applies to appointments rules only")
	case !appointments:
		return "", nil
	case f.window == "":
		return groupwaresync.DefaultWindow, nil
	}
	if _, err := groupwaresync.ParseWindow(f.window); err != nil {
		return "", usagef("--window: %v", err)
	}
	return f.window, nil
}

// newItemsInside checks R57's rule that the folder for new items lies
// inside the synced folders.
func newItemsInside(newItems string, folders []string, subfolders bool) bool {
	n := strings.ToLower(strings.Trim(newItems, "/"))
	for _, f := range folders {
		f = strings.ToLower(strings.Trim(f, "/"))
		if n == f || (subfolders && strings.HasPrefix(n, f+"/")) {
			return true
		}
	}
	return false
}

func init() {
	var rf syncRuleFlags
	var asJSON bool
	rules := root.Sub("sync", syncGroupShort).
		Sub("rule", "add, list, show and remove sync rules")
	rules.Add(&Command{
		Name:  "add",
		Args:  "NAME",
		Short: "add a sync rule",
		Long: `add creates the sync rule NAME (R57): which employees it is valid for, the
table, the leading system, the groupware folders, the CRM filter, and what may
flow in each direction. --delete, --no-create and --no-update apply to both
directions. The rule is checked as a run would check it (options, filter, folder
for new items). An email rule imports the mail folders of each employee's
Microsoft 365 mailbox (default Inbox; Sent Items as outgoing mails) and needs
groupware configurations whose calendar system is graph.`,
		Example: `wfe sync rule add customers --table contacts --for all --master crm --folder Contacts --conflict ask
wfe sync rule add calendar --table appointments --for all --folder Calendar --window -30d:+365d
wfe sync rule add todo --table tasks --for user:anna --folder Tasks
wfe sync rule add mail --table email --for all --folder Inbox --folder "Sent Items"
wfe sync rule add sales --for group:sales --master groupware --folder Kunden --subfolders --new-items-folder Kunden/Neu --default-partner "Walk-in"`,
		Flags: rf.define,
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 1, "add needs exactly one NAME")
			if err != nil {
				return err
			}
			r, err := rf.rule(args[0])
			if err != nil {
				return err
			}
			if err := groupwaresync.CheckEmailRule(ctx, st, r); err != nil {
				return fmt.Errorf("sync rule %s: %w", r.Name, err)
			}
			if err := st.Sync().CreateRule(ctx, r); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "sync rule %s added (id %d)\n", r.Name, r.ID)
			return nil
		},
	}, &Command{
		Name:    "list",
		Short:   "list sync rules",
		Example: "wfe sync rule list --json",
		Flags:   func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "print JSON") },
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 0, "list takes no arguments")
			if err != nil {
				return err
			}
			rs, err := st.Sync().ListRules(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(env.Stdout, nonNil(rs))
			}
			t := newTable("NAME", "TABLE", "FOR", "MASTER", "FOLDERS", "WINDOW", "CONFLICT", "ACTIVE").keepWhole("NAME").freeText("FOR", "FOLDERS")
			for _, r := range rs {
				t.row(r.Name, r.Table, r.ScopeText(), r.Master, strings.Join(r.Folders, ", "), r.Window, r.Conflict, yesNo(r.Active))
			}
			return t.print(env.Stdout, env.Wide)
		},
	}, &Command{
		Name:    "show",
		Args:    "NAME",
		Short:   "show a sync rule as JSON",
		Example: "wfe sync rule show customers",
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 1, "show needs exactly one NAME")
			if err != nil {
				return err
			}
			r, err := st.Sync().RuleByName(ctx, args[0])
			if err != nil {
				return err
			}
			return printJSON(env.Stdout, r)
		},
	}, &Command{
		Name:    "remove",
		Args:    "NAME",
		Short:   "remove a sync rule with its sync state",
		Long:    `remove deletes the rule and its sync state; nothing is deleted on either side. A rule added again later links the existing copies (by the CRM id stored on them, else by e-mail) instead of duplicating them.`,
		Example: "wfe sync rule remove customers",
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 1, "remove needs exactly one NAME")
			if err != nil {
				return err
			}
			if err := st.Sync().RemoveRule(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "sync rule %s removed\n", args[0])
			return nil
		},
	})
}
