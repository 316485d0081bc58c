package dav_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/groupwaretest"
)

// onBothServers runs f against a fresh Radicale and a fresh Xandikos.
func onBothServers(t *testing.T, f func(t *testing.T, srv *groupwaretest.DAVServer)) {
	t.Run("radicale", func(t *testing.T) { f(t, groupwaretest.StartRadicale(t)) })
	t.Run("xandikos", func(t *testing.T) { f(t, groupwaretest.StartXandikos(t)) })
}

// TestWrongPassword: Radicale refuses the login; every call is ErrAuth
// after exactly one refused login at the server, never retried.
func TestWrongPassword(t *testing.T) {
	t.Parallel()
	srv := groupwaretest.StartRadicale(t)
	good := connect(t, srv, srv.Password)
	f := folderNamed(t, srv, good, "kunden")
	bad := connect(t, srv, "wrong-password")
	before := srv.Proxy.RefusedLogins()
	_, err := bad.Folders(context.Background(), groupware.TableContacts)
	if !errors.Is(err, groupware.ErrAuth) || srv.Proxy.RefusedLogins()-before != 1 {
		t.Fatalf("Folders: %v after %d refused logins; want ErrAuth after 1", err, srv.Proxy.RefusedLogins()-before)
	}
	set, err := good.Contacts().Changes(context.Background(), f, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Contacts().Changes(context.Background(), f, set.Token); !errors.Is(err, groupware.ErrAuth) || errors.Is(err, groupware.ErrTokenExpired) {
		t.Fatalf("Changes with a wrong password: %v, want ErrAuth (not an expired token)", err)
	}
	_, err = bad.Contacts().Write(context.Background(), f, []groupware.Write[groupware.Contact]{{Op: groupware.OpCreate, CRMID: "1", Item: groupwaretest.SampleContact(1)}})
	if !errors.Is(err, groupware.ErrAuth) || strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("Write with a wrong password: %v, want ErrAuth as the call's error, without the password", err)
	}
	if n := srv.Proxy.RefusedLogins() - before; n != 3 {
		t.Errorf("%d refused logins for 3 calls, want 3", n)
	}
}

// TestWithoutSyncCollection: a server that refuses sync-collection is
// compared by CTag and an ETag listing; unchanged costs one request.
func TestWithoutSyncCollection(t *testing.T) {
	t.Parallel()
	onBothServers(t, func(t *testing.T, srv *groupwaretest.DAVServer) {
		ctx := context.Background()
		c := connect(t, srv, srv.Password)
		f := folderNamed(t, srv, c, "ohne-sync")
		src := c.Contacts()
		res, err := src.Write(ctx, f, []groupware.Write[groupware.Contact]{
			{Op: groupware.OpCreate, CRMID: "a", Item: groupwaretest.SampleContact(1)},
			{Op: groupware.OpCreate, CRMID: "b", Item: groupwaretest.SampleContact(2)},
		})
		if err != nil || res[0].Err != nil || res[1].Err != nil {
			t.Fatalf("creates: %+v %v", res, err)
		}
		srv.Proxy.RefuseSyncCollection()
		full, err := src.Changes(ctx, f, "")
		if err != nil || !full.Full || len(full.Changed) != 2 {
			t.Fatalf("listing: %+v %v", full, err)
		}
		before := srv.Proxy.Requests()
		idle, err := src.Changes(ctx, f, full.Token)
		if err != nil || len(idle.Changed) != 0 || idle.Full || srv.Proxy.Requests()-before != 1 {
			t.Fatalf("idle: %+v %v, %d requests; want nothing for 1 request", idle, err, srv.Proxy.Requests()-before)
		}
		editGivenName(t, srv, res[0].ID, "Neu")
		next, err := src.Changes(ctx, f, idle.Token)
		if err != nil || !next.Full || len(next.Changed) != 2 || next.Token == idle.Token {
			t.Fatalf("after a change: %+v %v; want a full listing of 2 with a new token", next, err)
		}
		for _, ch := range next.Changed {
			if ch.ID == res[0].ID && ch.ETag == res[0].ETag {
				t.Errorf("changed card listed with its old ETag %s", ch.ETag)
			}
		}
	})
}

// foreignCard is a vCard 3.0 another client wrote, with properties wfe
// does not map and a 256 KB photo (Radicale takes seconds per MB). (Radicale rewrites a 4.0 data: URI photo
// and loses what follows its comma, so the photo is 3.0 inline base64.)
func foreignCard() string {
	photo := strings.Repeat("QUJD", 64<<10)
	return "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:foreign-1\r\nFN:Eva Fremd\r\nN:Fremd;Eva;;;\r\n" +
		"NOTE:Notiz\\, bitte behalten\r\nX-CUSTOM-FLAG:yes\r\nTEL;TYPE=cell:+49 1\r\nTEL;TYPE=cell:+49 2\r\n" +
		"CATEGORIES:Kunde,VIP\r\nPHOTO;ENCODING=b;TYPE=JPEG:" + photo + "\r\nEND:VCARD\r\n"
}

// TestForeignCardKeptOnUpdate: updating a card another client made
// changes the mapped fields and keeps every other property, the photo
// included.
func TestForeignCardKeptOnUpdate(t *testing.T) {
	t.Parallel()
	onBothServers(t, func(t *testing.T, srv *groupwaretest.DAVServer) {
		ctx := context.Background()
		c := connect(t, srv, srv.Password)
		f := folderNamed(t, srv, c, "fremd")
		id := f.ID + "foreign-1.vcf"
		put := srv.Do(t, "PUT", id, foreignCard(), "Content-Type", "text/vcard")
		put.Body.Close()
		if put.StatusCode/100 != 2 {
			t.Fatalf("PUT foreign card: %s", put.Status)
		}
		got, err := c.Contacts().Get(ctx, f, []string{id})
		if err != nil || got[0].Err != nil {
			t.Fatalf("Get: %+v %v", got, err)
		}
		card := got[0].Item
		if card.GivenName != "Eva" || card.MobilePhone != "+49 1" || strings.Contains(string(card.Unmapped), "PHOTO") || !strings.Contains(string(card.Unmapped), "X-CUSTOM-FLAG") {
			t.Fatalf("read: %#v", card)
		}
		card.JobTitle, card.MobilePhone = "Einkäuferin", "+49 9"
		res, err := c.Contacts().Write(ctx, f, []groupware.Write[groupware.Contact]{{Op: groupware.OpUpdate, ID: id, ETag: card.ETag, Item: card}})
		if err != nil || res[0].Err != nil {
			t.Fatalf("update: %+v %v", res, err)
		}
		resp := srv.Do(t, "GET", id, "")
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		after := unfold(string(raw))
		for _, want := range []string{"TITLE:Einkäuferin", "TEL;TYPE=cell:+49 9", "NOTE:Notiz\\, bitte behalten", "X-CUSTOM-FLAG:yes", "+49 2", "CATEGORIES:Kunde,VIP", strings.Repeat("QUJD", 64<<10)} {
			if !strings.Contains(after, want) {
				t.Errorf("after the update the card lacks %.60q", want)
			}
		}
		if strings.Contains(after, "+49 1") {
			t.Errorf("the old mobile number is still there")
		}
	})
}

func unfold(s string) string {
	return strings.NewReplacer("\r\n ", "", "\r\n\t", "", "\n ", "").Replace(s)
}

// TestRepeatedCreateFindsTheFirst: a create repeated after a crash (the
// first one's result was never committed) does not make a second card.
func TestRepeatedCreateFindsTheFirst(t *testing.T) {
	t.Parallel()
	onBothServers(t, func(t *testing.T, srv *groupwaretest.DAVServer) {
		ctx := context.Background()
		c := connect(t, srv, srv.Password)
		f := folderNamed(t, srv, c, "doppelt")
		w := []groupware.Write[groupware.Contact]{{Op: groupware.OpCreate, CRMID: "CRM/42", Item: groupwaretest.SampleContact(1)}}
		first, err := c.Contacts().Write(ctx, f, w)
		if err != nil || first[0].Err != nil {
			t.Fatalf("first create: %+v %v", first, err)
		}
		again, err := c.Contacts().Write(ctx, f, w)
		if err != nil || !errors.Is(again[0].Err, groupware.ErrExists) {
			t.Fatalf("repeated create: %+v %v, want ErrExists", again, err)
		}
		found, err := c.Contacts().FindByCRMID(ctx, f, "CRM/42")
		if err != nil || found.ID != first[0].ID || found.CRMID != "CRM/42" {
			t.Fatalf("FindByCRMID: %+v %v", found, err)
		}
		list, err := c.Contacts().Changes(ctx, f, "")
		if err != nil || len(list.Changed) != 1 {
			t.Fatalf("listing: %+v %v, want one card", list, err)
		}
	})
}
