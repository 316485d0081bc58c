package plan

import "fmt"

// validate reports input the planner cannot plan from, naming where.
func (in Input) validate() error {
	if err := in.Options.Validate(); err != nil {
		return err
	}
	if err := in.Table.validate(); err != nil {
		return err
	}
	if err := validateListing("CRM listing", in.CRM); err != nil {
		return err
	}
	if err := validateListing("groupware listing", in.Groupware); err != nil {
		return err
	}
	if len(in.Groupware.OutOfScope) > 0 {
		return fmt.Errorf("%w: groupware listing: out-of-scope ids are a CRM notion (first: %q)", ErrInvalid, in.Groupware.OutOfScope[0])
	}
	if err := validateState(in.State); err != nil {
		return err
	}
	return in.validateChoices()
}

func (t Table) validate() error {
	if len(t.Fields) == 0 {
		return fmt.Errorf("%w: table %q has no fields to sync", ErrInvalid, t.Name)
	}
	seen := make(map[string]bool, len(t.Fields))
	for i, f := range t.Fields {
		if f == "" || seen[f] {
			return fmt.Errorf("%w: table %q: field %d is empty or repeated (%q)", ErrInvalid, t.Name, i+1, f)
		}
		seen[f] = true
	}
	for i, k := range t.MatchKeys {
		if !k.ByCRMID && len(k.Fields) == 0 {
			return fmt.Errorf("%w: table %q: match key %d (%q) has no fields", ErrInvalid, t.Name, i+1, k.Name)
		}
	}
	return nil
}

func validateListing(what string, l Listing) error {
	listed := make(map[string]bool, len(l.Records))
	for i, r := range l.Records {
		if r.ID == "" {
			return fmt.Errorf("%w: %s: record %d has no id", ErrInvalid, what, i+1)
		}
		if listed[r.ID] {
			return fmt.Errorf("%w: %s: id %q is listed twice", ErrInvalid, what, r.ID)
		}
		listed[r.ID] = true
	}
	for _, ids := range [][]string{l.Deleted, l.OutOfScope} {
		for _, id := range ids {
			if id == "" || listed[id] {
				return fmt.Errorf("%w: %s: id %q is both a record and deleted or out of scope (or empty)", ErrInvalid, what, id)
			}
			listed[id] = true
		}
	}
	return nil
}

func validateState(state []Link) error {
	crm := make(map[string]bool, len(state))
	gw := make(map[string]bool, len(state))
	for i, l := range state {
		if l.CRMID == "" || l.GroupwareID == "" {
			return fmt.Errorf("%w: sync state row %d lacks its CRM id or groupware id", ErrInvalid, i+1)
		}
		if crm[l.CRMID] || gw[l.GroupwareID] {
			return fmt.Errorf("%w: sync state row %d: CRM id %q or groupware id %q is linked twice",
				ErrInvalid, i+1, l.CRMID, l.GroupwareID)
		}
		crm[l.CRMID], gw[l.GroupwareID] = true, true
	}
	return nil
}

func (in Input) validateChoices() error {
	for id, s := range in.Decisions {
		if s != CRM && s != Groupware {
			return fmt.Errorf("%w: decision for CRM id %q names no side", ErrInvalid, id)
		}
	}
	for id, partner := range in.Imports {
		if partner == "" {
			return fmt.Errorf("%w: manual import of groupware item %q names no business partner", ErrInvalid, id)
		}
	}
	return nil
}
