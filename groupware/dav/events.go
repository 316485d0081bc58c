package dav

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/wfehq/wfe/groupware"
)

// calObjects is the appointments (VEVENT, bound to a window) or tasks
// (VTODO) table of the account's calendars.
type calObjects struct {
	c      *Connector
	window *groupware.Window // nil for tasks
	comp   string            // VEVENT or VTODO
}

var _ groupware.Source[groupware.Event] = (*calObjects)(nil)

// Events is the appointments table of the account's calendars, bound to w.
func (c *Connector) Events(w groupware.Window) groupware.Source[groupware.Event] {
	return &calObjects{c: c, window: &w, comp: "VEVENT"}
}

// Tasks is the tasks table (VTODO) of the account's calendars.
func (c *Connector) Tasks() groupware.Source[groupware.Task] {
	return &calObjects{c: c, comp: "VTODO"}
}

// windowPrefix starts an events token: the window it was made for, so a
// token of another window is refused.
const windowPrefix = "window="

// Changes lists what changed since token. An empty token takes the
// calendar's sync-token (an initial sync-collection REPORT) and lists the
// objects of the table's component in the window (one calendar-query
// REPORT with a time-range); a later token asks the server's sync-collection for what
// changed since (one REPORT, also when nothing changed). An incremental
// change set holds every changed object, also ones now outside the
// window, and every removed one: the caller ignores ids it never linked.
// A server that refuses sync-collection is compared by its CTag instead
// (one PROPFIND when unchanged, then the calendar-query again, Full).
func (s *calObjects) Changes(ctx context.Context, folder groupware.Folder, token string) (*groupware.ChangeSet[groupware.Event], error) {
	inner, err := s.unwrapToken(folder, token)
	if err != nil {
		return nil, err
	}
	initial := func() (*rawChanges, error) {
		next, err := s.firstToken(ctx, folder)
		if err != nil {
			return nil, err
		}
		members, _, err := s.query(ctx, folder)
		return &rawChanges{changed: members, token: next, full: true}, err
	}
	raw, err := s.c.changes(ctx, folder, inner, initial, s.query)
	if err != nil {
		return nil, err
	}
	raw.token = s.wrapToken(raw.token)
	return changeSetOf[groupware.Event](raw), nil
}

// firstToken is the token a first listing hands out, taken before the
// listing so that a change made meanwhile is listed again next time: the
// calendar's sync-token from a sync-collection REPORT (which also shows
// that the server answers one), or, when the server refuses
// sync-collection, its CTag.
func (s *calObjects) firstToken(ctx context.Context, folder groupware.Folder) (string, error) {
	set, err := s.c.syncCollection(ctx, folder, "")
	if err == nil {
		return set.token, nil
	}
	if !syncUnsupported(err) {
		return "", err
	}
	ctag, syncToken, err := s.c.collectionState(ctx, folder)
	return ctagPrefix + pick(ctag, syncToken), err
}

func (s *calObjects) wrapToken(inner string) string {
	if s.window == nil {
		return inner
	}
	return windowPrefix + s.window.String() + ";" + inner
}

// unwrapToken checks that an events token was made for this window.
func (s *calObjects) unwrapToken(folder groupware.Folder, token string) (string, error) {
	if s.window == nil || token == "" {
		if s.window != nil {
			return "", s.window.Check()
		}
		return token, nil
	}
	head, inner, ok := strings.Cut(token, ";")
	if !ok || head != windowPrefix+s.window.String() {
		return "", fmt.Errorf("dav: change token of calendar %q was made for another window than %s: %w", folder.Path, s.window, groupware.ErrTokenExpired)
	}
	return inner, nil
}

const calendarQueryBody = `<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="%s">%s</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`

// query lists the objects of the component (in the window, for events)
// with their ETags: one calendar-query REPORT.
func (s *calObjects) query(ctx context.Context, folder groupware.Folder) ([]member, string, error) {
	timeRange := ""
	if s.window != nil {
		const layout = "20060102T150405Z"
		timeRange = fmt.Sprintf(`<c:time-range start="%s" end="%s"/>`, s.window.From.UTC().Format(layout), s.window.To.UTC().Format(layout))
	}
	var out []member
	_, err := s.c.multistatus(ctx, "REPORT", folder.ID, fmt.Sprintf(calendarQueryBody, s.comp, timeRange), "1", func(e msEntry) error {
		if !isCollection(folder, e.Path) && e.Status/100 == 2 {
			out = append(out, member{path: e.Path, etag: quoteETag(e.ETag)})
		}
		return nil
	})
	return out, "", err
}

const calendarMultigetHead = `<?xml version="1.0" encoding="utf-8"?>
<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>`

type eventResult = groupware.Result[groupware.Event]

// Get reads objects with calendar-multiget, multigetSize per request;
// when a multiget fails as a whole its objects are read one GET at a
// time, so only a broken one reports an error.
func (s *calObjects) Get(ctx context.Context, folder groupware.Folder, ids []string) ([]eventResult, error) {
	return getInChunks(folder, ids, func(chunk []string) ([]eventResult, error) {
		entries, err := s.c.multigetEntries(ctx, folder, calendarMultigetHead, "</c:calendar-multiget>", chunk)
		if err != nil {
			return nil, err
		}
		out := make([]eventResult, len(chunk))
		for i, id := range chunk {
			out[i] = s.entryResult(id, entries)
		}
		return out, nil
	}, func(chunk []string) []eventResult { return s.getEach(ctx, chunk) })
}

func (s *calObjects) entryResult(id string, entries map[string]msEntry) eventResult {
	e, ok := entries[id]
	var ev *groupware.Event
	var err error
	switch {
	case !ok:
		err = fmt.Errorf("not in the multiget answer: %w", groupware.ErrNotFound)
	case e.Status/100 != 2:
		err = &StatusError{Method: "REPORT", Path: id, Code: e.Status}
	default:
		ev, err = readObject([]byte(e.Data))
	}
	if err != nil {
		return eventResult{ID: id, Err: &groupware.RecordError{ID: id, Op: "get", Err: err}}
	}
	ev.ID, ev.ETag = id, quoteETag(e.ETag)
	return eventResult{ID: id, Item: ev}
}

func (s *calObjects) getEach(ctx context.Context, ids []string) []eventResult {
	out := make([]eventResult, len(ids))
	s.c.each(len(ids), func(i int) {
		ev, _, err := s.c.getObject(ctx, ids[i])
		out[i] = eventResult{ID: ids[i], Item: ev}
		if err != nil {
			out[i].Err = &groupware.RecordError{ID: ids[i], Op: "get", Err: err}
		}
	})
	return out
}

// getObject reads one calendar object; raw is its iCalendar text, for a
// merge.
func (c *Connector) getObject(ctx context.Context, path string) (*groupware.Event, []byte, error) {
	body, etag, err := c.getRaw(ctx, path, "text/calendar")
	if err != nil {
		return nil, nil, err
	}
	ev, err := readObject(body)
	if err != nil {
		return nil, nil, fmt.Errorf("dav: reading %s: %w", path, err)
	}
	ev.ID, ev.ETag = path, etag
	return ev, body, nil
}

// getRaw reads a small resource whole with its ETag.
func (c *Connector) getRaw(ctx context.Context, path, accept string) ([]byte, string, error) {
	req, err := c.request(ctx, http.MethodGet, path, nil, "Accept", accept)
	if err != nil {
		return nil, "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), resp.Header.Get("ETag"), nil
}

// FindByCRMID reads the object that carries crmID: first the object wfe
// created for it (its resource name is derived from the CRM id: one GET),
// else one a link stored the CRM id in (a calendar-query REPORT on
// X-WFE-CRM-ID).
func (s *calObjects) FindByCRMID(ctx context.Context, folder groupware.Folder, crmID string) (*groupware.Event, error) {
	ev, _, err := s.c.getObject(ctx, folder.ID+objectName(crmID))
	if err == nil || !errors.Is(err, groupware.ErrNotFound) {
		return ev, err
	}
	var paths []string
	body := fmt.Sprintf(calendarQueryBody, s.comp, `<c:prop-filter name="`+propCRMID+`"><c:text-match collation="i;octet">`+xmlEscape(crmID)+`</c:text-match></c:prop-filter>`)
	if _, err := s.c.multistatus(ctx, "REPORT", folder.ID, body, "1", func(e msEntry) error {
		if !isCollection(folder, e.Path) && e.Status/100 == 2 {
			paths = append(paths, e.Path)
		}
		return nil
	}); err != nil {
		return nil, folderError(folder, err)
	}
	for _, p := range paths {
		if ev, _, err := s.c.getObject(ctx, p); err == nil && ev.CRMID == crmID {
			return ev, nil
		}
	}
	return nil, fmt.Errorf("calendar object with CRM id %q in %q: %w", crmID, folder.Path, groupware.ErrNotFound)
}

// objectName is the calendar object name for a CRM id (see uidOf).
func objectName(crmID string) string { return uidOf(crmID) + ".ics" }
