// Package groupwaretest holds what tests of groupware connectors share:
// the contract suites every contacts connector (RunContactContract) and
// every appointments and tasks source (RunCalendarContract, with sample
// series: a weekly meeting with a moved and a cancelled instance, an
// event on the daylight-saving change, an all-day event, a task) must
// pass, an in-process Microsoft Graph (GraphFake: contacts, calendars
// with calendarView delta, To Do), and
// starters for real Radicale and Xandikos servers with a counting,
// fault-injecting proxy in front of them.
package groupwaretest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wfehq/wfe/groupware"
)

// ContactHarness is one connector kind under the contract suite.
type ContactHarness struct {
	// Connect returns a connector signed in to the test account.
	Connect func(t *testing.T) groupware.Connector
	// NewFolder creates an empty contacts folder on the server and returns
	// it as the connector lists it.
	NewFolder func(t *testing.T, c groupware.Connector) groupware.Folder
	// RemoveFolder deletes a folder on the server behind the connector.
	RemoveFolder func(t *testing.T, f groupware.Folder)
	// EditGivenName changes a contact's given name as another client would.
	EditGivenName func(t *testing.T, f groupware.Folder, id, name string)
	// ExpireToken returns a token of the folder that the server no longer
	// knows, made from a valid one.
	ExpireToken func(t *testing.T, f groupware.Folder, token string) string
	// FailRecord makes the server answer 500 for every request about the
	// record with this id.
	FailRecord func(t *testing.T, id string)
	// Requests is the number of requests the server has served so far.
	Requests func() int64
	// IdleBudget is the most requests Changes may cost on an unchanged
	// folder.
	IdleBudget int64
}

// RunContactContract runs the contract every contacts connector passes.
func RunContactContract(t *testing.T, h ContactHarness) {
	t.Run("RoundTrip", func(t *testing.T) { contractRoundTrip(t, h) })
	t.Run("ChangesIdleAndIncremental", func(t *testing.T) { contractChanges(t, h) })
	t.Run("IfMatch", func(t *testing.T) { contractIfMatch(t, h) })
	t.Run("FindByCRMID", func(t *testing.T) { contractFindByCRMID(t, h) })
	t.Run("TokenExpired", func(t *testing.T) { contractTokenExpired(t, h) })
	t.Run("FolderVanished", func(t *testing.T) { contractFolderVanished(t, h) })
	t.Run("OneRecordFails", func(t *testing.T) { contractOneRecordFails(t, h) })
	t.Run("ManyWrites", func(t *testing.T) { contractManyWrites(t, h) })
}

// SampleContact is a contact with every mapped field set, different for
// each n.
func SampleContact(n int) *groupware.Contact {
	return &groupware.Contact{
		GivenName: fmt.Sprintf("Jürgen%d", n), MiddleName: "Ä.", Surname: fmt.Sprintf("Müller-Łukasz %d", n),
		DisplayName:    fmt.Sprintf("Jürgen Müller-Łukasz %d", n),
		Emails:         []string{fmt.Sprintf("j%d@firma.example", n), fmt.Sprintf("jm%d@privat.example", n)},
		BusinessPhones: []string{"+49 30 1234-5", "+49 30 1234-6"}, MobilePhone: "+49 170 55555",
		Company: "Müller & Söhne; GmbH", Department: "Einkauf", JobTitle: "Leiter, Einkauf",
		BusinessAddress: groupware.Address{Street: "Hauptstraße 1\nHinterhaus", City: "Köln", State: "NRW", PostalCode: "50667", Country: "Deutschland"},
	}
}

func createContacts(t *testing.T, src groupware.Source[groupware.Contact], f groupware.Folder, prefix string, n int) []groupware.WriteResult {
	t.Helper()
	writes := make([]groupware.Write[groupware.Contact], n)
	for i := range writes {
		writes[i] = groupware.Write[groupware.Contact]{Op: groupware.OpCreate, CRMID: fmt.Sprintf("%s-%d", prefix, i), Item: SampleContact(i)}
	}
	res, err := src.Write(context.Background(), f, writes)
	if err != nil {
		t.Fatalf("creating %d contacts: %v", n, err)
	}
	for i, r := range res {
		if r.Err != nil || r.ID == "" || r.ETag == "" {
			t.Fatalf("create %d: id %q etag %q err %v", i, r.ID, r.ETag, r.Err)
		}
	}
	return res
}

func checkSame(t *testing.T, got, want *groupware.Contact) {
	t.Helper()
	g, w := *got, *want
	g.ID, g.ETag, g.CRMID, g.Unmapped, g.Modified = "", "", "", nil, time.Time{}
	w.ID, w.ETag, w.CRMID, w.Unmapped, w.Modified = "", "", "", nil, time.Time{}
	if fmt.Sprintf("%#v", g) != fmt.Sprintf("%#v", w) {
		t.Errorf("contact read back differs:\n got %#v\nwant %#v", g, w)
	}
}

func contractRoundTrip(t *testing.T, h ContactHarness) {
	src, f := h.start(t)
	created := createContacts(t, src, f, "rt", 2)
	got, err := src.Get(context.Background(), f, []string{created[0].ID, created[1].ID})
	if err != nil || len(got) != 2 {
		t.Fatalf("Get: %d results, %v", len(got), err)
	}
	for i, r := range got {
		if r.Err != nil {
			t.Fatalf("Get %s: %v", r.ID, r.Err)
		}
		checkSame(t, r.Item, SampleContact(i))
		if r.Item.CRMID != fmt.Sprintf("rt-%d", i) || r.Item.ETag != created[i].ETag || r.Item.ID != created[i].ID {
			t.Errorf("Get %d: id %q etag %q crm %q, want %q %q rt-%d", i, r.Item.ID, r.Item.ETag, r.Item.CRMID, created[i].ID, created[i].ETag, i)
		}
	}
}

func contractChanges(t *testing.T, h ContactHarness) {
	ctx := context.Background()
	src, f := h.start(t)
	created := createContacts(t, src, f, "ch", 3)
	full, err := src.Changes(ctx, f, "")
	if err != nil {
		t.Fatalf("full Changes: %v", err)
	}
	if !full.Full || len(full.Changed) != 3 || full.Token == "" || !distinctIDs(full.Changed) {
		t.Fatalf("full Changes: full=%v %d changed (distinct %v), token %q; want 3", full.Full, len(full.Changed), distinctIDs(full.Changed), full.Token)
	}
	before := h.Requests()
	idle, err := src.Changes(ctx, f, full.Token)
	cost := h.Requests() - before
	if err != nil || len(idle.Changed)+len(idle.Deleted) != 0 || idle.Full {
		t.Fatalf("idle Changes: %+v, %v; want nothing", idle, err)
	}
	if cost > h.IdleBudget {
		t.Errorf("idle Changes cost %d requests, at most %d allowed", cost, h.IdleBudget)
	}
	t.Logf("idle Changes: %d request(s)", cost)
	upd := SampleContact(7)
	res, err := src.Write(ctx, f, []groupware.Write[groupware.Contact]{
		{Op: groupware.OpUpdate, ID: created[0].ID, ETag: created[0].ETag, Item: upd},
		{Op: groupware.OpDelete, ID: created[1].ID, ETag: created[1].ETag},
	})
	if err != nil || res[0].Err != nil || res[1].Err != nil {
		t.Fatalf("update+delete: %+v %v", res, err)
	}
	h.EditGivenName(t, f, created[2].ID, "Elsewhere")
	next, err := src.Changes(ctx, f, idle.Token)
	if err != nil {
		t.Fatalf("incremental Changes: %v", err)
	}
	changed := map[string]bool{}
	for _, c := range next.Changed {
		changed[c.ID] = true
	}
	if !changed[created[0].ID] || !changed[created[2].ID] || changed[created[1].ID] || len(next.Deleted) != 1 || next.Deleted[0] != created[1].ID {
		t.Fatalf("incremental Changes: changed %v deleted %v; want %s and %s changed, %s deleted", changed, next.Deleted, created[0].ID, created[2].ID, created[1].ID)
	}
}

func distinctIDs(changes []groupware.Change[groupware.Contact]) bool {
	seen := map[string]bool{}
	for _, c := range changes {
		if seen[c.ID] {
			return false
		}
		seen[c.ID] = true
	}
	return true
}

// recordErr is the error of the one result, which must be a *RecordError.
func recordErr(t *testing.T, err error) error {
	t.Helper()
	var re *groupware.RecordError
	if err != nil && !errors.As(err, &re) {
		t.Errorf("per-record error %v is not a *groupware.RecordError", err)
	}
	return err
}

// start connects and makes an empty folder for one contract test.
func (h ContactHarness) start(t *testing.T) (groupware.Source[groupware.Contact], groupware.Folder) {
	t.Helper()
	conn := h.Connect(t)
	return conn.Contacts(), h.NewFolder(t, conn)
}
