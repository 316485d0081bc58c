package wfecmd

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"strings"

	"github.com/wfehq/wfe/store"
)

// printJSON writes v as indented JSON (listings: arrays of objects with
// snake_case keys; secrets are never part of them).
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// nonNil makes an empty listing print as [] rather than null.
func nonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// listCommand builds a "list" command of a store listing (fetch is a
// method expression such as (*store.Store).ListEmployees): no arguments,
// --json for an array of objects, otherwise a table with header (columns
// separated by tabs) and one row per item.
func listCommand[T any](short string, fetch func(*store.Store, context.Context) ([]T, error), header string, row func(T) string) *Command {
	var asJSON bool
	return &Command{
		Name:        "list",
		Short:       short,
		exampleArgs: "--json",
		Flags:       func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "print JSON") },
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("list takes no arguments")
			}
			s, err := env.Store(ctx)
			if err != nil {
				return err
			}
			items, err := fetch(s, ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(env.Stdout, nonNil(items))
			}
			cols := strings.Split(header, "\t")
			t := newTable(cols...).keepWhole(cols[0]).freeText(cols[1:]...) // the first column names the item
			for _, it := range items {
				t.row(anySlice(strings.Split(row(it), "\t"))...)
			}
			return t.print(env.Stdout, env.Wide)
		},
	}
}

// storeWithArgs checks that there are n positional arguments (wrong usage
// otherwise, with the message and args of usagef) and opens the store.
func storeWithArgs(ctx context.Context, env *Env, args []string, n int, format string, a ...any) (*store.Store, error) {
	if len(args) != n {
		return nil, usagef(format, a...)
	}
	return env.Store(ctx)
}
