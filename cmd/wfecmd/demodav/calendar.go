package demodav

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
)

// The calendar's fixed paths, one level deeper than the principal as the
// address book's are: calendar home set, calendar, event.
const (
	CalendarHome = "/demo/calendars/"
	Calendar     = "/demo/calendars/work/"
)

// calBackend is the in-memory calendar "Kalender" behind go-webdav's
// CalDAV handler.
type calBackend struct {
	events *objects[*ical.Calendar]
}

func newCalBackend() *calBackend {
	return &calBackend{events: newObjects("event", func(c *ical.Calendar) ([]byte, error) {
		var buf bytes.Buffer
		err := ical.NewEncoder(&buf).Encode(c)
		return buf.Bytes(), err
	})}
}

var _ caldav.Backend = (*calBackend)(nil)

func (b *calBackend) CurrentUserPrincipal(context.Context) (string, error) { return Principal, nil }

func (b *calBackend) CalendarHomeSetPath(context.Context) (string, error) { return CalendarHome, nil }

func (b *calBackend) calendar() caldav.Calendar {
	return caldav.Calendar{Path: Calendar, Name: "Kalender", Description: "wfe demo", SupportedComponentSet: []string{ical.CompEvent}}
}

func (b *calBackend) ListCalendars(context.Context) ([]caldav.Calendar, error) {
	return []caldav.Calendar{b.calendar()}, nil
}

func (b *calBackend) GetCalendar(_ context.Context, path string) (*caldav.Calendar, error) {
	if strings.TrimSuffix(path, "/") != strings.TrimSuffix(Calendar, "/") {
		return nil, webdav.NewHTTPError(http.StatusNotFound, fmt.Errorf("no calendar %s", path))
	}
	c := b.calendar()
	return &c, nil
}

func (b *calBackend) CreateCalendar(context.Context, *caldav.Calendar) error {
	return webdav.NewHTTPError(http.StatusForbidden, fmt.Errorf("the demo server has one calendar"))
}

func eventObject(path string, s stored[*ical.Calendar]) caldav.CalendarObject {
	return caldav.CalendarObject{Path: path, ModTime: s.mod, ContentLength: s.size, ETag: s.etag, Data: s.val}
}

func (b *calBackend) GetCalendarObject(_ context.Context, path string, _ *caldav.CalendarCompRequest) (*caldav.CalendarObject, error) {
	s, err := b.events.get(path)
	if err != nil {
		return nil, err
	}
	co := eventObject(path, s)
	return &co, nil
}

func (b *calBackend) ListCalendarObjects(_ context.Context, path string, _ *caldav.CalendarCompRequest) ([]caldav.CalendarObject, error) {
	paths, list := b.events.list(path)
	out := make([]caldav.CalendarObject, len(paths))
	for i, p := range paths {
		out[i] = eventObject(p, list[i])
	}
	return out, nil
}

func (b *calBackend) QueryCalendarObjects(ctx context.Context, path string, q *caldav.CalendarQuery) ([]caldav.CalendarObject, error) {
	all, err := b.ListCalendarObjects(ctx, path, &q.CompRequest)
	if err != nil {
		return nil, err
	}
	return caldav.Filter(q, all)
}

// PutCalendarObject stores an event with the client's preconditions.
func (b *calBackend) PutCalendarObject(_ context.Context, path string, cal *ical.Calendar, opts *caldav.PutCalendarObjectOptions) (*caldav.CalendarObject, error) {
	if opts == nil {
		opts = &caldav.PutCalendarObjectOptions{}
	}
	s, err := b.events.put(path, cal, opts.IfNoneMatch, opts.IfMatch)
	if err != nil {
		return nil, err
	}
	co := eventObject(path, s)
	return &co, nil
}

func (b *calBackend) DeleteCalendarObject(_ context.Context, path string) error {
	return b.events.remove(path)
}

// Events returns the calendar's events by path, for showing them.
func (s *Server) Events() map[string]*ical.Calendar { return s.calendar.events.snapshot() }

// PutEvent stores an iCalendar object in the calendar as another client
// would (name is the object's file name, e.g. "review.ics").
func (s *Server) PutEvent(name, text string) error {
	cal, err := ical.NewDecoder(strings.NewReader(text)).Decode()
	if err != nil {
		return fmt.Errorf("event %s: %w", name, err)
	}
	return s.calendar.events.set(Calendar+name, cal)
}
