package wfecmd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/wfehq/wfe/store"
	sc "github.com/wfehq/wfe/store/console"
)

// The console's users and API tokens (wfe serve --http). Changes made
// here are written to the console's audit log as the command line's.
func init() {
	group := root.Sub("console", "manage the users and API tokens of the admin console (wfe serve --http)")
	user := group.Sub("user", "console users: admins change, viewers only read")
	user.Add(consoleUserAdd(), consoleUserPassword(), consoleRemove("user", "a console user and its sessions", (*sc.Repo).DeleteUser),
		listCommand("list the console users", func(s *store.Store, ctx context.Context) ([]sc.User, error) { return s.Console().ListUsers(ctx) },
			"NAME\tROLE\tCREATED", func(u sc.User) string {
				return fmt.Sprintf("%s\t%s\t%s", u.Name, u.Role, u.CreatedAt.Format("2006-01-02 15:04"))
			}))
	token := group.Sub("token", "API tokens for scripts (Authorization: Bearer TOKEN)")
	token.Add(consoleTokenAdd(), consoleRemove("token", "an API token (scripts using it are refused from then on)", (*sc.Repo).DeleteToken),
		listCommand("list the API tokens (never their values)", func(s *store.Store, ctx context.Context) ([]sc.Token, error) { return s.Console().ListTokens(ctx) },
			"NAME\tROLE\tCREATED\tLAST USED", func(t sc.Token) string {
				used := "never"
				if t.LastUsedAt != nil {
					used = t.LastUsedAt.Format("2006-01-02 15:04")
				}
				return fmt.Sprintf("%s\t%s\t%s\t%s", t.Name, t.Role, t.CreatedAt.Format("2006-01-02 15:04"), used)
			}))
}

func consoleUserAdd() *Command {
	var role string
	var fromStdin bool
	return &Command{
		Name:    "add",
		Args:    "NAME",
		Short:   "add a console user",
		Example: "printf '%s' \"$PASSWORD\" | wfe console user add anna --role admin --password-stdin",
		Long: `add creates the console user NAME with role admin (may change everything
the console offers) or viewer (reads everything but secrets, changes nothing).
The password (at least 12 characters) is read from standard input, never from
the command line, and stored as an argon2id hash.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&role, "role", "", "admin or viewer (required)")
			fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input (required)")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("add needs exactly one NAME")
			}
			if !sc.ValidRole(role) {
				return usagef("--role %q: want admin or viewer", role)
			}
			if !fromStdin {
				return usagef("--password-stdin is required: the password is read from standard input")
			}
			password, st, err := passwordAndStore(ctx, env)
			if err != nil {
				return err
			}
			if _, err := st.Console().CreateUser(ctx, args[0], role, password); err != nil {
				return err
			}
			cliAudit(ctx, env, st, "user.add", args[0], "role "+role)
			fmt.Fprintf(env.Stdout, "console user %s added (%s)\n", args[0], role)
			return nil
		},
	}
}

func consoleUserPassword() *Command {
	return &Command{
		Name:    "password",
		Args:    "NAME",
		Short:   "set a console user's password (read from standard input); signs the user out",
		Example: "printf '%s' \"$PASSWORD\" | wfe console user password anna",
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("password needs exactly one NAME")
			}
			password, st, err := passwordAndStore(ctx, env)
			if err != nil {
				return err
			}
			if err := st.Console().SetPassword(ctx, args[0], password); err != nil {
				return err
			}
			cliAudit(ctx, env, st, "user.password", args[0], "password changed")
			fmt.Fprintf(env.Stdout, "password of console user %s changed; its sessions ended\n", args[0])
			return nil
		},
	}
}

func consoleTokenAdd() *Command {
	var role string
	return &Command{
		Name:    "add",
		Args:    "NAME",
		Short:   "add an API token and print it (once)",
		Example: "wfe console token add backup-script --role viewer",
		Long: `add creates the API token NAME with role admin or viewer and prints its
value on standard output. The value is shown this once: only its SHA-256 is
stored. Scripts send it as 'Authorization: Bearer TOKEN'.`,
		Flags: func(fs *flag.FlagSet) { fs.StringVar(&role, "role", "", "admin or viewer (required)") },
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("add needs exactly one NAME")
			}
			if !sc.ValidRole(role) {
				return usagef("--role %q: want admin or viewer", role)
			}
			st, err := env.Store(ctx)
			if err != nil {
				return err
			}
			_, secret, err := st.Console().CreateToken(ctx, args[0], role)
			if err != nil {
				return err
			}
			cliAudit(ctx, env, st, "token.add", args[0], "role "+role)
			fmt.Fprintln(env.Stdout, secret)
			return nil
		},
	}
}

func consoleRemove(what, short string, remove func(*sc.Repo, context.Context, string) error) *Command {
	return &Command{
		Name:        "remove",
		Args:        "NAME",
		Short:       "remove " + short,
		exampleArgs: "old-" + what,
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("remove needs exactly one NAME")
			}
			st, err := env.Store(ctx)
			if err != nil {
				return err
			}
			if err := remove(st.Console(), ctx, args[0]); err != nil {
				return err
			}
			cliAudit(ctx, env, st, what+".remove", args[0], "")
			fmt.Fprintf(env.Stdout, "console %s %s removed\n", what, args[0])
			return nil
		},
	}
}

// passwordAndStore reads a password from standard input (the whole
// input without its trailing line break), then opens the store.
func passwordAndStore(ctx context.Context, env *Env) (string, *store.Store, error) {
	b, err := io.ReadAll(io.LimitReader(env.Stdin, 4<<10))
	if err != nil {
		return "", nil, fmt.Errorf("read the password from standard input: %w", err)
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if pw == "" {
		return "", nil, usagef("no password on standard input")
	}
	st, err := env.Store(ctx)
	return pw, st, err
}

// cliAudit notes a change made on the command line in the console's
// audit log, under the system user's name.
func cliAudit(ctx context.Context, env *Env, st *store.Store, action, target, detail string) {
	who := env.Getenv("USER")
	if who == "" {
		who = "command line"
	}
	e := sc.AuditEntry{Actor: who, ActorKind: sc.ActorCLI, Action: action, Target: target, Detail: detail}
	if err := st.Console().Audit(ctx, e); err != nil {
		fmt.Fprintf(env.Stderr, "warning: audit log: %v\n", err)
	}
}
