package mailimport

import (
	"context"
	"fmt"
	"strings"

	"github.com/wfehq/wfe/actions/mailparse"
	"github.com/wfehq/wfe/store"
)

// BaseActivity returns the activity fields every imported mail shares:
// subject, sender, To/Cc (lower-case addresses), text and HTML, start date
// (the mail's Date, else the server's internal date), Message-ID as global
// id, the mail configuration, creator and delegation (docs/REQUIREMENTS.md R11, R19:
// created by and delegated by the run-as employee, delegated to the
// delegate), and the GroupwareLock for external mail when locking is on
// (docs/REQUIREMENTS.md R25, R28). Type and status are left to the Mapper.
func BaseActivity(in *Input) *store.Activity {
	m := in.Mail
	a := &store.Activity{
		Subject:  m.Subject,
		Text:     m.Text,
		HTML:     m.HTML,
		Sender:   m.From.String(),
		To:       addrs(m.To),
		Cc:       addrs(m.Cc),
		GlobalID: m.MessageID,
	}
	if a.To == nil {
		a.To = store.StringList{}
	}
	if a.Cc == nil {
		a.Cc = store.StringList{}
	}
	start := m.Date
	if start.IsZero() {
		start = in.InternalDate
	}
	if !start.IsZero() {
		s := start.UTC()
		a.StartDate = &s
	}
	if in.Config != nil {
		id := in.Config.ID
		a.MailConfigID = &id
	}
	if in.RunAs != nil {
		id := in.RunAs.ID
		a.CreatedBy, a.DelegatedBy = &id, &id
	}
	if d := in.Delegate; d != nil {
		id := d.ID
		a.DelegatedTo = &id
		if a.DelegatedBy == nil {
			a.DelegatedBy = &id
		}
	} else if in.RunAs != nil {
		id := in.RunAs.ID
		a.DelegatedTo = &id
	}
	a.GroupwareLock = in.Settings.LockMail && IsExternal(in.Settings, m)
	return a
}

// IsExternal reports whether any address of the mail (From, To, Cc) lies
// outside the internal domains (docs/REQUIREMENTS.md R25).
func IsExternal(set store.Settings, m *mailparse.Mail) bool {
	all := []string{m.From.Addr}
	for _, l := range [][]mailparse.Address{m.To, m.Cc} {
		for _, a := range l {
			all = append(all, a.Addr)
		}
	}
	return set.IsExternal(all...)
}

func addrs(l []mailparse.Address) store.StringList {
	var out store.StringList
	for _, a := range l {
		if a.Addr != "" {
			out = append(out, strings.ToLower(a.Addr))
		}
	}
	return out
}

// Links are the contacts and business partners an activity is linked to,
// with one explanation line per address.
type Links struct {
	ContactIDs  []int64
	PartnerIDs  []int64
	Explanation []string
	Matches     []store.ContactMatch
}

// LinkContacts looks up the contacts of each address (case-insensitive)
// and their business partners. role names the address in the explanation
// ("sender", "recipient"). An address without a contact gets a line too.
func LinkContacts(ctx context.Context, st *store.Store, role string, addresses ...string) (Links, error) {
	return linkContacts(ctx, st.ContactsByEmail, role, addresses...)
}

// LinkContacts is LinkContacts with the run's remembered lookups
// (Input.ContactsByEmail).
func (in *Input) LinkContacts(ctx context.Context, role string, addresses ...string) (Links, error) {
	return linkContacts(ctx, in.ContactsByEmail, role, addresses...)
}

func linkContacts(ctx context.Context, lookup func(context.Context, string) ([]store.ContactMatch, error), role string, addresses ...string) (Links, error) {
	var l Links
	seen := map[string]bool{}
	for _, addr := range addresses {
		addr = strings.ToLower(strings.TrimSpace(addr))
		if addr == "" || seen[addr] {
			continue
		}
		seen[addr] = true
		ms, err := lookup(ctx, addr)
		if err != nil {
			return l, err
		}
		if len(ms) == 0 {
			l.Explanation = append(l.Explanation, fmt.Sprintf("%s %s: no contact with this address", role, addr))
			continue
		}
		for _, cm := range ms {
			l.ContactIDs = append(l.ContactIDs, cm.Contact.ID)
			l.PartnerIDs = append(l.PartnerIDs, cm.Partner.ID)
			l.Matches = append(l.Matches, cm)
			name := strings.TrimSpace(cm.Contact.FirstName + " " + cm.Contact.LastName)
			if name == "" {
				name = cm.Contact.Email
			}
			l.Explanation = append(l.Explanation, fmt.Sprintf("%s %s: contact %d (%s) at business partner %d (%s)",
				role, addr, cm.Contact.ID, name, cm.Partner.ID, cm.Partner.Name))
		}
	}
	return l, nil
}

// Apply links a to the contacts and partners and appends the explanation;
// an activity without any contact is marked unassigned.
func (l Links) Apply(a *store.Activity) {
	a.ContactIDs = append(a.ContactIDs, l.ContactIDs...)
	a.PartnerIDs = append(a.PartnerIDs, l.PartnerIDs...)
	a.MatchExplanation = append(a.MatchExplanation, l.Explanation...)
	a.Unassigned = len(a.ContactIDs) == 0
}

// Default activity type and status of ImportMailsAction: an incoming mail
// that still has to be dealt with.
const (
	DefaultActivityType   = store.TypeMailIn
	DefaultActivityStatus = store.StatusOpen
)

// IncomingMapper is the plain importer's Mapper (ImportMailsAction, import
// without a workflow): every mail becomes an activity of Type and Status,
// linked to the contacts of its sender address and their partners. A
// mail of a Sent Items folder (Input.Sent) becomes an outgoing mail
// (MAILAUS, done, unless Type and Status say otherwise than the
// defaults) linked to the contacts of its To and Cc addresses.
type IncomingMapper struct {
	Type   string // "" = DefaultActivityType
	Status string // "" = DefaultActivityStatus
}

var _ Mapper = IncomingMapper{}

// Map implements Mapper.
func (m IncomingMapper) Map(ctx context.Context, in *Input) (Decision, error) {
	a := BaseActivity(in)
	a.Type = firstNonEmpty(m.Type, DefaultActivityType)
	a.Status = firstNonEmpty(NormalizeStatus(m.Status), DefaultActivityStatus)
	role, addresses := "sender", []string{in.Mail.From.Addr}
	if in.Sent {
		if a.Type == DefaultActivityType {
			a.Type = store.TypeMailOut
		}
		if a.Status == DefaultActivityStatus {
			a.Status = store.StatusDone
		}
		role, addresses = "recipient", append(a.To, a.Cc...)
	}
	links, err := in.LinkContacts(ctx, role, addresses...)
	if err != nil {
		return Decision{}, err
	}
	links.Apply(a)
	return Decision{Kind: Import, Activity: a}, nil
}

// NormalizeStatus accepts a status key as workflows write it
// ("S_ACTSTATUS-E") or plain ("E").
func NormalizeStatus(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "S_ACTSTATUS-"); i >= 0 {
		s = s[i+len("S_ACTSTATUS-"):]
	}
	return s
}
