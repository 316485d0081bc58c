package graph_test

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/graph"
	"github.com/wfehq/wfe/groupware/groupwaretest"
	"github.com/wfehq/wfe/groupware/pacer"
)

const testMailbox = "anna@firma.example"

// noSleepPacer records the waits instead of sleeping them.
func noSleepPacer(waits *atomic.Int64) *pacer.Pacer {
	p := pacer.New()
	p.Sleep = func(ctx context.Context, d time.Duration) error {
		waits.Add(int64(d))
		return ctx.Err()
	}
	return p
}

// appConnector signs in to the fake as an app acting for testMailbox.
func appConnector(t testing.TB, fake *groupwaretest.GraphFake, secret string, p *pacer.Pacer) *graph.Connector {
	t.Helper()
	ts, err := graph.AppSignIn{ClientID: "app", ClientSecret: secret, TokenURL: fake.TokenURL}.TokenSource(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := graph.New(graph.Config{BaseURL: fake.BaseURL, Mailbox: testMailbox, TokenSource: ts, Pacer: p})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newFake(t *testing.T) *groupwaretest.GraphFake {
	fake := groupwaretest.NewGraphFake(t)
	fake.AddApp("app", "s3cret")
	fake.AddMailbox(testMailbox)
	fake.SetPageSize(7)
	return fake
}

func TestGraphContactContract(t *testing.T) {
	fake := newFake(t)
	var waits atomic.Int64
	folders := 0
	groupwaretest.RunContactContract(t, groupwaretest.ContactHarness{
		Connect: func(t *testing.T) groupware.Connector { return appConnector(t, fake, "s3cret", noSleepPacer(&waits)) },
		NewFolder: func(t *testing.T, c groupware.Connector) groupware.Folder {
			folders++
			name := "Kunden " + strconv.Itoa(folders)
			parent := fake.AddFolder(testMailbox, "", "CRM")
			fake.AddFolder(testMailbox, parent, name)
			list, err := c.Folders(context.Background(), groupware.TableContacts)
			if err != nil {
				t.Fatal(err)
			}
			f, err := groupware.FolderByPath(list, "Contacts/CRM/"+name)
			if err != nil {
				t.Fatal(err)
			}
			return f
		},
		RemoveFolder: func(t *testing.T, f groupware.Folder) { fake.RemoveFolder(testMailbox, f.ID) },
		EditGivenName: func(t *testing.T, f groupware.Folder, id, name string) {
			if err := fake.EditContact(testMailbox, id, "givenName", name); err != nil {
				t.Fatal(err)
			}
		},
		ExpireToken: func(t *testing.T, f groupware.Folder, token string) string {
			fake.ExpireDeltaTokens()
			return token
		},
		FailRecord: func(t *testing.T, id string) { fake.FailRecord(id, http.StatusInternalServerError, "generalException") },
		Requests:   fake.Requests,
		IdleBudget: 1,
	})
}

// TestGraphDelegatedSignIn: a stored refresh token of the employee signs
// in as /me; once it is revoked, the next call fails with ErrAuth after
// exactly one sign-in attempt.
func TestGraphDelegatedSignIn(t *testing.T) {
	fake := newFake(t)
	conf := &oauth2.Config{ClientID: "app", Endpoint: oauth2.Endpoint{TokenURL: fake.TokenURL, AuthStyle: oauth2.AuthStyleInParams}}
	ts := conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: fake.DelegatedRefreshToken(testMailbox)})
	c, err := graph.New(graph.Config{BaseURL: fake.BaseURL, TokenSource: ts})
	if err != nil {
		t.Fatal(err)
	}
	folders, err := c.Folders(context.Background(), groupware.TableContacts)
	if err != nil || len(folders) != 1 || folders[0].Path != graph.DefaultFolderPath {
		t.Fatalf("Folders as /me: %+v %v", folders, err)
	}
	fake.RevokeRefreshTokens()
	stale := &oauth2.Token{RefreshToken: "revoked", Expiry: time.Now().Add(-time.Hour)}
	c2, _ := graph.New(graph.Config{BaseURL: fake.BaseURL, TokenSource: conf.TokenSource(context.Background(), stale)})
	before := fake.SignIns()
	_, err = c2.Contacts().Changes(context.Background(), folders[0], "")
	if !errorsIsAuth(err) || fake.SignIns()-before != 1 {
		t.Fatalf("revoked grant: %v after %d sign-ins; want ErrAuth after 1", err, fake.SignIns()-before)
	}
}
