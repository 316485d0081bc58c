package wfecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"

	"github.com/wfehq/wfe/actions/sendmail"
	"github.com/wfehq/wfe/store"
)

func init() {
	var (
		config, as, faxNumber string
		dryRun, asJSON, again bool
	)
	root.Add(&Command{
		Name:    "send",
		Args:    "ACTIVITY_ID",
		Short:   "send an activity as mail (or fax) over SMTP or Microsoft Graph",
		Example: "wfe send 42 --as anna --dry-run\nwfe send 42 --again",
		Long: `send sends the activity ACTIVITY_ID as mail over the SMTP server of a mail
configuration, as SendMailAction does in a workflow, and prints its
Message-ID.

From is the configuration's display name and address (its user name, else
the employee's address); To and Cc, subject, text and documents are the
activity's. An activity of the fax activity type (wfe settings set
fax-activity-type) goes to the fax server address with the fax number of its
contact, else of its business partner; --fax-number gives the number when
neither has one. After sending, the Message-ID is recorded on the activity,
and an external recipient write-protects it (GroupwareLock).

A configuration without an SMTP server whose calendar system is Microsoft
Graph sends through Graph's sendMail, from the mailbox of the --as
employee, else of the sender address, and the mail is saved to Sent Items.

Without --config the activity's own mail configuration is used. A locked
configuration sends nothing; a rejected login or sign-in locks the
configuration (or the employee) like an import does.

Every send is recorded (also those of SendMailAction): an activity that was
sent before is refused with the time and Message-ID of that send, unless
--again asks to send it once more.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&config, "config", "", "`MATCHCODE` of the mail configuration to send with")
			fs.StringVar(&as, "as", "", "employee `LOGIN` the mail is sent for (sender address, groupware login)")
			fs.StringVar(&faxNumber, "fax-number", "", "fax `NUMBER` to use for a fax activity")
			fs.BoolVar(&dryRun, "dry-run", false, "show what would be sent; send and change nothing")
			fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
			fs.BoolVar(&again, "again", false, "send an activity that was sent before once more")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("send needs exactly one ACTIVITY_ID")
			}
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return usagef("ACTIVITY_ID %q is not an activity id (a positive number)", args[0])
			}
			st, err := env.Store(ctx)
			if err != nil {
				return err
			}
			emp, err := employeeFlag(ctx, st, "as", as)
			if err != nil {
				return err
			}
			res, err := sendmail.Send(ctx, sendmail.Deps{Store: st, Logger: envLogger(env)}, sendmail.Request{
				ActivityID: id, MatchCode: config, RunAs: emp, FaxNumber: faxNumber, DryRun: dryRun, Again: again,
			})
			if errors.Is(err, sendmail.ErrAlreadySent) {
				return fmt.Errorf("%w; it is not sent twice unless asked: give --again to send it once more", err)
			}
			if err != nil {
				if errors.Is(err, sendmail.ErrNoFaxNumber) && faxNumber == "" {
					return fmt.Errorf("%w (give the number with --fax-number NUMBER)", err)
				}
				return err
			}
			for _, w := range res.Warnings {
				fmt.Fprintf(env.Stderr, "wfe send: warning: %s\n", w)
			}
			if asJSON {
				return printJSON(env.Stdout, res)
			}
			if dryRun {
				fmt.Fprintln(env.Stdout, res.Summary())
				return nil
			}
			fmt.Fprintf(env.Stderr, "%s\n", res.Summary())
			fmt.Fprintln(env.Stdout, res.MessageID)
			return nil
		},
	})
}

// employeeFlag looks up the employee named by flag --NAME (nil when the
// flag is empty).
func employeeFlag(ctx context.Context, st *store.Store, name, login string) (*store.Employee, error) {
	if login == "" {
		return nil, nil
	}
	emp, err := st.EmployeeByLogin(ctx, login)
	if err != nil {
		return nil, fmt.Errorf("--%s %s: %w", name, login, err)
	}
	return emp, nil
}
