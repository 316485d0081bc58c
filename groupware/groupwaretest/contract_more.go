package groupwaretest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/wfehq/wfe/groupware"
)

func contractIfMatch(t *testing.T, h ContactHarness) {
	ctx := context.Background()
	src, f := h.start(t)
	c := createContacts(t, src, f, "im", 1)[0]
	h.EditGivenName(t, f, c.ID, "Changed elsewhere")
	res, err := src.Write(ctx, f, []groupware.Write[groupware.Contact]{
		{Op: groupware.OpUpdate, ID: c.ID, ETag: c.ETag, Item: SampleContact(3)},
		{Op: groupware.OpDelete, ID: c.ID, ETag: c.ETag},
	})
	if err != nil {
		t.Fatalf("stale writes: %v", err)
	}
	for i, r := range res {
		if !errors.Is(recordErr(t, r.Err), groupware.ErrPreconditionFailed) {
			t.Errorf("write %d with a stale ETag: %v, want ErrPreconditionFailed", i, r.Err)
		}
	}
	cur := getOne(t, src, f, c.ID)
	if cur.GivenName != "Changed elsewhere" {
		t.Fatalf("the other client's change was overwritten: %q", cur.GivenName)
	}
	res, err = src.Write(ctx, f, []groupware.Write[groupware.Contact]{{Op: groupware.OpUpdate, ID: c.ID, ETag: cur.ETag, Item: SampleContact(4)}})
	if err != nil || res[0].Err != nil || res[0].ETag == cur.ETag || res[0].ID != c.ID {
		t.Fatalf("update with the current ETag: %+v %v", res, err)
	}
	checkSame(t, getOne(t, src, f, c.ID), SampleContact(4))
	res, err = src.Write(ctx, f, []groupware.Write[groupware.Contact]{{Op: groupware.OpDelete, ID: c.ID, ETag: res[0].ETag}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("delete with the current ETag: %+v %v", res, err)
	}
	got, err := src.Get(ctx, f, []string{c.ID})
	if err != nil || !errors.Is(recordErr(t, got[0].Err), groupware.ErrNotFound) {
		t.Fatalf("Get after delete: %+v %v, want ErrNotFound for the record", got, err)
	}
}

func getOne(t *testing.T, src groupware.Source[groupware.Contact], f groupware.Folder, id string) *groupware.Contact {
	t.Helper()
	got, err := src.Get(context.Background(), f, []string{id})
	if err != nil || len(got) != 1 || got[0].Err != nil {
		t.Fatalf("Get %s: %+v %v", id, got, err)
	}
	return got[0].Item
}

// contractFindByCRMID: a create whose result was lost (a crash before the
// sync state was committed) is found by its CRM id.
func contractFindByCRMID(t *testing.T, h ContactHarness) {
	ctx := context.Background()
	src, f := h.start(t)
	created := createContacts(t, src, f, "o'brien/ä", 2)
	found, err := src.FindByCRMID(ctx, f, "o'brien/ä-1")
	if err != nil || found.ID != created[1].ID || found.CRMID != "o'brien/ä-1" {
		t.Fatalf("FindByCRMID: %+v %v, want id %s", found, err, created[1].ID)
	}
	checkSame(t, found, SampleContact(1))
	if _, err := src.FindByCRMID(ctx, f, "never-created"); !errors.Is(err, groupware.ErrNotFound) {
		t.Fatalf("FindByCRMID of a missing id: %v, want ErrNotFound", err)
	}
}

func contractTokenExpired(t *testing.T, h ContactHarness) {
	ctx := context.Background()
	src, f := h.start(t)
	createContacts(t, src, f, "te", 2)
	first, err := src.Changes(ctx, f, "")
	if err != nil {
		t.Fatal(err)
	}
	createContacts(t, src, f, "te2", 1)
	expired := h.ExpireToken(t, f, first.Token)
	if _, err := src.Changes(ctx, f, expired); !errors.Is(err, groupware.ErrTokenExpired) {
		t.Fatalf("Changes with an expired token: %v, want ErrTokenExpired", err)
	}
	full, err := src.Changes(ctx, f, "")
	if err != nil || !full.Full || len(full.Changed) != 3 || !distinctIDs(full.Changed) {
		t.Fatalf("full listing after expiry: %+v %v, want 3 distinct", full, err)
	}
}

func contractFolderVanished(t *testing.T, h ContactHarness) {
	ctx := context.Background()
	src, f := h.start(t)
	createContacts(t, src, f, "fv", 1)
	set, err := src.Changes(ctx, f, "")
	if err != nil {
		t.Fatal(err)
	}
	h.RemoveFolder(t, f)
	if _, err := src.Changes(ctx, f, set.Token); !errors.Is(err, groupware.ErrFolderNotFound) {
		t.Fatalf("Changes of a vanished folder: %v, want ErrFolderNotFound", err)
	}
	res, err := src.Write(ctx, f, []groupware.Write[groupware.Contact]{{Op: groupware.OpCreate, CRMID: "fv-new", Item: SampleContact(1)}})
	if err == nil {
		err = res[0].Err
	}
	if !errors.Is(err, groupware.ErrFolderNotFound) {
		t.Fatalf("create in a vanished folder: %v, want ErrFolderNotFound", err)
	}
}

// contractOneRecordFails: the server fails for one record; that record's
// error is reported in its result and the others go on.
func contractOneRecordFails(t *testing.T, h ContactHarness) {
	ctx := context.Background()
	src, f := h.start(t)
	created := createContacts(t, src, f, "of", 3)
	h.FailRecord(t, created[1].ID)
	ids := []string{created[0].ID, created[1].ID, created[2].ID}
	got, err := src.Get(ctx, f, ids)
	if err != nil {
		t.Fatalf("Get with one failing record: %v", err)
	}
	writes := make([]groupware.Write[groupware.Contact], 3)
	for i, c := range created {
		writes[i] = groupware.Write[groupware.Contact]{Op: groupware.OpUpdate, ID: c.ID, ETag: c.ETag, Item: SampleContact(10 + i)}
	}
	res, err := src.Write(ctx, f, writes)
	if err != nil {
		t.Fatalf("Write with one failing record: %v", err)
	}
	for i := range 3 {
		gotErr, resErr := recordErr(t, got[i].Err), recordErr(t, res[i].Err)
		if want := i == 1; (gotErr != nil) != want || (resErr != nil) != want {
			t.Errorf("record %d: get err %v, write err %v; want an error only for record 1", i, gotErr, resErr)
		}
	}
	if !errors.Is(got[1].Err, groupware.ErrServer) || !errors.Is(res[1].Err, groupware.ErrServer) {
		t.Errorf("failing record: %v / %v, want ErrServer", got[1].Err, res[1].Err)
	}
	checkSame(t, getOne(t, src, f, created[2].ID), SampleContact(12))
}

func contractManyWrites(t *testing.T, h ContactHarness) {
	ctx := context.Background()
	src, f := h.start(t)
	created := createContacts(t, src, f, "mw", 45)
	full, err := src.Changes(ctx, f, "")
	if err != nil || len(full.Changed) != 45 || !distinctIDs(full.Changed) {
		t.Fatalf("listing 45 created: %d, %v", len(full.Changed), err)
	}
	ids := make([]string, len(created))
	for i, c := range created {
		ids[i] = c.ID
	}
	got, err := src.Get(ctx, f, ids)
	if err != nil || len(got) != 45 {
		t.Fatalf("Get 45: %d, %v", len(got), err)
	}
	for i, r := range got {
		if r.Err != nil || r.Item.CRMID != fmt.Sprintf("mw-%d", i) {
			t.Fatalf("Get %d: %+v", i, r)
		}
	}
}
