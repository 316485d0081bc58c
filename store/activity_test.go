package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func lockedActivity(t *testing.T, s *store.Store, typ string) *store.Activity {
	t.Helper()
	start := time.Date(2026, 2, 3, 9, 0, 0, 0, time.UTC)
	a := &store.Activity{Type: typ, Status: store.StatusOpen, Subject: "Angebot", Text: "Hallo", Sender: "kunde@example.com",
		StartDate: &start, EndDate: &start, Location: "Raum 1", Priority: 2, GlobalID: "<a@example.com>", GroupwareLock: true}
	if err := s.CreateActivity(ctx, a); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestGroupwareLock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		emp := &store.Employee{Login: "anna"}
		if err := s.CreateEmployee(ctx, emp); err != nil {
			t.Fatal(err)
		}
		later := time.Date(2026, 2, 4, 9, 0, 0, 0, time.UTC)
		laterP := &later
		changes := map[string]store.ActivityChanges{
			"SUBJECT":      {Subject: ptr("Neu")},
			"STARTDATE":    {StartDate: &laterP},
			"ENDDATE":      {EndDate: &laterP},
			"REMINDDATE":   {RemindDate: &laterP},
			"SENDER":       {Sender: ptr("x@example.com")},
			"LOCATION":     {Location: ptr("Raum 2")},
			"TEXT":         {Text: ptr("anders")},
			"ACTTYPEKEY":   {Type: ptr("TELEFON")},
			"GLOBALID":     {GlobalID: ptr("<b@example.com>")},
			"PRIORITY":     {Priority: ptr(5)},
			"ACTSTATUSKEY": {Status: ptr(store.StatusDone)},
			"DELEGATEDTO":  {DelegatedTo: ptr(&emp.ID)},
			"DELEGATEDBY":  {DelegatedBy: ptr(&emp.ID)},
			"PROJECT":      {Project: ptr("P-1")},
			"CAMPAIGN":     {Campaign: ptr("Frühjahr")},
		}
		for _, typ := range []string{store.TypeMailIn, store.TypeMailOut, store.TypeMeeting, store.TypeAppointment} {
			locked := map[string]bool{}
			for _, f := range store.LockedFields(typ) {
				locked[f] = true
			}
			for field, ch := range changes {
				a := lockedActivity(t, s, typ)
				err := s.UpdateActivity(ctx, a.ID, ch)
				if locked[field] {
					if !errors.Is(err, store.ErrGroupwareLocked) || !strings.Contains(err.Error(), field) {
						t.Errorf("%s: change of %s: %v, want ErrGroupwareLocked naming the field", typ, field, err)
					}
					got, _ := s.GetActivity(ctx, a.ID)
					if got.Subject != "Angebot" || got.Text != "Hallo" || got.Priority != 2 {
						t.Errorf("%s: refused change of %s changed the record", typ, field)
					}
				} else if err != nil {
					t.Errorf("%s: change of editable %s: %v", typ, field, err)
				}
			}
			// setting a protected field to its current value is no change
			a := lockedActivity(t, s, typ)
			if err := s.UpdateActivity(ctx, a.ID, store.ActivityChanges{Text: ptr("Hallo"), Project: ptr("X")}); err != nil {
				t.Errorf("%s: unchanged protected field: %v", typ, err)
			}
		}
		// the meeting set is wider than the mail set
		if len(store.LockedFields(store.TypeMeeting)) != 13 || len(store.LockedFields(store.TypeMailIn)) != 7 {
			t.Fatalf("locked field sets: %v / %v", store.LockedFields(store.TypeMeeting), store.LockedFields(store.TypeMailIn))
		}
	})
}

func TestGroupwareLockCopyAndPreferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		mail := lockedActivity(t, s, store.TypeMailIn)
		meeting := lockedActivity(t, s, store.TypeMeeting)
		// copy clears the lock
		cp, err := s.CopyActivity(ctx, mail.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cp.GroupwareLock || cp.ID == mail.ID {
			t.Fatalf("copy: lock %v id %d", cp.GroupwareLock, cp.ID)
		}
		if err := s.UpdateActivity(ctx, cp.ID, store.ActivityChanges{Text: ptr("bearbeitet")}); err != nil {
			t.Fatalf("edit copy: %v", err)
		}
		// lock-mail false switches the mail lock off, not the meeting lock
		if err := s.SetSetting(ctx, "lock-mail", "false"); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateActivity(ctx, mail.ID, store.ActivityChanges{Text: ptr("bearbeitet")}); err != nil {
			t.Fatalf("lock-mail=false: %v", err)
		}
		if err := s.UpdateActivity(ctx, meeting.ID, store.ActivityChanges{Text: ptr("bearbeitet")}); !errors.Is(err, store.ErrGroupwareLocked) {
			t.Fatalf("meeting with lock-mail=false: %v", err)
		}
		if err := s.SetSetting(ctx, "lock-meeting-request", "false"); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateActivity(ctx, meeting.ID, store.ActivityChanges{Text: ptr("bearbeitet")}); err != nil {
			t.Fatalf("lock-meeting-request=false: %v", err)
		}
		got, err := s.GetActivity(ctx, meeting.ID)
		if err != nil || got.Text != "bearbeitet" {
			t.Fatalf("meeting text: %v %v", got, err)
		}
	})
}

func TestInternalExternal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if ext, _ := s.IsExternal(ctx, []string{"a@firma.de"}); !ext {
			t.Fatal("without internal domains every address is external")
		}
		if err := s.SetSetting(ctx, "internal-domains", "firma.de, @Firma-Gruppe.com"); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			addrs []string
			ext   bool
		}{
			{[]string{"a@firma.de"}, false},
			{[]string{"A@FIRMA.DE", "Bob <b@firma-gruppe.com>"}, false},
			{[]string{"a@vertrieb.firma.de"}, false},
			{[]string{"a@firma.de", "kunde@example.com"}, true},
			{[]string{"a@notfirma.de"}, true},
			{[]string{"a@firma.de.evil.com"}, true},
		}
		for _, c := range cases {
			got, err := s.IsExternal(ctx, c.addrs)
			if err != nil || got != c.ext {
				t.Errorf("IsExternal(%v) = %v, %v; want %v", c.addrs, got, err, c.ext)
			}
		}
		if in, _ := s.IsInternalAddress(ctx, "x@firma.de"); !in {
			t.Error("x@firma.de not internal")
		}
		if err := s.SetSetting(ctx, "internal-domains", "not a domain/"); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("bad domain accepted: %v", err)
		}
	})
}

func TestFaxAddressSetting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if err := s.SetSetting(ctx, "fax-address", "${fax}@fax.firma.de"); err != nil {
			t.Fatal(err)
		}
		err := s.SetSetting(ctx, "fax-address", "fax@firma.de")
		if err == nil || !strings.Contains(err.Error(), "the fax server address must contain the placeholder ${fax}") {
			t.Fatalf("address without placeholder: %v", err)
		}
		st, err := s.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.FaxAddress != "${fax}@fax.firma.de" {
			t.Fatalf("old value not kept: %q", st.FaxAddress)
		}
		if !st.LockMail || !st.LockMeetingRequest {
			t.Fatal("lock preferences must default to true")
		}
		if err := s.SetSetting(ctx, "fax-activity-type", "FAX"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetSetting(ctx, "lock-mail", "vielleicht"); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("bad bool: %v", err)
		}
		if err := s.SetSetting(ctx, "colour", "blue"); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("unknown setting: %v", err)
		}
	})
}
