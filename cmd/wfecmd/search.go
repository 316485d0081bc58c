package wfecmd

import (
	"context"
	"flag"
	"fmt"

	"github.com/wfehq/wfe/store"
)

func init() {
	var (
		entity, expression, description string
	)
	root.Sub("search", "manage ExtendedSearch checks used by the mail importers").Add(&Command{
		Name:    "add",
		Args:    "PK",
		Short:   "store (or replace) an ExtendedSearch",
		Example: "wfe search add Lieferanten --entity contact --expr '\"Lieferant\" in partner.roles'",
		Long: `add stores the ExtendedSearch PK (the value workflows pass as SearchPk,
e.g. 31m47d216nrsh550ExtendedSearch). The expression (expr-lang) sees the
contact as contact (email, first_name, last_name, fax) and its business
partner as partner (name, roles, fax), and must give true or false:

  wfe search add 31m47d216nrsh550ExtendedSearch --entity contact --expr '"Lieferant" in partner.roles'

It is compiled and type-checked now; an error names its line and column.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&entity, "entity", store.SearchEntityContact, "entity the search checks (contact)")
			fs.StringVar(&expression, "expr", "", "expression that must hold (required)")
			fs.StringVar(&description, "description", "", "what the search is for")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("add needs exactly one PK")
			}
			if expression == "" {
				return usagef("--expr is required")
			}
			s, err := env.Store(ctx)
			if err != nil {
				return err
			}
			es := &store.ExtendedSearch{PK: args[0], Entity: entity, Expr: expression, Description: description}
			if err := s.SaveExtendedSearch(ctx, es); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "extended search %s saved\n", es.PK)
			return nil
		},
	}, listCommand("list ExtendedSearch checks", (*store.Store).ListExtendedSearches,
		"PK\tENTITY\tEXPRESSION\tDESCRIPTION", func(es store.ExtendedSearch) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s", es.PK, es.Entity, es.Expr, es.Description)
		}))
}
