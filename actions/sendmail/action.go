package sendmail

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// SendMailName is the action's name in workflow XML.
const SendMailName = "SendMailAction"

// Register adds SendMailAction to reg. With a nil deps.Store the action can
// be listed and compiled, and fails at run time with ErrNoStore.
func Register(reg *engine.Registry, deps Deps) {
	reg.RegisterAction(&SendMail{Deps: deps})
}

// SendMail is SendMailAction: it sends an activity (ActivityId), or every
// activity of a work space (WorkSpace, e.g. an ImportResult), as mail
// over SMTP with a mail configuration; see the package documentation.
type SendMail struct {
	Deps Deps
}

var _ engine.Action = (*SendMail)(nil)

// activityLister is what a work space offers to be sent
// (mailimport.WorkSpace has it).
type activityLister interface {
	ActivityIDs() []int64
}

// Spec implements engine.Action.
func (a *SendMail) Spec() engine.ActionSpec {
	return engine.ActionSpec{
		Name: SendMailName,
		Description: "Sends an activity as mail over SMTP (From: the configuration's display name and address; To/Cc, subject, text and documents " +
			"of the activity), records the Message-ID as its global id and write-protects it when a recipient is external. " +
			"An activity of the fax activity type goes to the fax server address with the contact's or partner's fax number.",
		Params: []engine.Param{
			{Name: "SessionId", Type: engine.TypeString, Description: "login of the employee the mail is sent for; empty = the run-as user"},
			{Name: "ActivityId", Type: engine.TypeLong, Description: "the activity to send (or give WorkSpace)"},
			{Name: "WorkSpace", Type: engine.TypeWorkSpace, Description: "send every activity of this work space instead"},
			{Name: "MailConfigMatchCode", Type: engine.TypeString, Description: "mail configuration to send with; empty = the activity's own configuration"},
		},
		Outputs: []engine.Output{{Name: "MessageId", Type: engine.TypeString, Description: "Message-ID of the mail sent (space separated when several)"}},
	}
}

// Run implements engine.Action.
func (a *SendMail) Run(ctx context.Context, call *engine.Call) error {
	st := a.Deps.Store
	if st == nil {
		return engine.Permanent(fmt.Errorf("%s: %w", SendMailName, ErrNoStore))
	}
	var ids []int64
	switch ws := call.WorkSpace("WorkSpace"); {
	case call.Has("ActivityId"):
		ids = []int64{call.Int("ActivityId")}
	case ws != nil:
		l, ok := ws.(activityLister)
		if !ok {
			return engine.Permanent(fmt.Errorf("work space %s holds no activities to send", ws.WorkSpaceName()))
		}
		ids = l.ActivityIDs()
		if len(ids) == 0 {
			call.Logf("work space %s holds no activity: nothing to send", ws.WorkSpaceName())
			return nil
		}
	default:
		return engine.Permanent(fmt.Errorf("%s needs ActivityId or WorkSpace: %w", SendMailName, engine.ErrMissingParam))
	}
	login := call.String("SessionId")
	if login == "" {
		login = call.RunAs()
	}
	var emp *store.Employee
	if login != "" {
		var err error
		if emp, err = st.EmployeeByLogin(ctx, login); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return engine.Permanent(fmt.Errorf("the mail is sent for %q, who is not an employee: %w", login, err))
			}
			return engine.Retryable(err)
		}
	}
	var sent []string
	for _, id := range ids {
		// a workflow decides itself what it sends, also again; its sends
		// are recorded, so that wfe send notices them
		res, err := Send(ctx, a.Deps, Request{ActivityID: id, MatchCode: call.String("MailConfigMatchCode"), RunAs: emp, DryRun: call.DryRun(), Again: true})
		if err != nil {
			if len(sent) > 0 {
				call.Warnf("%d of %d activities were sent before the failure (Message-IDs %s)", len(sent), len(ids), strings.Join(sent, " "))
			}
			return err
		}
		call.Logf("%s", res.Summary())
		for _, w := range res.Warnings {
			call.Warnf("%s", w)
		}
		if res.MessageID != "" {
			sent = append(sent, res.MessageID)
		}
	}
	if len(sent) > 0 {
		call.SetOutput("MessageId", strings.Join(sent, " "))
	}
	return nil
}
