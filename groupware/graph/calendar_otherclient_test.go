package graph_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
	"github.com/wfehq/wfe/groupware/graph"
	"github.com/wfehq/wfe/groupware/groupwaretest"
)

// outlook sends requests to the fake as another client (Outlook) would.
type outlook struct {
	t     *testing.T
	fake  *groupwaretest.GraphFake
	token string
}

func newOutlook(t *testing.T, fake *groupwaretest.GraphFake) *outlook {
	ts, err := graph.AppSignIn{ClientID: "app", ClientSecret: "s3cret", TokenURL: fake.TokenURL}.TokenSource(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	return &outlook{t: t, fake: fake, token: tok.AccessToken}
}

func (o *outlook) do(method, path, body string, out any) {
	o.t.Helper()
	req, _ := http.NewRequest(method, o.fake.BaseURL+"/users/"+testMailbox+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+o.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		o.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		o.t.Fatalf("%s %s: %s", method, path, resp.Status)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			o.t.Fatal(err)
		}
	}
}

// TestGraphSeriesChangedInOutlook: a weekly series wfe wrote without
// exceptions is changed in Outlook (one instance moved, one cancelled);
// the next delta lists the series once, and it reads as the meeting with
// the moved and the cancelled instance.
func TestGraphSeriesChangedInOutlook(t *testing.T) {
	ctx := context.Background()
	fake := newFake(t)
	c := zonedConnector(t, fake)
	f := calendarFolder(t, fake, c, groupware.TableAppointments, "Kalender")
	src := c.Events(groupwaretest.ContractWindow)
	want := groupwaretest.WeeklyMeeting()
	plain := calendar.Series{Master: calendar.Item{}}
	for k, v := range want.Master {
		if k != calendar.FieldExdates {
			plain.Master[k] = v
		}
	}
	created := createEvent(t, src, f, "series", &groupware.Event{Series: plain})
	full, err := src.Changes(ctx, f, "")
	if err != nil {
		t.Fatal(err)
	}
	o := newOutlook(t, fake)
	var page struct {
		Value []struct {
			ID            string `json:"id"`
			OriginalStart string `json:"originalStart"`
		} `json:"value"`
	}
	q := url.Values{"startDateTime": {"2026-10-01T00:00:00Z"}, "endDateTime": {"2026-11-30T00:00:00Z"}}
	o.do("GET", "/events/"+created.ID+"/instances?"+q.Encode(), "", &page)
	for _, inst := range page.Value {
		switch inst.OriginalStart {
		case "2026-10-15T08:00:00Z":
			o.do("DELETE", "/events/"+inst.ID, "", nil)
		case "2026-10-22T08:00:00Z":
			o.do("PATCH", "/events/"+inst.ID, `{"subject":"Jour fixe Vertrieb (verschoben)","start":{"dateTime":"2026-10-23T14:00:00.0000000","timeZone":"W. Europe Standard Time"},"end":{"dateTime":"2026-10-23T15:00:00.0000000","timeZone":"W. Europe Standard Time"}}`, nil)
		}
	}
	next, err := src.Changes(ctx, f, full.Token)
	if err != nil || len(next.Changed) != 1 || next.Changed[0].ID != created.ID {
		t.Fatalf("Changes after Outlook's edit: %+v %v; want the series once", next, err)
	}
	got, err := src.Get(ctx, f, []string{created.ID})
	if err != nil || got[0].Err != nil {
		t.Fatalf("Get: %+v %v", got, err)
	}
	s := got[0].Item.Series
	if s.Master[calendar.FieldExdates] != want.Master[calendar.FieldExdates] || len(s.Overrides) != 1 {
		t.Fatalf("read exdates %q and %d overrides; want %q and 1", s.Master[calendar.FieldExdates], len(s.Overrides), want.Master[calendar.FieldExdates])
	}
	ov, wo := s.Overrides[0], want.Overrides[0]
	for _, field := range []string{calendar.FieldRecurrenceID, calendar.FieldStart, calendar.FieldEnd, calendar.FieldSubject} {
		if ov[field] != wo[field] {
			t.Errorf("moved instance %s is %q, want %q", field, ov[field], wo[field])
		}
	}
}
