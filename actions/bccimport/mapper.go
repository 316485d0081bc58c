package bccimport

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/actions/mailparse"
	"github.com/wfehq/wfe/store"
)

// Mapper is the BCC importer's mailimport.Mapper (see the package doc for
// the rules it applies). It only reads the store.
type Mapper struct {
	Type   string // activity type, e.g. MAILAUS
	Status string // status key, e.g. E
	// Search, when set, is the ExtendedSearch a contact must pass to be
	// linked (docs/REQUIREMENTS.md R15).
	Search *store.ContactMatcher
	// Collectors are the lower-case addresses of the collector mailbox;
	// empty disables the envelope check.
	Collectors []string
}

var _ mailimport.Mapper = (*Mapper)(nil)

// Map implements mailimport.Mapper.
func (m *Mapper) Map(ctx context.Context, in *mailimport.Input) (mailimport.Decision, error) {
	mail := in.Mail
	if reason := m.envelopeMismatch(mail.DeliveredTo); reason != "" {
		return mailimport.Decision{Kind: mailimport.Skip, Reason: reason}, nil
	}
	from := strings.ToLower(strings.TrimSpace(mail.From.Addr))
	if from == "" {
		return mailimport.Decision{Kind: mailimport.Quarantine, Reason: "the mail has no sender address (From), so no employee sent it"}, nil
	}
	sender, err := in.Store.EmployeeByEmail(ctx, from)
	if errors.Is(err, store.ErrNotFound) {
		return mailimport.Decision{Kind: mailimport.Quarantine, Reason: fmt.Sprintf("sender %s is no employee", from)}, nil
	}
	if err != nil {
		return mailimport.Decision{}, err
	}

	recipients := m.recipients(in)
	if len(recipients) > 0 && allInternal(in.Settings, recipients) && (in.RunAs == nil || !in.RunAs.ImportInternalMails) {
		who := "the run-as user"
		if in.RunAs != nil {
			who = "employee " + in.RunAs.Login
		}
		return mailimport.Decision{Kind: mailimport.Skip, Reason: fmt.Sprintf("skipped: internal domain (every recipient is in %s; %s does not import internal mails)",
			strings.Join(in.Settings.InternalDomains, ", "), who)}, nil
	}

	a := mailimport.BaseActivity(in)
	a.Type, a.Status = m.Type, m.Status
	a.MatchExplanation = append(a.MatchExplanation, fmt.Sprintf("sender %s: employee %s", from, sender.Login))
	for _, r := range recipients {
		lines, contacts, partners, err := m.link(ctx, in, r)
		if err != nil {
			return mailimport.Decision{}, err
		}
		a.MatchExplanation = append(a.MatchExplanation, lines...)
		a.ContactIDs = append(a.ContactIDs, contacts...)
		a.PartnerIDs = append(a.PartnerIDs, partners...)
	}
	a.Unassigned = len(a.ContactIDs) == 0
	if a.Unassigned {
		a.MatchExplanation = append(a.MatchExplanation, "unassigned: no recipient is linked to a contact")
	}
	dec := mailimport.Decision{Kind: mailimport.Import, Activity: a}
	if e := in.RunAs; e != nil && e.UseImportFolder && strings.TrimSpace(e.ImportFolder) != "" {
		dec.Folder = strings.TrimSpace(e.ImportFolder)
		a.MatchExplanation = append(a.MatchExplanation, fmt.Sprintf("import folder %q: preference of employee %s", dec.Folder, e.Login))
	}
	return dec, nil
}

// envelopeMismatch explains why a copy was meant for another mailbox: its
// envelope recipients (Delivered-To, X-Original-To) name none of the
// collector's addresses. "" when it is ours or cannot be told.
func (m *Mapper) envelopeMismatch(delivered []string) string {
	if len(m.Collectors) == 0 || len(delivered) == 0 {
		return ""
	}
	for _, d := range delivered {
		if contains(m.Collectors, strings.ToLower(strings.TrimSpace(d))) {
			return ""
		}
	}
	return fmt.Sprintf("skipped: envelope recipient %s is not this collector (%s)", strings.Join(delivered, ", "), strings.Join(m.Collectors, ", "))
}

// recipients returns the To and Cc addresses, lower-case, once each,
// without the collector itself.
func (m *Mapper) recipients(in *mailimport.Input) []string {
	var out []string
	for _, a := range append(append([]mailparse.Address(nil), in.Mail.To...), in.Mail.Cc...) {
		s := strings.ToLower(strings.TrimSpace(a.Addr))
		if s == "" || contains(out, s) || contains(m.Collectors, s) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// link decides for one recipient address which contacts are linked, with
// an explanation line per contact (or one for none).
func (m *Mapper) link(ctx context.Context, in *mailimport.Input, addr string) (lines []string, contacts, partners []int64, err error) {
	if in.Settings.IsInternalAddress(addr) {
		return []string{fmt.Sprintf("not linked %s: internal address", addr)}, nil, nil, nil
	}
	ms, err := in.ContactsByEmail(ctx, addr)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(ms) == 0 {
		return []string{fmt.Sprintf("not linked %s: no contact", addr)}, nil, nil, nil
	}
	for _, cm := range ms {
		who := Describe(cm)
		if m.Search != nil {
			ok, err := m.Search.Match(cm)
			if err != nil {
				lines = append(lines, fmt.Sprintf("not linked %s: %s: ExtendedSearch %s failed: %v", addr, who, m.Search.PK, err))
				continue
			}
			if !ok {
				lines = append(lines, fmt.Sprintf("not linked %s: %s excluded by ExtendedSearch %s (%s)", addr, who, m.Search.PK, m.Search.Source))
				continue
			}
			who += fmt.Sprintf(", accepted by ExtendedSearch %s", m.Search.PK)
		}
		lines = append(lines, fmt.Sprintf("linked %s: %s", addr, who))
		contacts = append(contacts, cm.Contact.ID)
		partners = append(partners, cm.Partner.ID)
	}
	return lines, contacts, partners, nil
}

// Describe names a contact with its business partner and roles, as the
// explanations write it: `contact 17 (Jürgen Müller) of partner Müller
// GmbH (Kunde)`.
func Describe(cm store.ContactMatch) string {
	s := fmt.Sprintf("contact %d", cm.Contact.ID)
	if name := strings.TrimSpace(cm.Contact.FirstName + " " + cm.Contact.LastName); name != "" {
		s += " (" + name + ")"
	}
	s += " of partner " + cm.Partner.Name
	if len(cm.Partner.Roles) > 0 {
		s += " (" + strings.Join(cm.Partner.Roles, ", ") + ")"
	}
	return s
}

func allInternal(set store.Settings, addrs []string) bool {
	for _, a := range addrs {
		if !set.IsInternalAddress(a) {
			return false
		}
	}
	return len(set.InternalDomains) > 0
}
