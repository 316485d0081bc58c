package wfecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/wfehq/wfe/engine/timer"
	"github.com/wfehq/wfe/internal/textdist"
	"github.com/wfehq/wfe/store"
)

// Command is one node of the command tree. Leaf commands have Run; group
// commands have Subs. Each command file adds its commands in init() with
// root.Add, so commands stay in files of their own.
type Command struct {
	Name  string // e.g. "validate"
	Args  string // synopsis of the positional arguments, e.g. "FILE..."
	Short string // one line for listings
	Long  string // paragraph(s) for --help
	// Flags declares the command's flags on fs (bound to variables the
	// command's Run reads).
	Flags func(fs *flag.FlagSet)
	Run   func(ctx context.Context, env *Env, args []string) error
	Subs  []*Command

	parent *Command
}

// Add attaches sub-commands to c (and keeps them sorted for listings).
func (c *Command) Add(subs ...*Command) {
	for _, s := range subs {
		s.parent = c
		c.Subs = append(c.Subs, s)
	}
	sort.Slice(c.Subs, func(i, j int) bool { return c.Subs[i].Name < c.Subs[j].Name })
}

// Sub returns the named sub-command, creating an empty group when missing,
// so several files can add commands to the same group.
func (c *Command) Sub(name, short string) *Command {
	for _, s := range c.Subs {
		if s.Name == name {
			return s
		}
	}
	g := &Command{Name: name, Short: short}
	c.Add(g)
	return g
}

func (c *Command) path() string {
	if c.parent == nil {
		return c.Name
	}
	return c.parent.path() + " " + c.Name
}

// usageError is a wrong invocation: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef reports wrong usage (exit status 2).
func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// Env is what a command sees: its streams, global options and helpers.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// DB is the global --db value (SQLite path or postgres:// URL).
	DB string
	// Getenv reads the environment (replaceable in tests).
	Getenv func(string) string
	// Extensions add actions, conditions and data types to every registry
	// the command builds.
	Extensions []Extension
	// closers run when the command ends (open stores, servers).
	closers []func() error
	// st is the store Store opened for this command, until it ends.
	st *store.Store
	// watch lets the caller of Execute follow a long-running command.
	watch watchers
}

// watchers are told about moments inside long-running commands, so that
// whoever started the command (a test, an embedding program) can wait for
// them instead of guessing with sleeps. Each one may be nil.
type watchers struct {
	// serveReady is called once serve's scheduler runs.
	serveReady func(node string)
	// timerStart is called at the start of every timer execution, in the
	// execution's goroutine; it may hold the run by blocking.
	timerStart func(ctx context.Context, t timer.Task)
}

// OnClose registers f to run when the command ends.
func (e *Env) OnClose(f func() error) { e.closers = append(e.closers, f) }

func (e *Env) close() error {
	var errs []error
	for i := len(e.closers) - 1; i >= 0; i-- {
		if err := e.closers[i](); err != nil {
			errs = append(errs, err)
		}
	}
	e.closers = nil
	return errors.Join(errs...)
}

// Execute runs the command line args (without the program name) and
// returns the exit status: 0 ok, 1 user-facing error, 2 wrong usage.
func Execute(ctx context.Context, root *Command, env *Env, args []string) int {
	cmd := root
	// global flags come before the command words
	gfs := flag.NewFlagSet("wfe", flag.ContinueOnError)
	gfs.SetOutput(io.Discard)
	defDB := env.Getenv("WFE_DB")
	if defDB == "" {
		defDB = "wfe.db"
	}
	gfs.StringVar(&env.DB, "db", defDB, "database: SQLite file path or postgres:// URL (env WFE_DB)")
	help := gfs.Bool("help", false, "show help")
	gfs.BoolVar(help, "h", false, "show help")
	if err := gfs.Parse(args); err != nil {
		fmt.Fprintf(env.Stderr, "wfe: %v\n\n", err)
		printHelp(env.Stderr, root, gfs)
		return 2
	}
	args = gfs.Args()
	for len(args) > 0 && len(cmd.Subs) > 0 {
		next := findSub(cmd, args[0])
		if next == nil {
			if isHelpArg(args[0]) {
				printHelp(env.Stdout, cmd, gfs)
				return 0
			}
			fmt.Fprintf(env.Stderr, "wfe: unknown command %q for %q%s\n", args[0], cmd.path(), suggest(cmd, args[0]))
			fmt.Fprintf(env.Stderr, "Run '%s --help' for usage.\n", cmd.path())
			return 2
		}
		cmd = next
		args = args[1:]
	}
	if *help {
		printHelp(env.Stdout, cmd, gfs)
		return 0
	}
	if cmd.Run == nil {
		if len(args) > 0 && isHelpArg(args[0]) {
			printHelp(env.Stdout, cmd, gfs)
			return 0
		}
		printHelp(env.Stderr, cmd, gfs)
		return 2
	}
	fs := flag.NewFlagSet(cmd.path(), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	// --db is accepted after the command words as well.
	fs.StringVar(&env.DB, "db", env.DB, "database: SQLite file path or postgres:// URL (env WFE_DB)")
	fs.Lookup("db").DefValue = store.RedactDSN(env.DB) // help shows no password
	if cmd.Flags != nil {
		cmd.Flags(fs)
	}
	rest, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		printCommandHelp(env.Stdout, cmd, fs)
		return 0
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", cmd.path(), err)
		fmt.Fprintf(env.Stderr, "Run '%s --help' for usage.\n", cmd.path())
		return 2
	}
	err = cmd.Run(ctx, env, rest)
	if cerr := env.close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(env.Stderr, "%s: %v\n", cmd.path(), err)
			fmt.Fprintf(env.Stderr, "Run '%s --help' for usage.\n", cmd.path())
			return 2
		}
		var silent silentError
		if !errors.As(err, &silent) {
			fmt.Fprintf(env.Stderr, "%s: %v\n", cmd.path(), err)
		}
		return 1
	}
	return 0
}

// silentError makes Execute exit 1 without printing (the command already
// told the user what went wrong, e.g. validation diagnostics).
type silentError struct{ err error }

func (e silentError) Error() string { return e.err.Error() }
func (e silentError) Unwrap() error { return e.err }

// parseInterspersed parses flags that may stand before, between or after
// positional arguments; "--" ends flag parsing.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		if args[0] == "--" {
			return append(rest, args[1:]...), nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

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

func printHelp(w io.Writer, c *Command, gfs *flag.FlagSet) {
	if c.Run != nil {
		fs := flag.NewFlagSet(c.path(), flag.ContinueOnError)
		if c.Flags != nil {
			c.Flags(fs)
		}
		printCommandHelp(w, c, fs)
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
	fmt.Fprintf(w, "\nGlobal flags:\n  --db DB        database: SQLite file path or postgres:// URL (default wfe.db, env WFE_DB)\n")
	fmt.Fprintf(w, "\nRun '%s COMMAND --help' for a command's flags.\n", c.path())
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
}

// root is the command tree; command files add to it in init().
var root = &Command{
	Name:  "wfe",
	Short: "wfe runs WorkFlowMapping workflows that file e-mail into the CRM.",
	Long: `wfe is a workflow-engine runtime for CRM mail automation: timers fire
WorkFlowMapping workflows whose actions import mail from IMAP mailboxes as CRM
activities, store attachments as documents, and send mail over SMTP.`,
}

// Main runs the wfe command line with os.Args and exits with its status.
// Extensions pass their registrations (actions, conditions, data types):
// a company's own wfe binary is a main.go of a few lines that calls
// wfecmd.Main(mypkg.Register).
func Main(extensions ...Extension) {
	os.Exit(Run(os.Args[1:], extensions...))
}

// Run runs the command line args (without the program name) on the
// process's standard streams and returns the exit status: 0 ok, 1 a
// user-facing error, 2 wrong usage.
func Run(args []string, extensions ...Extension) int {
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Extensions: extensions}
	ctx, stop := signalContext(context.Background())
	defer stop()
	return Execute(ctx, root, env, args)
}
