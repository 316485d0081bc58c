package syncstate_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
	"github.com/wfehq/wfe/store/syncstate"
)

func setup(t *testing.T, s *store.Store) (context.Context, syncstate.Account, int64) {
	ctx := context.Background()
	emp := &store.Employee{Login: "anna", Email: "anna@example.com"}
	if err := s.CreateEmployee(ctx, emp); err != nil {
		t.Fatal(err)
	}
	p := &store.BusinessPartner{Name: "ACME"}
	if err := s.CreatePartner(ctx, p); err != nil {
		t.Fatal(err)
	}
	r := &syncstate.Rule{Name: "c", Table: "contacts", Scope: syncstate.ScopeAll, Master: "crm", Conflict: "newest", Active: true}
	if err := s.Sync().CreateRule(ctx, r); err != nil {
		t.Fatal(err)
	}
	return ctx, syncstate.Account{RuleID: r.ID, EmployeeID: emp.ID}, p.ID
}

// A contact created with its link is one transaction; the state, tokens
// and reference date read back as written; removing the rule removes its
// state.
func TestStateRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx, a, partner := setup(t, s)
		sy := s.Sync()
		c := &syncstate.Contact{PartnerID: partner, FirstName: "Eva", LastName: "Berg", Phone: "+49 1"}
		l := &syncstate.Link{RuleID: a.RuleID, EmployeeID: a.EmployeeID, GroupwareID: "g1", ETag: "e1", Synced: map[string]string{"surname": "h"}}
		if err := sy.CreateContactLinked(ctx, c, l); err != nil {
			t.Fatal(err)
		}
		got, err := sy.GetContact(ctx, c.ID)
		if err != nil || got.Partner != "ACME" || got.Phone != "+49 1" || got.Column("display_name") != "Eva Berg" {
			t.Fatalf("contact = %+v, %v", got, err)
		}
		ref := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
		if err := sy.FinishRun(ctx, a, map[string]string{"f": "tok"}, ref); err != nil {
			t.Fatal(err)
		}
		st, err := sy.LoadState(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Links) != 1 || st.Links[0].CRMID != l.CRMID || st.Links[0].Synced["surname"] != "h" ||
			st.Tokens["f"] != "tok" || !st.RefDate.Equal(ref) {
			t.Fatalf("state = %+v", st)
		}
		if err := sy.RemoveRule(ctx, "c"); err != nil {
			t.Fatal(err)
		}
		if st, _ := sy.LoadState(ctx, a); len(st.Links) != 0 || len(st.Tokens) != 0 {
			t.Fatalf("state after removing the rule = %+v", st)
		}
		if err := sy.RemoveRule(ctx, "c"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("removing twice: %v", err)
		}
	})
}

// Conflicts and pending imports: a run's held records replace the open
// ones; a decision survives the next replacement; adopting an unknown id
// records nothing.
func TestHeldRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx, a, partner := setup(t, s)
		sy := s.Sync()
		err := sy.ReplaceHeld(ctx, a, []syncstate.Conflict{{CRMID: "1", GroupwareID: "g", Fields: []string{"surname"},
			CRMVersion: map[string]string{"surname": "A"}, GroupwareVersion: map[string]string{"surname": "B"}}},
			[]syncstate.Pending{{GroupwareID: "p1", Name: "P One"}, {GroupwareID: "p2"}})
		if err != nil {
			t.Fatal(err)
		}
		h, _ := sy.LoadHeld(ctx, a)
		if len(h.Conflicts) != 1 || len(h.Pending) != 2 || h.Conflicts[0].GroupwareVersion["surname"] != "B" {
			t.Fatalf("held = %+v", h)
		}
		if err := sy.DecideConflict(ctx, h.Conflicts[0].ID, "groupware"); err != nil {
			t.Fatal(err)
		}
		if err := sy.AdoptPending(ctx, a, partner, []int64{h.Pending[0].ID, 9999}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("adopt unknown: %v", err)
		}
		if err := sy.AdoptPending(ctx, a, partner, []int64{h.Pending[0].ID}); err != nil {
			t.Fatal(err)
		}
		if err := sy.ReplaceHeld(ctx, a, nil, []syncstate.Pending{{GroupwareID: "p1", Name: "P One"}}); err != nil {
			t.Fatal(err)
		}
		h, _ = sy.LoadHeld(ctx, a)
		if len(h.Conflicts) != 1 || h.Conflicts[0].Keep != "groupware" || len(h.Pending) != 1 ||
			h.Pending[0].PartnerID == nil || *h.Pending[0].PartnerID != partner {
			t.Fatalf("held after second run = %+v", h)
		}
	})
}
