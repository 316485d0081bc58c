package wfecmd

import (
	"context"
	"flag"
	"fmt"
	"sort"
)

// Command is one node of the command tree. Leaf commands have Run; group
// commands have Subs. Each command file adds its commands in init() with
// root.Add, so commands stay in files of their own.
type Command struct {
	Name  string // e.g. "validate"
	Args  string // synopsis of the positional arguments, e.g. "FILE..."
	Short string // one line for listings
	Long  string // paragraph(s) for --help
	// Example is one or more command lines, one per line, that --help
	// shows (every leaf command has one; a group shows its commands').
	Example string
	// Flags declares the command's flags on fs (bound to variables the
	// command's Run reads).
	Flags func(fs *flag.FlagSet)
	Run   func(ctx context.Context, env *Env, args []string) error
	Subs  []*Command

	parent *Command
	// exampleArgs makes Add set Example to the command's path followed by
	// these arguments (commands built by helpers that do not know their
	// group).
	exampleArgs string
}

// Add attaches sub-commands to c (and keeps them sorted for listings).
func (c *Command) Add(subs ...*Command) {
	for _, s := range subs {
		s.parent = c
		if s.Example == "" && s.exampleArgs != "" {
			s.Example = s.path() + " " + s.exampleArgs
		}
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

// silentError makes Execute exit 1 without printing (the command already
// told the user what went wrong, e.g. validation diagnostics).
type silentError struct{ err error }

func (e silentError) Error() string { return e.err.Error() }
func (e silentError) Unwrap() error { return e.err }

// root is the command tree; command files add to it in init().
var root = &Command{
	Name:  "wfe",
	Short: "wfe runs WorkFlowMapping workflows that keep the CRM in step with mail and groupware.",
	Long: `wfe is a workflow-engine runtime for CRM mail and groupware automation:
timers fire WorkFlowMapping workflows whose actions import mail from IMAP or
Microsoft 365 mailboxes as CRM activities, store attachments as documents,
send mail over SMTP or Microsoft Graph, and synchronise contacts, appointments
and tasks with Microsoft 365 (Graph) or CardDAV/CalDAV servers both ways.`,
}
