package dav_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/dav"
	"github.com/wfehq/wfe/groupware/groupwaretest"
	"github.com/wfehq/wfe/groupware/pacer"
)

func connect(t testing.TB, srv *groupwaretest.DAVServer, password string) *dav.Connector {
	t.Helper()
	p := pacer.New()
	p.Sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	c, err := dav.New(dav.Config{URL: srv.URL, Username: srv.Username, Password: password, Pacer: p})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// folderNamed makes an address book and finds it through discovery.
func folderNamed(t *testing.T, srv *groupwaretest.DAVServer, c groupware.Connector, name string) groupware.Folder {
	t.Helper()
	srv.MakeAddressBook(t, name)
	list, err := c.Folders(context.Background(), groupware.TableContacts)
	if err != nil {
		t.Fatalf("Folders: %v", err)
	}
	f, err := groupware.FolderByPath(list, name)
	if err != nil {
		t.Fatalf("%v in %+v", err, list)
	}
	return f
}

func harness(srv *groupwaretest.DAVServer) groupwaretest.ContactHarness {
	folders := 0
	return groupwaretest.ContactHarness{
		Connect: func(t *testing.T) groupware.Connector { return connect(t, srv, srv.Password) },
		NewFolder: func(t *testing.T, c groupware.Connector) groupware.Folder {
			folders++
			return folderNamed(t, srv, c, fmt.Sprintf("kunden-%d", folders))
		},
		RemoveFolder: func(t *testing.T, f groupware.Folder) {
			resp := srv.Do(t, "DELETE", f.ID, "")
			resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				t.Fatalf("DELETE %s: %s", f.ID, resp.Status)
			}
		},
		EditGivenName: func(t *testing.T, f groupware.Folder, id, name string) { editGivenName(t, srv, id, name) },
		ExpireToken: func(t *testing.T, f groupware.Folder, token string) string {
			return token[:len(token)-8] + "00000000"
		},
		FailRecord: func(t *testing.T, id string) { srv.Proxy.FailPath(id) },
		Requests:   srv.Proxy.Requests,
		IdleBudget: 2,
	}
}

// editGivenName changes a card's N as another client would.
func editGivenName(t *testing.T, srv *groupwaretest.DAVServer, id, name string) {
	t.Helper()
	resp := srv.Do(t, "GET", id, "")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lines := strings.Split(string(body), "\r\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "N:") {
			parts := strings.Split(l[2:], ";")
			parts[1] = name
			lines[i] = "N:" + strings.Join(parts, ";")
		}
	}
	put := srv.Do(t, "PUT", id, strings.Join(lines, "\r\n"), "Content-Type", "text/vcard")
	put.Body.Close()
	if put.StatusCode/100 != 2 {
		t.Fatalf("PUT %s: %s", id, put.Status)
	}
}

func TestRadicaleContactContract(t *testing.T) {
	t.Parallel()
	srv := groupwaretest.StartRadicale(t)
	groupwaretest.RunContactContract(t, harness(srv))
}

func TestXandikosContactContract(t *testing.T) {
	t.Parallel()
	srv := groupwaretest.StartXandikos(t)
	groupwaretest.RunContactContract(t, harness(srv))
}
