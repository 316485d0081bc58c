package wfecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/wfehq/wfe/store"
)

// Exit statuses, the same in every command.
const (
	exitOK    = 0 // success
	exitError = 1 // a user-facing error: the message is on stderr
	exitUsage = 2 // wrong usage: unknown command or flag, wrong arguments
)

// Execute runs the command line args (without the program name) and
// returns the exit status: 0 ok, 1 user-facing error, 2 wrong usage.
func Execute(ctx context.Context, root *Command, env *Env, args []string) int {
	gfs, g := globalFlags(env)
	if err := gfs.Parse(args); err != nil {
		fmt.Fprintf(env.Stderr, "wfe: %s\n\n", flagMessage(gfs, err))
		printHelp(env.Stderr, root, env.DB)
		return exitUsage
	}
	switch {
	case g.version:
		fmt.Fprintln(env.Stdout, versionLine())
		return exitOK
	case g.help:
		return helpCommand(env, root, gfs.Args())
	}
	cmd, args, code := resolve(env, root, gfs.Args())
	if cmd == nil {
		return code
	}
	return runCommand(ctx, env, cmd, args)
}

const wideUsage = "listings print whole values instead of shortening them to fit 100 columns"

// globalOptions are the flags given before the command words.
type globalOptions struct{ help, version bool }

func globalFlags(env *Env) (*flag.FlagSet, *globalOptions) {
	gfs := flag.NewFlagSet("wfe", flag.ContinueOnError)
	gfs.SetOutput(io.Discard)
	defDB := env.Getenv("WFE_DB")
	if defDB == "" {
		defDB = "wfe.db"
	}
	g := &globalOptions{}
	gfs.StringVar(&env.DB, "db", defDB, "database: SQLite file path or postgres:// URL (env WFE_DB)")
	gfs.BoolVar(&env.Wide, "wide", false, wideUsage)
	gfs.BoolVar(&g.help, "help", false, "show help")
	gfs.BoolVar(&g.help, "h", false, "show help")
	gfs.BoolVar(&g.version, "version", false, "print the version")
	return gfs, g
}

// resolve follows the command words from root to a command. When it
// answers (help, an unknown word) it returns a nil command and the exit
// status.
func resolve(env *Env, root *Command, args []string) (*Command, []string, int) {
	cmd := root
	for len(args) > 0 && len(cmd.Subs) > 0 {
		next := findSub(cmd, args[0])
		if next == nil {
			if isHelpArg(args[0]) {
				return nil, nil, helpCommand(env, cmd, args[1:])
			}
			fmt.Fprintf(env.Stderr, "wfe: unknown command %q for %q%s\n", args[0], cmd.path(), suggest(cmd, args[0]))
			fmt.Fprintf(env.Stderr, "Run '%s --help' for usage.\n", cmd.path())
			return nil, nil, exitUsage
		}
		cmd = next
		args = args[1:]
	}
	if cmd.Run == nil {
		printHelp(env.Stderr, cmd, env.DB)
		return nil, nil, exitUsage
	}
	return cmd, args, exitOK
}

// runCommand parses the flags of a leaf command, runs it and turns its
// error into a message and an exit status.
func runCommand(ctx context.Context, env *Env, cmd *Command, args []string) int {
	fs := commandFlags(cmd, &env.DB, &env.Wide)
	rest, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		printCommandHelp(env.Stdout, cmd, fs)
		return exitOK
	}
	if err != nil {
		return reportUsage(env, cmd, flagMessage(fs, err))
	}
	err = cmd.Run(ctx, env, rest)
	if cerr := env.close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil || readerGone(err) {
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		return reportUsage(env, cmd, err)
	}
	var silent silentError
	if !errors.As(err, &silent) {
		fmt.Fprintf(env.Stderr, "%s: %s\n", cmd.path(), userMessage(err))
	}
	return exitError
}

// readerGone tells whether err is a write to a pipe whose reader has
// closed it ("wfe workflow list | head -1"): the reader took what it
// wanted, so there is nothing to report.
func readerGone(err error) bool { return errors.Is(err, syscall.EPIPE) }

func reportUsage(env *Env, cmd *Command, err error) int {
	fmt.Fprintf(env.Stderr, "%s: %s\n", cmd.path(), userMessage(err))
	fmt.Fprintf(env.Stderr, "Run '%s --help' for usage.\n", cmd.path())
	return exitUsage
}

// commandFlags is the flag set of a leaf command; db receives --db, which
// is accepted after the command words as well.
func commandFlags(cmd *Command, db *string, wide *bool) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd.path(), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(db, "db", *db, "database: SQLite file path or postgres:// URL (env WFE_DB)")
	fs.Lookup("db").DefValue = store.RedactDSN(*db) // help shows no password
	fs.BoolVar(wide, "wide", *wide, wideUsage)
	if cmd.Flags != nil {
		cmd.Flags(fs)
	}
	return fs
}

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
