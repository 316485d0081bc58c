package wfecmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/wfehq/wfe/store"
)

func init() {
	root.Add(&Command{
		Name:  "init",
		Short: "create the database named by --db (or bring it up to date)",
		Long: `init creates the database named by --db (WFE_DB): for SQLite the file,
for PostgreSQL the tables in an existing database. It installs the shipped
workflows and the built-in timer. Run on a database that exists, it only
brings the schema and the shipped workflows up to date. Every other command
refuses a SQLite file that does not exist, so a mistyped --db never leaves an
empty database behind.`,
		Example: `wfe init --db /var/lib/wfe/wfe.db
wfe init --db postgres://wfe@db.example/wfe`,
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("init takes no arguments")
			}
			return initDatabase(ctx, env)
		},
	})
}

// initDatabase is `wfe init`.
func initDatabase(ctx context.Context, env *Env) error {
	existed := true
	if !isPostgresDSN(env.DB) {
		if _, err := os.Stat(env.DB); errors.Is(err, fs.ErrNotExist) {
			existed = false
		}
	}
	env.createDB = true
	st, err := env.Store(ctx)
	if err != nil {
		return err
	}
	if err := ensureBuiltinTimers(ctx, st); err != nil {
		return err
	}
	defs, err := st.ListWorkflows(ctx)
	if err != nil {
		return err
	}
	what := "created"
	if existed {
		what = "is up to date:"
	}
	fmt.Fprintf(env.Stdout, "database %s %s %d workflows installed\n", store.RedactDSN(env.DB), what, len(defs))
	return nil
}
