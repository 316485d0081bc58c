package graph

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
)

// events is the appointments table of one mailbox, bound to a window.
type events struct {
	c      *Connector
	window groupware.Window
}

var _ groupware.Source[groupware.Event] = (*events)(nil)

// Events is the appointments table of the mailbox, bound to w.
func (c *Connector) Events(w groupware.Window) groupware.Source[groupware.Event] {
	return &events{c: c, window: w}
}

// windowPrefix starts an events token: the window its delta link was made
// for.
const windowPrefix = "window="

const graphTimeLayout = "2006-01-02T15:04:05Z"

// Changes follows the calendar's calendarView/delta over the window: an
// empty token starts a full listing, a token is the deltaLink of the last
// run (one request when nothing changed). Delta lists single events and
// the instances of series; a change of any instance is reported as a
// change of its series (the series master's id, read with Get). Removed
// entries are reported as deleted ids; ids the caller never linked (an
// instance of a series) are for it to ignore. A token of another window,
// or a delta link that names another window, is ErrTokenExpired, as is
// 410 Gone.
func (s *events) Changes(ctx context.Context, folder groupware.Folder, token string) (*groupware.ChangeSet[groupware.Event], error) {
	if err := s.window.Check(); err != nil {
		return nil, err
	}
	link, err := s.startLink(folder, token)
	if err != nil {
		return nil, err
	}
	d := newDeltaGroups()
	for {
		var page eventPage
		if err := s.c.getJSON(ctx, link, &page); err != nil {
			return nil, calendarError(folder, err)
		}
		d.add(page.Value)
		if page.NextLink != "" {
			link = page.NextLink
			continue
		}
		if page.DeltaLink == "" {
			return nil, fmt.Errorf("graph: calendar delta of %q ended without a deltaLink", folder.Path)
		}
		set := d.changeSet()
		set.Token, set.Full = windowPrefix+s.window.String()+";"+page.DeltaLink, token == ""
		return set, nil
	}
}

// startLink is the first request of a delta round: the window's
// calendarView/delta, or the delta link kept in the token.
func (s *events) startLink(folder groupware.Folder, token string) (string, error) {
	q := url.Values{}
	q.Set("startDateTime", s.window.From.UTC().Format(graphTimeLayout))
	q.Set("endDateTime", s.window.To.UTC().Format(graphTimeLayout))
	if token == "" {
		return s.c.userPath + "/calendars/" + url.PathEscape(folder.ID) + "/calendarView/delta?" + q.Encode(), nil
	}
	head, link, ok := strings.Cut(token, ";")
	if !ok || head != windowPrefix+s.window.String() {
		return "", fmt.Errorf("graph: change token of calendar %q was made for another window than %s: %w", folder.Path, s.window, groupware.ErrTokenExpired)
	}
	u, err := url.Parse(link)
	if err != nil {
		return "", fmt.Errorf("graph: change token of calendar %q holds no delta link: %w", folder.Path, groupware.ErrTokenExpired)
	}
	for _, key := range []string{"startDateTime", "endDateTime"} {
		if v := u.Query().Get(key); v != "" && !sameInstant(v, q.Get(key)) {
			return "", fmt.Errorf("graph: delta link of calendar %q is for another window (%s %s): %w", folder.Path, key, v, groupware.ErrTokenExpired)
		}
	}
	return link, nil
}

func sameInstant(a, b string) bool {
	ta, err1 := time.Parse(time.RFC3339, a)
	tb, err2 := time.Parse(time.RFC3339, b)
	return err1 == nil && err2 == nil && ta.Equal(tb)
}

// deltaGroups gathers delta entries by series.
type deltaGroups struct {
	order   []string
	etags   map[string]string
	removed []string
}

func newDeltaGroups() *deltaGroups { return &deltaGroups{etags: map[string]string{}} }

func (d *deltaGroups) add(entries []eventJSON) {
	for i := range entries {
		e := &entries[i]
		if e.Removed != nil {
			d.removed = append(d.removed, e.ID)
			continue
		}
		key := e.ID
		if e.SeriesMasterID != "" {
			key = e.SeriesMasterID
		}
		if _, seen := d.etags[key]; !seen {
			d.order = append(d.order, key)
			d.etags[key] = ""
		}
		if e.SeriesMasterID == "" {
			d.etags[key] = e.etag()
		}
	}
}

func (d *deltaGroups) changeSet() *groupware.ChangeSet[groupware.Event] {
	set := &groupware.ChangeSet[groupware.Event]{}
	for _, id := range d.order {
		set.Changed = append(set.Changed, groupware.Change[groupware.Event]{ID: id, ETag: d.etags[id]})
	}
	for _, id := range d.removed {
		if _, changed := d.etags[id]; !changed {
			set.Deleted = append(set.Deleted, id)
		}
	}
	return set
}

// calendarError names the calendar and turns "not found" on a
// calendar-level request into ErrFolderNotFound.
func calendarError(folder groupware.Folder, err error) error {
	if errors.Is(err, groupware.ErrNotFound) {
		return fmt.Errorf("calendar %q: %w (%w)", folder.Path, groupware.ErrFolderNotFound, err)
	}
	return fmt.Errorf("calendar %q: %w", folder.Path, err)
}

// Get reads events with their CRM id, MaxInFlight at once; a series
// master comes with its exceptions and cancelled instances in the window.
func (s *events) Get(ctx context.Context, folder groupware.Folder, ids []string) ([]groupware.Result[groupware.Event], error) {
	return readEach(ids, func(id string) (*groupware.Event, error) { return s.read(ctx, id) })
}

// readEach reads every id, MaxInFlight at once; a failure becomes the
// record's *RecordError, and an authentication failure fails the call.
func readEach[T any](ids []string, read func(id string) (*T, error)) ([]groupware.Result[T], error) {
	out := make([]groupware.Result[T], len(ids))
	var wg sync.WaitGroup
	slots := make(chan struct{}, MaxInFlight)
	for i, id := range ids {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			item, err := read(id)
			out[i] = groupware.Result[T]{ID: id, Item: item}
			if err != nil {
				out[i].Err = &groupware.RecordError{ID: id, Op: "get", Err: err}
			}
		})
	}
	wg.Wait()
	for _, r := range out {
		if errors.Is(r.Err, groupware.ErrAuth) {
			return nil, r.Err
		}
	}
	return out, nil
}

// read reads one event or series.
func (s *events) read(ctx context.Context, id string) (*groupware.Event, error) {
	var master eventJSON
	if err := s.c.getJSON(ctx, s.c.eventPath(id)+"?"+expandCRMID, &master); err != nil {
		return nil, err
	}
	gs := calendar.GraphSeries{Master: master.GraphEvent}
	if master.Type == "seriesMaster" {
		var err error
		if gs.Instances, err = s.instances(ctx, master.GraphEvent); err != nil {
			return nil, err
		}
	}
	series, err := calendar.FromGraphEvent(gs)
	if err != nil {
		return nil, err
	}
	ev := &groupware.Event{Series: series}
	fillEvent(ev, &master)
	return ev, nil
}

// FindByCRMID finds the event of the calendar that carries crmID in wfe's
// extended property; ErrNotFound when there is none.
func (s *events) FindByCRMID(ctx context.Context, folder groupware.Folder, crmID string) (*groupware.Event, error) {
	filter := "singleValueExtendedProperties/Any(ep: ep/id eq '" + crmIDProperty + "' and ep/value eq '" + strings.ReplaceAll(crmID, "'", "''") + "')"
	var page eventPage
	if err := s.c.getJSON(ctx, s.c.eventsPath(folder)+"?$filter="+url.QueryEscape(filter)+"&$select=id", &page); err != nil {
		return nil, calendarError(folder, err)
	}
	if len(page.Value) == 0 {
		return nil, fmt.Errorf("event with CRM id %q in %q: %w", crmID, folder.Path, groupware.ErrNotFound)
	}
	return s.read(ctx, page.Value[0].ID)
}
