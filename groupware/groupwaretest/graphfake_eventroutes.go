package groupwaretest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// eventProperties are the writable properties of Graph's event the fake
// takes; read-only ones (id, iCalUId, type, seriesMasterId,
// originalStart, organizer of an existing event) are refused as Graph
// refuses them.
var eventProperties = map[string]bool{
	"subject": true, "body": true, "start": true, "end": true, "isAllDay": true, "location": true,
	"attendees": true, "recurrence": true, "isOnlineMeeting": true, "onlineMeetingProvider": true,
	"singleValueExtendedProperties": true, "categories": true, "importance": true, "sensitivity": true,
	"showAs": true, "isReminderOn": true, "reminderMinutesBeforeStart": true, "responseRequested": true,
}

// routeEvents serves /calendars, /calendars/{id}/calendarView/delta,
// /calendars/{id}/events, /events/{id} and /events/{id}/instances.
func (f *GraphFake) routeEvents(w http.ResponseWriter, r *http.Request, mb *fakeMailbox, parts []string) {
	cal := mb.cal
	switch {
	case len(parts) == 1 && parts[0] == "calendars" && r.Method == http.MethodGet:
		list := []map[string]string{}
		for id, name := range cal.calendars {
			list = append(list, map[string]string{"id": id, "name": name, "displayName": name})
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": list})
	case parts[0] == "calendars" && len(parts) >= 3 && cal.calendars[parts[1]] == "":
		graphErr(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
	case len(parts) == 4 && parts[2] == "calendarView" && parts[3] == "delta":
		f.serveCalendarDelta(w, r, cal, parts[1])
	case len(parts) == 3 && parts[2] == "events" && r.Method == http.MethodPost:
		f.createEvent(w, r, cal, parts[1])
	case len(parts) == 3 && parts[2] == "events" && r.Method == http.MethodGet:
		f.filterEvents(w, r, cal, parts[1])
	case len(parts) == 2 && parts[0] == "events":
		f.serveEvent(w, r, cal, parts[1])
	case len(parts) == 3 && parts[0] == "events" && parts[2] == "instances":
		f.serveInstances(w, r, cal, parts[1])
	default:
		graphErr(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment.")
	}
}

// readEventBody decodes a create or update body of an event.
func readEventBody(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, map[string]string, bool) {
	return readBody(w, r, eventProperties, "event")
}

func (f *GraphFake) createEvent(w http.ResponseWriter, r *http.Request, cal *fakeCalendars, calendarID string) {
	props, ext, ok := readEventBody(w, r)
	if !ok {
		return
	}
	f.seq++
	e := &fakeEvent{id: fmt.Sprintf("AAMkEv-%d", f.seq), calendar: calendarID, seq: f.seq, props: props, extended: ext,
		exceptions: map[string]map[string]json.RawMessage{}, cancelled: map[string]bool{}}
	e.uid = "040000008200E00074C5B7101A82E008" + fmt.Sprintf("%08d", f.seq)
	if string(props["isOnlineMeeting"]) == "true" && string(props["onlineMeetingProvider"]) == `"teamsForBusiness"` {
		e.joinURL = "https://teams.microsoft.com/l/meetup-join/fake-" + e.id
	}
	if _, _, err := e.series(); err != nil {
		graphErr(w, http.StatusBadRequest, "ErrorInvalidRequest", "The event cannot be read: "+err.Error())
		return
	}
	cal.events[e.id] = e
	writeJSON(w, http.StatusCreated, e.render(""))
}

// serveEvent reads, patches or deletes an event or one instance of a
// series (patching an instance makes it an exception, deleting it cancels
// it); either changes the series' change key.
func (f *GraphFake) serveEvent(w http.ResponseWriter, r *http.Request, cal *fakeCalendars, id string) {
	e, orig := cal.events[id], ""
	if e == nil {
		var ok bool
		if e, orig, ok = cal.instanceOf(id); !ok {
			graphErr(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
			return
		}
	}
	if staleIfMatch(w, r, e.etag()) {
		return
	}
	switch r.Method {
	case http.MethodGet:
		f.getEvent(w, r, e, id, orig)
	case http.MethodPatch:
		f.patchEvent(w, r, e, orig)
	case http.MethodDelete:
		f.seq++
		if orig != "" {
			e.cancelled[orig] = true
			delete(e.exceptions, orig)
			e.seq = f.seq
		} else {
			delete(cal.events, id)
			cal.eventTombs = append(cal.eventTombs, fakeTombstone{id: id, folder: e.calendar, seq: f.seq})
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		graphErr(w, http.StatusMethodNotAllowed, "BadRequest", "Unsupported method.")
	}
}

func (f *GraphFake) getEvent(w http.ResponseWriter, r *http.Request, e *fakeEvent, id, orig string) {
	if orig == "" {
		writeJSON(w, http.StatusOK, e.render(expandedID(r)))
		return
	}
	t, _ := time.Parse(time.RFC3339, orig)
	list, _, err := e.instances(t, t.Add(time.Second))
	for _, inst := range list {
		if inst["id"] == id && err == nil {
			writeJSON(w, http.StatusOK, inst)
			return
		}
	}
	graphErr(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
}

func (f *GraphFake) patchEvent(w http.ResponseWriter, r *http.Request, e *fakeEvent, orig string) {
	props, ext, ok := readEventBody(w, r)
	if !ok {
		return
	}
	target := e.props
	if orig != "" {
		if e.exceptions[orig] == nil {
			e.exceptions[orig] = map[string]json.RawMessage{}
		}
		target = e.exceptions[orig]
	}
	for k, v := range props {
		target[k] = v
	}
	for k, v := range ext {
		e.extended[k] = v
	}
	f.seq++
	e.seq = f.seq
	writeJSON(w, http.StatusOK, e.render(""))
}

// window reads startDateTime and endDateTime, which Graph requires on a
// calendar view and on instances.
func window(w http.ResponseWriter, r *http.Request) (time.Time, time.Time, bool) {
	from, err1 := time.Parse(time.RFC3339, r.URL.Query().Get("startDateTime"))
	to, err2 := time.Parse(time.RFC3339, r.URL.Query().Get("endDateTime"))
	if err1 != nil || err2 != nil {
		graphErr(w, http.StatusBadRequest, "ErrorInvalidParameter", "startDateTime and endDateTime are required.")
		return from, to, false
	}
	return from, to, true
}

func (f *GraphFake) serveInstances(w http.ResponseWriter, r *http.Request, cal *fakeCalendars, id string) {
	e := cal.events[id]
	if e == nil {
		graphErr(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
		return
	}
	from, to, ok := window(w, r)
	if !ok {
		return
	}
	list, _, err := e.instances(from, to)
	if err != nil {
		graphErr(w, http.StatusInternalServerError, "generalException", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": list})
}

// serveCalendarDelta pages through the changes of a calendar view: a
// changed single event in the window is listed as itself, a changed
// series as its instances in the window (cancelled ones as @removed), a
// deleted event as @removed with its id.
func (f *GraphFake) serveCalendarDelta(w http.ResponseWriter, r *http.Request, cal *fakeCalendars, calendarID string) {
	from, to, ok := window(w, r)
	if !ok {
		return
	}
	since, upTo, offset, ok := f.deltaPosition(w, r)
	if !ok {
		return
	}
	var entries []seqEntry
	for _, e := range cal.events {
		if e.calendar != calendarID || e.seq <= since || e.seq > upTo {
			continue
		}
		list, cancelled, _ := e.instances(from, to)
		for _, inst := range list {
			entries = append(entries, seqEntry{e.seq, inst})
		}
		for _, id := range cancelled {
			entries = append(entries, removedEntry(e.seq, id))
		}
	}
	entries = append(entries, tombEntries(cal.eventTombs, calendarID, since, upTo)...)
	f.writeSeqPage(w, r, entries, since, upTo, offset)
}

// filterEvents lists a calendar's events that carry an extended property
// value (the only $filter the fake knows).
func (f *GraphFake) filterEvents(w http.ResponseWriter, r *http.Request, cal *fakeCalendars, calendarID string) {
	m := filterValue.FindStringSubmatch(r.URL.Query().Get("$filter"))
	if m == nil {
		graphErr(w, http.StatusBadRequest, "BadRequest", "The fake only filters on one extended property value.")
		return
	}
	list := []map[string]any{}
	for _, e := range cal.events {
		if e.calendar == calendarID && e.extended[unquote(m[1])] == unquote(m[2]) {
			list = append(list, e.render(expandedID(r)))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": list})
}
