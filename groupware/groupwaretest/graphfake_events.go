package groupwaretest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/wfehq/wfe/groupware/calendar"
)

// fakeEvent is one event or series of the GraphFake. A series keeps its
// exceptions (changed instances) and cancelled instances by original
// start (UTC, RFC 3339); its instances are made by expanding its rule.
type fakeEvent struct {
	id, calendar, uid, joinURL string
	seq                        int64
	props                      map[string]json.RawMessage
	extended                   map[string]string
	exceptions                 map[string]map[string]json.RawMessage
	cancelled                  map[string]bool
}

// fakeCalendars is a mailbox's calendars, events and To Do lists.
type fakeCalendars struct {
	calendars  map[string]string // id → display name
	events     map[string]*fakeEvent
	eventTombs []fakeTombstone
	lists      map[string]string // To Do list id → display name
	todos      map[string]*fakeTodo
	todoTombs  []fakeTombstone
}

func newFakeCalendars() *fakeCalendars {
	return &fakeCalendars{calendars: map[string]string{}, events: map[string]*fakeEvent{},
		lists: map[string]string{}, todos: map[string]*fakeTodo{}}
}

// AddCalendar creates a calendar named name and returns its id.
func (f *GraphFake) AddCalendar(upn, name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	mb := f.mailboxFor(upn)
	mb.nextID++
	id := fmt.Sprintf("calendar-%d", mb.nextID)
	mb.cal.calendars[id] = name
	return id
}

// EditEvent changes a property of an event or series master as another
// client would (a new change key, listed by the next delta).
func (f *GraphFake) EditEvent(upn, id, property string, value any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.mailboxFor(upn).cal.events[id]
	if e == nil {
		return fmt.Errorf("no event %s", id)
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return err
	}
	e.props[property] = raw
	f.seq++
	e.seq = f.seq
	return nil
}

// EventCount is the number of events (series count once) in a mailbox.
func (f *GraphFake) EventCount(upn string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.mailboxFor(upn).cal.events)
}

func (e *fakeEvent) changeKey() string { return fmt.Sprintf("ck%d", e.seq) }
func (e *fakeEvent) etag() string      { return `W/"` + e.changeKey() + `"` }

func (e *fakeEvent) isSeries() bool {
	raw, ok := e.props["recurrence"]
	return ok && string(raw) != "null"
}

// render is the event as Graph returns it, with the extended property
// expandID only when it was asked for.
func (e *fakeEvent) render(expandID string) map[string]any {
	out := map[string]any{}
	for k, v := range e.props {
		out[k] = v
	}
	out["id"], out["@odata.etag"], out["changeKey"], out["iCalUId"] = e.id, e.etag(), e.changeKey(), e.uid
	out["type"] = "singleInstance"
	if e.isSeries() {
		out["type"] = "seriesMaster"
	}
	if e.joinURL != "" {
		out["onlineMeeting"] = map[string]string{"joinUrl": e.joinURL}
	}
	if expandID != "" {
		props := []map[string]string{}
		if v, ok := e.extended[expandID]; ok {
			props = append(props, map[string]string{"id": expandID, "value": v})
		}
		out["singleValueExtendedProperties"] = props
	}
	return out
}

// series reads the stored master through package calendar.
func (e *fakeEvent) series() (calendar.Series, *calendar.GraphDateTime, error) {
	raw, err := json.Marshal(e.render(""))
	if err != nil {
		return calendar.Series{}, nil, err
	}
	var ge calendar.GraphEvent
	if err := json.Unmarshal(raw, &ge); err != nil {
		return calendar.Series{}, nil, err
	}
	s, err := calendar.FromGraphEvent(calendar.GraphSeries{Master: ge})
	return s, ge.Start, err
}

const instanceStamp = "20060102T150405Z"

// instances renders the instances of a series whose original start lies
// in [from, to), and names the ids of the cancelled ones there. A single
// event overlapping the range is its own only instance.
func (e *fakeEvent) instances(from, to time.Time) (list []map[string]any, cancelled []string, err error) {
	s, start, err := e.series()
	if err != nil {
		return nil, nil, err
	}
	exp, err := calendar.Occurrences(s, from, to)
	if err != nil {
		return nil, nil, err
	}
	for _, o := range exp.Occurrences {
		if !e.isSeries() {
			return []map[string]any{e.render("")}, nil, nil
		}
		orig := o.RecurrenceID.Time.UTC()
		id := e.id + "_" + orig.Format(instanceStamp)
		if e.cancelled[orig.Format(time.RFC3339)] {
			cancelled = append(cancelled, id)
			continue
		}
		list = append(list, e.instance(id, orig, o, start.TimeZone))
	}
	return list, cancelled, nil
}

// instance renders one occurrence, or the exception stored for it.
func (e *fakeEvent) instance(id string, orig time.Time, o calendar.Occurrence, zone string) map[string]any {
	out := map[string]any{}
	for k, v := range e.props {
		if k != "recurrence" {
			out[k] = v
		}
	}
	const layout = "2006-01-02T15:04:05.0000000"
	out["id"], out["seriesMasterId"], out["type"], out["iCalUId"] = id, e.id, "occurrence", e.uid
	out["originalStart"] = orig.Format(time.RFC3339)
	out["start"] = map[string]string{"dateTime": o.Start.Time.Format(layout), "timeZone": zone}
	out["end"] = map[string]string{"dateTime": o.End.Time.Format(layout), "timeZone": zone}
	out["@odata.etag"], out["changeKey"] = e.etag(), e.changeKey()
	if ex, ok := e.exceptions[orig.Format(time.RFC3339)]; ok {
		for k, v := range ex {
			out[k] = v
		}
		out["type"] = "exception"
	}
	return out
}

// instanceOf splits an instance id into its series and original start.
func (c *fakeCalendars) instanceOf(id string) (*fakeEvent, string, bool) {
	i := strings.LastIndexByte(id, '_')
	if i < 0 {
		return nil, "", false
	}
	e := c.events[id[:i]]
	t, err := time.Parse(instanceStamp, id[i+1:])
	if e == nil || err != nil {
		return nil, "", false
	}
	return e, t.Format(time.RFC3339), true
}

// EventJSON is an event or series master as Graph would return it (nil
// when there is none), for tests that look at what was written.
func (f *GraphFake) EventJSON(upn, id string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.mailboxFor(upn).cal.events[id]
	if e == nil {
		return nil
	}
	raw, _ := json.Marshal(e.render(""))
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}
