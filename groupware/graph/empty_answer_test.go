package graph_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
	"github.com/wfehq/wfe/groupware/groupwaretest"
)

// TestGraphEventUpdateEmptyAnswer: a PATCH answered 200 without a body
// is a done write, not a failure; the change key is then read from the
// server, so the result still carries the one the server holds.
func TestGraphEventUpdateEmptyAnswer(t *testing.T) {
	fake := newFake(t)
	target, err := url.Parse(fake.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method == http.MethodPatch {
			resp.Body.Close()
			resp.Body, resp.ContentLength = io.NopCloser(strings.NewReader("")), 0
			resp.Header.Del("Content-Length")
		}
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	c := zonedConnectorAt(t, fake, srv.URL+target.Path)
	f := calendarFolder(t, fake, c, groupware.TableAppointments, "Kalender")
	src := c.Events(groupwaretest.ContractWindow)
	created := createEvent(t, src, f, "single", &groupware.Event{Series: groupwaretest.DaylightSavingEvent()})
	changed := groupwaretest.DaylightSavingEvent()
	changed.Master[calendar.FieldSubject] = "Changed"
	res, err := src.Write(context.Background(), f, []groupware.Write[groupware.Event]{{Op: groupware.OpUpdate, ID: created.ID, ETag: created.ETag, CRMID: "single", Item: &groupware.Event{Series: changed}}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("update answered without a body: %+v %v; want a done write", res, err)
	}
	if want := fake.EventJSON(testMailbox, created.ID)["@odata.etag"]; res[0].ETag != want {
		t.Errorf("update returned change key %q, the server holds %v", res[0].ETag, want)
	}
}
