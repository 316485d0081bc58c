package groupwaresync

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/syncstate"
)

// A groupware field of a contact: how to read it from and write it to
// the connector's Contact. Planner fields are named by these names.
type gwField struct {
	get func(c *groupware.Contact) string
	set func(c *groupware.Contact, v string)
}

func listField(list func(c *groupware.Contact) *[]string, i int) gwField {
	return gwField{
		get: func(c *groupware.Contact) string {
			if l := *list(c); i < len(l) {
				return l[i]
			}
			return ""
		},
		set: func(c *groupware.Contact, v string) { *list(c) = setAt(*list(c), i, v) },
	}
}

// setAt sets element i of l, growing it; an empty value at the end is
// dropped, so clearing the last address leaves no empty entry.
func setAt(l []string, i int, v string) []string {
	for len(l) <= i {
		l = append(l, "")
	}
	l[i] = v
	for len(l) > 0 && l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l
}

func strField(p func(c *groupware.Contact) *string) gwField {
	return gwField{get: func(c *groupware.Contact) string { return *p(c) }, set: func(c *groupware.Contact, v string) { *p(c) = v }}
}

func emails(c *groupware.Contact) *[]string { return &c.Emails }
func phones(c *groupware.Contact) *[]string { return &c.BusinessPhones }

// groupwareFields are the contact fields the connectors read and write.
var groupwareFields = map[string]gwField{
	"given_name":           strField(func(c *groupware.Contact) *string { return &c.GivenName }),
	"middle_name":          strField(func(c *groupware.Contact) *string { return &c.MiddleName }),
	"surname":              strField(func(c *groupware.Contact) *string { return &c.Surname }),
	"display_name":         strField(func(c *groupware.Contact) *string { return &c.DisplayName }),
	"email":                listField(emails, 0),
	"email2":               listField(emails, 1),
	"email3":               listField(emails, 2),
	"business_phone":       listField(phones, 0),
	"business_phone2":      listField(phones, 1),
	"mobile_phone":         strField(func(c *groupware.Contact) *string { return &c.MobilePhone }),
	"company":              strField(func(c *groupware.Contact) *string { return &c.Company }),
	"department":           strField(func(c *groupware.Contact) *string { return &c.Department }),
	"job_title":            strField(func(c *groupware.Contact) *string { return &c.JobTitle }),
	"business_street":      strField(func(c *groupware.Contact) *string { return &c.BusinessAddress.Street }),
	"business_city":        strField(func(c *groupware.Contact) *string { return &c.BusinessAddress.City }),
	"business_state":       strField(func(c *groupware.Contact) *string { return &c.BusinessAddress.State }),
	"business_postal_code": strField(func(c *groupware.Contact) *string { return &c.BusinessAddress.PostalCode }),
	"business_country":     strField(func(c *groupware.Contact) *string { return &c.BusinessAddress.Country }),
}

// notOnGraph are contact fields Microsoft Graph does not expose (R62);
// wfe's connectors do not map them either.
var notOnGraph = map[string]string{
	"business_fax": "business fax", "home_fax": "home fax", "car_phone": "car phone",
	"assistant_phone": "assistant phone", "anniversary": "anniversary",
	"postal_address": "chosen postal address", "private": "private flag",
}

// readOnlyCRM are CRM fields a sync reads but never writes: the display
// name is made of the names, the company is the business partner's name.
var readOnlyCRM = map[string]bool{"display_name": true, "partner": true}

// DefaultMapping is the contact mapping used until an admin sets one
// (R62): names, display name, e-mail, business and mobile phone, company
// = business partner, job title, business address.
func DefaultMapping() []syncstate.FieldPair {
	return []syncstate.FieldPair{
		{Groupware: "given_name", CRM: "first_name"}, {Groupware: "surname", CRM: "last_name"},
		{Groupware: "display_name", CRM: "display_name"}, {Groupware: "email", CRM: "email"},
		{Groupware: "business_phone", CRM: "phone"}, {Groupware: "mobile_phone", CRM: "mobile_phone"},
		{Groupware: "company", CRM: "partner"}, {Groupware: "job_title", CRM: "job_title"},
		{Groupware: "business_street", CRM: "street"}, {Groupware: "business_city", CRM: "city"},
		{Groupware: "business_postal_code", CRM: "postal_code"}, {Groupware: "business_country", CRM: "country"},
	}
}

// Mapping is a table's field mapping: groupware field → CRM field.
type Mapping struct{ Pairs []syncstate.FieldPair }

// LoadMapping reads the contacts mapping (the default when none is set).
func LoadMapping(ctx context.Context, st *store.Store) (Mapping, error) {
	pairs, err := st.Sync().FieldMap(ctx, string(groupware.TableContacts))
	if err != nil {
		return Mapping{}, err
	}
	if pairs == nil {
		pairs = DefaultMapping()
	}
	return Mapping{Pairs: pairs}, nil
}

// CheckPair refuses a pair naming an unknown field, or a groupware field
// no connector maps; system "graph" names R62's reason.
func CheckPair(p syncstate.FieldPair, system string) error {
	if what, ok := notOnGraph[p.Groupware]; ok {
		if system == SystemGraph {
			return fmt.Errorf("field %s: Microsoft Graph exposes no %s on contacts", p.Groupware, what)
		}
		return fmt.Errorf("field %s: wfe's contact connectors do not map the %s", p.Groupware, what)
	}
	if _, ok := groupwareFields[p.Groupware]; !ok {
		return fmt.Errorf("field %s: unknown groupware field (known: %s)", p.Groupware, strings.Join(GroupwareFieldNames(), ", "))
	}
	if !readOnlyCRM[p.CRM] && !contains(syncstate.ContactColumns, p.CRM) {
		return fmt.Errorf("field %s: unknown CRM field %q (known: %s, display_name, partner)", p.Groupware, p.CRM,
			strings.Join(syncstate.ContactColumns, ", "))
	}
	return nil
}

// Check refuses a mapping with a field the system cannot sync.
func (m Mapping) Check(system string) error {
	seen := map[string]bool{}
	for _, p := range m.Pairs {
		if err := CheckPair(p, system); err != nil {
			return err
		}
		if seen[p.Groupware] {
			return fmt.Errorf("field %s is mapped twice", p.Groupware)
		}
		seen[p.Groupware] = true
	}
	return nil
}

// GroupwareFieldNames lists the groupware contact fields, sorted.
func GroupwareFieldNames() []string {
	out := make([]string, 0, len(groupwareFields))
	for k := range groupwareFields {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// table is the planner's contacts table over the mapped fields.
func (m Mapping) table() plan.Table {
	names := make([]string, len(m.Pairs))
	for i, p := range m.Pairs {
		names[i] = p.Groupware
	}
	return plan.ContactTable(names...)
}

// crmFields gives a CRM contact's values under the groupware field names.
func (m Mapping) crmFields(c *syncstate.Contact) plan.Fields {
	f := make(plan.Fields, len(m.Pairs))
	for _, p := range m.Pairs {
		if v := strings.TrimSpace(c.Column(p.CRM)); v != "" {
			f[p.Groupware] = v
		}
	}
	return f
}

// groupwareFields gives a groupware contact's mapped values.
func (m Mapping) groupwareFields(c *groupware.Contact) plan.Fields {
	f := make(plan.Fields, len(m.Pairs))
	for _, p := range m.Pairs {
		if v := strings.TrimSpace(groupwareFields[p.Groupware].get(c)); v != "" {
			f[p.Groupware] = v
		}
	}
	return f
}

// crmColumn returns the CRM column a groupware field is mapped to.
func (m Mapping) crmColumn(gw string) string {
	for _, p := range m.Pairs {
		if p.Groupware == gw {
			return p.CRM
		}
	}
	return ""
}
