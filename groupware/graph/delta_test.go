package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/graph"
)

// TestDeltaListsEachItemOnce: Graph may list an item on two pages of one
// delta round (changed while paging) and remove one listed earlier; each
// id then appears once, in its last state, with its lastModifiedDateTime
// as the contact's modification time.
func TestDeltaListsEachItemOnce(t *testing.T) {
	var srv *httptest.Server
	pages := []string{
		`{"value":[{"id":"a","changeKey":"1","givenName":"A1"},{"id":"b","changeKey":"1"}],"@odata.nextLink":"%s/v1.0/me/contacts/delta?$skiptoken=2"}`,
		`{"value":[{"id":"a","changeKey":"2","givenName":"A2","lastModifiedDateTime":"2026-03-29T08:30:15Z"},{"id":"b","@removed":{"reason":"deleted"}}],"@odata.deltaLink":"%s/v1.0/me/contacts/delta?$deltatoken=9"}`,
	}
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page := pages[0]
		if r.URL.Query().Get("$skiptoken") != "" {
			page = pages[1]
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, page, srv.URL)
	}))
	defer srv.Close()
	c, err := graph.New(graph.Config{BaseURL: srv.URL + "/v1.0", TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"})})
	if err != nil {
		t.Fatal(err)
	}
	set, err := c.Contacts().Changes(context.Background(), groupware.Folder{Path: "Contacts"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Changed) != 1 || set.Changed[0].ID != "a" || set.Changed[0].Item.GivenName != "A2" || set.Changed[0].ETag != `W/"2"` {
		t.Fatalf("changed %+v, want only a in its second state", set.Changed)
	}
	if got := set.Changed[0].Item.Modified; !got.Equal(time.Date(2026, 3, 29, 8, 30, 15, 0, time.UTC)) {
		t.Errorf("modified %v, want lastModifiedDateTime 2026-03-29T08:30:15Z", got)
	}
	if len(set.Deleted) != 1 || set.Deleted[0] != "b" || set.Token != srv.URL+"/v1.0/me/contacts/delta?$deltatoken=9" {
		t.Fatalf("deleted %v token %q", set.Deleted, set.Token)
	}
}
