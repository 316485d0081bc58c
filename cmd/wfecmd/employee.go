package wfecmd

import (
	"context"
	"flag"
	"fmt"

	"github.com/wfehq/wfe/store"
)

func init() {
	var (
		email, name, gwLogin, gwPasswordEnv, importFolder string
		importInternal                                    bool
	)
	root.Sub("employee", "manage CRM employees (run-as users, delegation targets)").Add(&Command{
		Name:    "add",
		Args:    "LOGIN",
		Short:   "add an employee",
		Example: "wfe employee add anna --name \"Anna Schmidt\" --email anna.schmidt@firma.example",
		Long: `add creates the employee LOGIN. The groupware (mail server) login is used
when a mail configuration has no user name or password of its own; the
groupware password is read from the environment variable named by
--groupware-password-env, never from the command line, and is stored
encrypted.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&email, "email", "", "e-mail address (required)")
			fs.StringVar(&name, "name", "", "display name")
			fs.StringVar(&gwLogin, "groupware-login", "", "groupware / mail server login (GroupwareLogin.Employee)")
			fs.StringVar(&gwPasswordEnv, "groupware-password-env", "", "read the groupware password from environment variable `VAR`")
			fs.BoolVar(&importInternal, "import-internal-mails", false, "the BCC importer also imports internal mails of this employee")
			fs.StringVar(&importFolder, "import-folder", "", "preferred import folder of this employee")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("add needs exactly one LOGIN")
			}
			if email == "" {
				return usagef("--email is required")
			}
			e := &store.Employee{Login: args[0], Email: email, Name: name, GroupwareLogin: gwLogin,
				ImportInternalMails: importInternal, ImportFolder: importFolder, UseImportFolder: importFolder != ""}
			if gwPasswordEnv != "" {
				e.GroupwarePassword = env.Getenv(gwPasswordEnv)
				if e.GroupwarePassword == "" {
					return fmt.Errorf("environment variable %s is empty or not set", gwPasswordEnv)
				}
			}
			s, err := env.Store(ctx)
			if err != nil {
				return err
			}
			if err := s.CreateEmployee(ctx, e); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "employee %s added (id %d)\n", e.Login, e.ID)
			return nil
		},
	}, listCommand("list employees", listEmployeeRows,
		"ID\tLOGIN\tNAME\tEMAIL\tGROUPWARE LOGIN\tLOCKED", func(e employeeRow) string {
			locked := yesNo(e.Locked)
			if e.Locked && e.LockedReason != "" {
				locked += " (" + e.LockedReason + ")"
			}
			return fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%s", e.ID, e.Login, e.Name, e.Email, e.GroupwareLogin, locked)
		}))
}
