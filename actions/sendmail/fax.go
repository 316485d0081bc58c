package sendmail

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wfehq/wfe/store"
)

// ErrNoFaxNumber: neither the activity's contact nor its business partner
// has a fax number.
var ErrNoFaxNumber = errors.New("no fax number")

// IsFax reports whether activities of type actType are sent to the fax
// server (the fax activity type setting, docs/REQUIREMENTS.md R29).
func IsFax(set store.Settings, actType string) bool {
	return set.FaxActivityType != "" && strings.EqualFold(strings.TrimSpace(actType), set.FaxActivityType)
}

// NormalizeFaxNumber keeps the digits of a fax number and a leading "+":
// "+49 (30) 123-45 67" becomes "+49301234567". It returns "" when no
// digit is left.
func NormalizeFaxNumber(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	if strings.HasPrefix(s, "+") {
		b.WriteByte('+')
	}
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
			digits++
		}
	}
	if digits == 0 {
		return ""
	}
	return b.String()
}

// FaxAddress returns the fax server address for act (docs/REQUIREMENTS.md R30): the fax
// address setting with ${fax} replaced by the fax number of the
// activity's first contact, else of that contact's business partner, else
// of the activity's first business partner. source names whose number it
// is. With no number the error names the contact and the partner that
// were asked, so the user can add the number or type it in place of the
// placeholder.
func FaxAddress(ctx context.Context, st *store.Store, set store.Settings, act *store.ActivityDetail) (addr, source string, err error) {
	if _, err := faxTo(set, act, "0"); err != nil {
		return "", "", err
	}
	var asked []string
	try := func(number, who string) bool {
		asked = append(asked, who)
		if NormalizeFaxNumber(number) != "" {
			addr, _ = faxTo(set, act, number)
			source = who
			return true
		}
		return false
	}
	if len(act.Contacts) > 0 {
		c := act.Contacts[0]
		if try(c.Contact.Fax, contactLabel(c.Contact)) || try(c.Partner.Fax, partnerLabel(c.Partner)) {
			return addr, source, nil
		}
	} else if len(act.PartnerIDs) > 0 {
		p, err := st.GetPartner(ctx, act.PartnerIDs[0])
		if err != nil {
			return "", "", fmt.Errorf("activity %d: business partner %d: %w", act.ID, act.PartnerIDs[0], err)
		}
		if try(p.Fax, partnerLabel(*p)) {
			return addr, source, nil
		}
	}
	if len(asked) == 0 {
		return "", "", fmt.Errorf("activity %d is a fax but is linked to no contact and no business partner: %w", act.ID, ErrNoFaxNumber)
	}
	return "", "", fmt.Errorf("activity %d is a fax but neither %s has a fax number; add one, or type the number in place of %s: %w",
		act.ID, strings.Join(asked, " nor "), store.FaxPlaceholder, ErrNoFaxNumber)
}

// faxTo fills the fax server address with number.
func faxTo(set store.Settings, act *store.ActivityDetail, number string) (string, error) {
	tmpl := strings.TrimSpace(set.FaxAddress)
	if !strings.Contains(tmpl, store.FaxPlaceholder) {
		return "", fmt.Errorf("activity %d is a fax (type %s) but the fax server address is not set: wfe settings set fax-address '%s@fax.example.com'", act.ID, act.Type, store.FaxPlaceholder)
	}
	n := NormalizeFaxNumber(number)
	if n == "" {
		return "", fmt.Errorf("activity %d: fax number %q has no digits: %w", act.ID, number, ErrNoFaxNumber)
	}
	return strings.ReplaceAll(tmpl, store.FaxPlaceholder, n), nil
}

func contactLabel(c store.Contact) string {
	name := strings.TrimSpace(c.FirstName + " " + c.LastName)
	if name == "" {
		name = c.Email
	}
	return fmt.Sprintf("contact %s (id %d)", name, c.ID)
}

func partnerLabel(p store.BusinessPartner) string {
	return fmt.Sprintf("business partner %s (id %d)", p.Name, p.ID)
}
