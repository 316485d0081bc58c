package groupwaresync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/syncstate"
)

// DefaultEmailFolder is the mail folder an email rule imports when it
// names none: the mailbox's inbox (Graph's well-known name).
const DefaultEmailFolder = "Inbox"

// IsEmailTable reports whether a rule's table is email: the rule imports
// the mail folders of each employee's Microsoft 365 mailbox into the CRM
// as the mail import does, incoming mail as activities and the Sent Items
// folder as outgoing mails (MAILAUS). Nothing goes back to the mailbox
// but the move of each imported mail into the configuration's import
// folder.
func IsEmailTable(table string) bool { return table == string(groupware.TableMail) }

// MailFolderImport asks for one folder of an employee's Microsoft 365
// mailbox to be imported for an email rule.
type MailFolderImport struct {
	Store *store.Store
	Now   func() time.Time // nil: time.Now
	// Config is the employee's groupware configuration (Microsoft Graph):
	// its sign-in, ledger, import and error folders are used.
	Config   *store.MailConfig
	Employee *store.Employee
	// Folder is a path of display names ("Inbox/Rechnungen") or a
	// well-known name; the Sent Items folder holds outgoing mail.
	Folder string
	// Preview lists and counts without changing anything.
	Preview bool
}

// MailFolderResult is what the import of one folder did or, in a
// preview, would do.
type MailFolderResult struct {
	// New counts the mails that became (would become) activities.
	New int
	// Quarantined counts the mails that went (would go) to quarantine.
	Quarantined int
}

// MailFolderImporter imports one mail folder for an email rule.
type MailFolderImporter func(context.Context, MailFolderImport) (MailFolderResult, error)

// mailFolderImporter is the mail import's entry point. The mail import
// package sets it (it imports this package, so this one cannot call it
// directly).
var mailFolderImporter MailFolderImporter

// SetMailFolderImporter installs the mail import's entry point for email
// rules.
func SetMailFolderImporter(f MailFolderImporter) { mailFolderImporter = f }

// runEmail runs (or previews) an email rule for every employee in its
// scope, with the same report and run record as the other tables.
func (r *Runner) runEmail(ctx context.Context, rule *syncstate.Rule, opts Options) (*Report, error) {
	if mailFolderImporter == nil {
		return nil, fmt.Errorf("sync rule %s: the mail import is not part of this program", rule.Name)
	}
	return r.forEachEmployee(ctx, rule, opts, func(one *run) { one.importMail(ctx, opts) })
}

// importMail is one employee's part of an email rule: every folder of
// the rule is imported from the employee's mailbox; the mails imported
// (or in a preview those that would be) count as new in the CRM.
func (r *run) importMail(ctx context.Context, opts Options) {
	if !r.ready(ctx) {
		return
	}
	if r.sess.system != SystemGraph {
		r.rep.fail(emailNeedsGraph(r.cfg, r.emp))
		return
	}
	folders, err := r.emailFolders(ctx)
	if err != nil {
		r.signInFailed(ctx, err)
		return
	}
	for _, f := range folders {
		res, err := mailFolderImporter(ctx, MailFolderImport{Store: r.Store, Now: r.Runner.Now, Config: r.cfg, Employee: r.emp,
			Folder: f, Preview: opts.Preview})
		r.rep.ToCRM.New += res.New
		r.rep.Quarantined += res.Quarantined
		if err != nil {
			r.mailFailed(ctx, f, err)
			return
		}
	}
}

// mailFailed reports a folder's failure. A refused sign-in locks the
// credentials' owner; the import has done so already when its error
// says it locked them.
func (r *run) mailFailed(ctx context.Context, folder string, err error) {
	err = fmt.Errorf("mail folder %s: %w", folder, err)
	if errors.Is(err, groupware.ErrAuth) && errors.Is(err, mailconn.ErrLocked) {
		r.rep.fail(err)
		r.rep.Skipped = "locked after a refused sign-in: no sign-in until the credentials change"
		return
	}
	r.signInFailed(ctx, err)
}

// emailNeedsGraph is the error for an email rule on a configuration
// whose groupware is not Microsoft Graph.
func emailNeedsGraph(cfg *store.MailConfig, emp *store.Employee) error {
	system, _ := ParseSystem(cfg.CalendarSystem)
	return fmt.Errorf("the email table imports mail from Microsoft 365 mailboxes only, and mail configuration %s (groupware of employee %s) has calendar system %s, not graph",
		cfg.MatchCode, emp.Login, system)
}

// CheckEmailRule refuses an email rule for employees in its scope whose
// groupware configuration is not Microsoft Graph, naming the first such
// configuration (a rule of another table passes). Employees without a
// groupware configuration are reported when the rule runs.
func CheckEmailRule(ctx context.Context, st *store.Store, rule *syncstate.Rule) error {
	if !IsEmailTable(rule.Table) {
		return nil
	}
	emps, err := (&Runner{Store: st}).scope(ctx, rule, "")
	if err != nil {
		return err
	}
	cfgs, err := st.Sync().GroupwareConfigs(ctx)
	if err != nil {
		return err
	}
	for i := range emps {
		id, ok := cfgs[emps[i].ID]
		if !ok {
			continue
		}
		cfg, err := st.GetMailConfig(ctx, id)
		if err != nil {
			return err
		}
		if system, _ := ParseSystem(cfg.CalendarSystem); system != SystemGraph {
			return emailNeedsGraph(cfg, &emps[i])
		}
	}
	return nil
}
