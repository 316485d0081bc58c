package wfecmd

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/wfehq/wfe/internal/textdist"
)

func isHelpArg(a string) bool {
	return a == "--help" || a == "-help" || a == "-h" || a == "help"
}

func findSub(c *Command, name string) *Command {
	for _, s := range c.Subs {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func suggest(c *Command, name string) string {
	names := make([]string, len(c.Subs))
	for i, s := range c.Subs {
		names[i] = s.Name
	}
	best := textdist.Suggest(name, names)
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// helpCommand is `wfe help [COMMAND...]` (and `wfe --help COMMAND...`):
// the help of the command the words name below from, on stdout.
func helpCommand(env *Env, from *Command, words []string) int {
	c := from
	for _, w := range words {
		next := findSub(c, w)
		if next == nil {
			fmt.Fprintf(env.Stderr, "wfe help: unknown command %q for %q%s\n", w, c.path(), suggest(c, w))
			return exitUsage
		}
		c = next
	}
	printHelp(env.Stdout, c, env.DB)
	return exitOK
}

// printHelp writes the help of c (db: the --db value its flags show): a leaf command's usage, flags and
// example, or a group's commands and the examples of its commands.
func printHelp(w io.Writer, c *Command, db string) {
	if c.Run != nil {
		printCommandHelp(w, c, commandFlags(c, &db, new(bool)))
		return
	}
	if c.Long != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(c.Long))
	} else if c.Short != "" {
		fmt.Fprintf(w, "%s\n\n", c.Short)
	}
	fmt.Fprintf(w, "Usage:\n  %s [--db DB] COMMAND [flags] [args]\n\nCommands:\n", c.path())
	for _, s := range c.Subs {
		fmt.Fprintf(w, "  %-14s %s\n", s.Name, s.Short)
	}
	if c.parent == nil {
		fmt.Fprintf(w, "\nGlobal flags:\n  --db DB        database: SQLite file path or postgres:// URL (default wfe.db, env WFE_DB)\n")
		fmt.Fprintf(w, "  --version      print the version\n")
	} else {
		printExample(w, groupExample(c))
	}
	top := rootOf(c).Name
	helpPath := top + " help" + strings.TrimPrefix(c.path(), top)
	fmt.Fprintf(w, "\nRun '%s COMMAND' or '%s COMMAND --help' for a command's flags and an example.\n", helpPath, c.path())
}

// groupExample is the first example line of every command of group c.
func groupExample(c *Command) string {
	var lines []string
	for _, s := range c.Subs {
		ex := s.Example
		if s.Run == nil {
			ex = groupExample(s)
		}
		if first, _, _ := strings.Cut(ex, "\n"); first != "" {
			lines = append(lines, first)
		}
	}
	return strings.Join(lines, "\n")
}

func printExample(w io.Writer, example string) {
	if example == "" {
		return
	}
	fmt.Fprintln(w, "\nExample:")
	for _, l := range strings.Split(strings.TrimSpace(example), "\n") {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

func rootOf(c *Command) *Command {
	for c.parent != nil {
		c = c.parent
	}
	return c
}

func printCommandHelp(w io.Writer, c *Command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s [flags] %s\n\n", c.path(), c.Args)
	if c.Long != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(c.Long))
	} else if c.Short != "" {
		fmt.Fprintf(w, "%s\n\n", c.Short)
	}
	fmt.Fprintln(w, "Flags:")
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		if name != "" {
			name = " " + name
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "[]" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  --%s%s\n        %s%s\n", f.Name, name, usage, def)
	})
	printExample(w, c.Example)
}
