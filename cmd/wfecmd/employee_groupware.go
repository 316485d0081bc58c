package wfecmd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/wfehq/wfe/store"
)

func init() {
	var (
		cfgName, user, groups optString
		passwordStdin         bool
	)
	root.Sub("employee", "manage CRM employees (run-as users, delegation targets)").Add(&Command{
		Name:  "set",
		Args:  "LOGIN",
		Short: "set an employee's groupware account for sync",
		Long: `set changes the employee's groupware account: the mail configuration whose
groupware system the sync uses (--groupware-config), the groupware user
(GroupwareLogin.Employee; for Graph the user principal name) and the password,
read from standard input, stored encrypted and never shown. New credentials
clear the lock (AutoImpPwEx) a refused sign-in set. --groups sets the
employee's groups (comma separated) for rules valid for a group.`,
		Example: "wfe employee set anna --groupware-config DAV --groupware-user anna --groupware-password-stdin",
		Flags: func(fs *flag.FlagSet) {
			cfgName, user, groups, passwordStdin = optString{}, optString{}, optString{}, false
			fs.Var(&cfgName, "groupware-config", "mail configuration `NAME` of the groupware to sync with (empty clears)")
			fs.Var(&user, "groupware-user", "groupware `USER` (GroupwareLogin.Employee)")
			fs.BoolVar(&passwordStdin, "groupware-password-stdin", false, "read the groupware password from standard input")
			fs.Var(&groups, "groups", "the employee's groups, comma separated")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 1, "set needs exactly one LOGIN")
			if err != nil {
				return err
			}
			e, err := st.EmployeeByLogin(ctx, args[0])
			if err != nil {
				return err
			}
			if err := setEmployeeAccount(ctx, env, st, e, user, passwordStdin); err != nil {
				return err
			}
			if err := setEmployeeGroupware(ctx, st, e, cfgName, groups); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "employee %s updated\n", e.Login)
			return nil
		},
	})
}

func setEmployeeAccount(ctx context.Context, env *Env, st *store.Store, e *store.Employee, user optString, passwordStdin bool) error {
	if user.set {
		e.GroupwareLogin = user.v
	}
	if passwordStdin {
		b, err := io.ReadAll(io.LimitReader(env.Stdin, 64<<10))
		if err != nil {
			return fmt.Errorf("read the groupware password: %w", err)
		}
		e.GroupwarePassword = strings.TrimRight(string(b), "\r\n")
	}
	if !user.set && !passwordStdin {
		return nil
	}
	return st.UpdateEmployee(ctx, e)
}

func setEmployeeGroupware(ctx context.Context, st *store.Store, e *store.Employee, cfgName, groups optString) error {
	if cfgName.set {
		var id int64
		if cfgName.v != "" {
			c, err := st.MailConfigByMatchCode(ctx, cfgName.v)
			if err != nil {
				return err
			}
			id = c.ID
		}
		if err := st.Sync().SetGroupwareConfig(ctx, e.ID, id); err != nil {
			return err
		}
	}
	if groups.set {
		var gs []string
		for _, g := range strings.Split(groups.v, ",") {
			if g = strings.TrimSpace(g); g != "" {
				gs = append(gs, g)
			}
		}
		return st.Sync().SetGroups(ctx, e.ID, gs)
	}
	return nil
}

// employeeRow is an employee as `employee list` shows it: the stored
// fields and the groupware account's state for sync.
type employeeRow struct {
	store.Employee
	// GroupwareLocked is the lock (AutoImpPwEx) a refused groupware
	// sign-in set: sync and import skip the employee until the
	// credentials change.
	GroupwareLocked bool `json:"groupware_locked"`
	// GroupwareConfig is the mail configuration whose groupware the sync
	// uses ("" = none).
	GroupwareConfig string `json:"groupware_config"`
}

// listEmployeeRows reads the employees with their groupware state.
func listEmployeeRows(st *store.Store, ctx context.Context) ([]employeeRow, error) {
	emps, err := st.ListEmployees(ctx)
	if err != nil {
		return nil, err
	}
	cfgs, err := st.Sync().GroupwareConfigs(ctx)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	rows := make([]employeeRow, len(emps))
	for i, e := range emps {
		rows[i] = employeeRow{Employee: e, GroupwareLocked: e.Locked}
		if id, ok := cfgs[e.ID]; ok {
			if _, seen := names[id]; !seen {
				if c, err := st.GetMailConfig(ctx, id); err == nil {
					names[id] = c.MatchCode
				}
			}
			rows[i].GroupwareConfig = names[id]
		}
	}
	return rows, nil
}
