package wfecmd

import (
	"errors"
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wfehq/wfe/store"
)

// userMessage is the text of err as the command line prints it: the
// store's class words at the end of a message (": not found",
// ": conflict") become part of the sentence, and PostgreSQL's "ERROR:"
// prefixes and SQLSTATE codes are dropped.
func userMessage(err error) string {
	msg := err.Error()
	msg = sqlState.ReplaceAllString(msg, "")
	msg = strings.ReplaceAll(msg, "ERROR: ", "")
	switch {
	case errors.Is(err, store.ErrNotFound):
		msg = replaceClass(msg, store.ErrNotFound, " does not exist")
	case errors.Is(err, store.ErrConflict):
		if strings.Contains(msg, "already exists") {
			msg = replaceClass(msg, store.ErrConflict, "")
		} else {
			msg = replaceClass(msg, store.ErrConflict, " conflicts with what is stored")
		}
	case errors.Is(err, store.ErrInvalid):
		msg = replaceClass(msg, store.ErrInvalid, "")
	}
	return msg
}

// sqlState matches the " (SQLSTATE 23505)" PostgreSQL errors end with.
var sqlState = regexp.MustCompile(` ?\(SQLSTATE [0-9A-Z]{5}\)`)

// replaceClass replaces ": "+class wherever it ends a clause of msg (at the
// end, or before a ";", "(" or ":") with with.
func replaceClass(msg string, class error, with string) string {
	suffix := ": " + class.Error()
	var b strings.Builder
	for {
		i := strings.Index(msg, suffix)
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		rest := msg[i+len(suffix):]
		b.WriteString(msg[:i])
		if rest == "" || strings.ContainsAny(rest[:1], ";(:,") || strings.HasPrefix(rest, " (") {
			b.WriteString(with)
		} else {
			b.WriteString(suffix)
		}
		msg = rest
	}
}

// flagErrors match the errors of package flag.
var (
	flagUndefined = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	flagNoValue   = regexp.MustCompile(`^flag needs an argument: -+(.+)$`)
	flagBadValue  = regexp.MustCompile(`^invalid (?:boolean )?value (".*") for (?:flag )?-+([^:]+): (.*)$`)
)

// flagMessage rewrites an error of fs.Parse as a sentence that names the
// flag as --NAME and, for a value of the wrong kind, the kind expected.
func flagMessage(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if m := flagUndefined.FindStringSubmatch(msg); m != nil {
		return usagef("there is no flag --%s", m[1])
	}
	if m := flagNoValue.FindStringSubmatch(msg); m != nil {
		return usagef("--%s needs a value", m[1])
	}
	m := flagBadValue.FindStringSubmatch(msg)
	if m == nil {
		return usageError{msg}
	}
	value, uerr := strconv.Unquote(m[1])
	if uerr != nil {
		value = m[1]
	}
	name, reason := m[2], m[3]
	if reason == "parse error" || strings.HasPrefix(reason, "strconv.") {
		reason = "not " + flagKind(fs.Lookup(name))
	}
	return usagef("--%s %s: %s", name, value, reason)
}

// flagKind names what a flag takes, for "--x V: not ..." messages.
func flagKind(f *flag.Flag) string {
	if f == nil {
		return "a valid value"
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return "a valid value"
	}
	switch g.Get().(type) {
	case time.Duration:
		return "a duration: write a number with a unit, such as 90s, 10m or 1h30m"
	case bool:
		return "true or false"
	case int, int64, uint, uint64:
		return "a whole number"
	case float64:
		return "a number"
	}
	return fmt.Sprintf("a valid value for --%s", f.Name)
}
