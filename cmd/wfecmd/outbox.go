package wfecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wfehq/wfe/actions/sendmail"
	"github.com/wfehq/wfe/errclass"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/outbox"
)

const outboxLong = `The outbox holds the mail wfe sends: forwards (ForwardMailAction) and
automatic answers (AutoReplyAction) until they are sent, and a record of
every activity sent (wfe send, SendMailAction). A forward or answer the
server does not take is retried: after about a minute, then twice as long
each time up to an hour (with jitter), by the next run of a mailbox rule of
the same configuration, by wfe import-mail and by the MAIL_AUTO_IMPORT timer
of wfe serve. A permanent failure (login or recipient refused, locked
configuration) is not retried, nor a mail still not sent after five days:
it stays "failed" with its reason until 'wfe outbox retry' is asked to try
it again. The outbox keeps no credentials; each attempt uses the mail
configuration as it is then.`

func init() {
	var (
		asJSON            bool
		state, kind       string
		activity          int64
		limit             int
		failed            bool
		outboxStates      = []string{outbox.StatePending, outbox.StateSent, outbox.StateFailed}
		outboxKinds       = []string{outbox.KindForward, outbox.KindAutoReply, outbox.KindSend, outbox.KindWatchdog}
		listFlags, rflags func(fs *flag.FlagSet)
	)
	listFlags = func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print JSON")
		fs.StringVar(&state, "state", "", "only entries in this `STATE` (pending, sent, failed)")
		fs.StringVar(&kind, "kind", "", "only entries of this `KIND` (forward, auto_reply, send, watchdog)")
		fs.Int64Var(&activity, "activity", 0, "only entries about the activity `ID`")
		fs.IntVar(&limit, "limit", 50, "show at most `N` entries (0: all)")
	}
	rflags = func(fs *flag.FlagSet) {
		fs.BoolVar(&failed, "failed", false, "try the failed entries again as well")
	}
	g := root.Sub("outbox", "show and retry the mail wfe sends")
	g.Long = outboxLong
	g.Add(&Command{
		Name:    "list",
		Short:   "list outbox entries, newest first",
		Example: "wfe outbox list --state failed\nwfe outbox list --activity 42 --json",
		Long:    outboxLong,
		Flags:   listFlags,
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("list takes no arguments")
			}
			if state != "" && !slices.Contains(outboxStates, state) {
				return usagef("--state %q: use one of %s", state, strings.Join(outboxStates, ", "))
			}
			if kind != "" && !slices.Contains(outboxKinds, kind) {
				return usagef("--kind %q: use one of %s", kind, strings.Join(outboxKinds, ", "))
			}
			if limit < 0 {
				return usagef("--limit must not be negative")
			}
			st, err := env.Store(ctx)
			if err != nil {
				return err
			}
			l, err := st.Outbox().List(ctx, outbox.Filter{State: state, Kind: kind, ActivityID: activity, Limit: limit})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(env.Stdout, nonNil(l))
			}
			return printOutbox(env.Stdout, l, env.Wide)
		},
	}, &Command{
		Name:    "retry",
		Args:    "[ID...]",
		Short:   "send pending outbox entries now, or the given ones",
		Example: "wfe outbox retry\nwfe outbox retry 17 18\nwfe outbox retry --failed",
		Long: `retry sends now the pending forwards and automatic answers of the outbox,
whatever the time of their next attempt; with IDs only those entries, which
may also be failed ones (for instance after the mail configuration's
password was corrected). --failed tries every failed entry as well. Each
entry's outcome is printed; the exit status is 1 when one was not sent.`,
		Flags: rflags,
		Run: func(ctx context.Context, env *Env, args []string) error {
			ids, err := outboxIDs(args)
			if err != nil {
				return err
			}
			st, err := env.Store(ctx)
			if err != nil {
				return err
			}
			return retryOutbox(ctx, env, st, ids, failed)
		},
	})
}

// outboxIDs reads the entry ids of wfe outbox retry.
func outboxIDs(args []string) ([]int64, error) {
	var ids []int64
	for _, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return nil, usagef("%q is not an outbox entry id (a positive number)", a)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// retryOutbox makes the selected failed entries pending and sends the
// selected pending ones now.
func retryOutbox(ctx context.Context, env *Env, st *store.Store, ids []int64, failed bool) error {
	now := time.Now()
	if len(ids) > 0 || failed {
		if _, err := st.Outbox().Requeue(ctx, now, ids); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		pending, err := st.Outbox().List(ctx, outbox.Filter{State: outbox.StatePending})
		if err != nil {
			return err
		}
		for _, e := range pending {
			ids = append(ids, e.ID)
		}
	}
	d := sendmail.Deps{Store: st, Logger: envLogger(env), Node: nodeName()}
	var notSent []string
	for _, id := range ids {
		a, err := sendmail.Retry(ctx, d, id)
		switch {
		case err != nil:
			notSent = append(notSent, fmt.Sprint(id))
			fmt.Fprintf(env.Stdout, "%d: %v\n", id, err)
		case a.State == outbox.StateSent:
			fmt.Fprintf(env.Stdout, "%d: sent as <%s>\n", id, a.MessageID)
		default:
			notSent = append(notSent, fmt.Sprint(id))
			fmt.Fprintf(env.Stdout, "%d: %s (%s): %v\n", id, outcomeOf(a), errclass.Of(a.Err), a.Err)
		}
	}
	if len(ids) == 0 {
		fmt.Fprintln(env.Stdout, "nothing pending in the outbox")
	}
	if len(notSent) > 0 {
		return errors.New("not sent: outbox entries " + strings.Join(notSent, ", ") + " ('wfe outbox list' shows why)")
	}
	return nil
}

func outcomeOf(a sendmail.Attempt) string {
	if a.State == outbox.StatePending && a.Next != nil {
		return "failed again, next attempt at " + a.Next.Local().Format(time.DateTime)
	}
	return "failed for good"
}

func printOutbox(w io.Writer, l []outbox.Entry, wide bool) error {
	t := newTable("ID", "KIND", "STATE", "ACTIVITY", "TO", "SUBJECT", "ATTEMPTS", "WHEN", "ERROR").keepWhole("ID", "ACTIVITY").
		freeText("TO", "SUBJECT", "WHEN", "ERROR")
	for _, e := range l {
		act := "-"
		if e.ActivityID != nil {
			act = fmt.Sprint(*e.ActivityID)
		}
		when := ""
		switch {
		case e.State == outbox.StateSent:
			when = "sent " + localTime(e.SentAt)
		case e.State == outbox.StatePending:
			when = "next " + localTime(e.NextAttemptAt)
		}
		errText := e.LastError
		if e.ErrorClass != "" && errText != "" {
			errText = e.ErrorClass + ": " + errText
		}
		t.row(e.ID, e.Kind, e.State, act, dash(strings.Join(e.Recipients, ",")), dash(e.Subject), e.Attempts, dash(when), errText)
	}
	return t.print(w, wide)
}
