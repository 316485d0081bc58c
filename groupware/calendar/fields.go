package calendar

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Item is one event, event override or task as canonical fields. Absent
// and empty fields mean the same. The names and value formats are listed
// in the package documentation.
type Item map[string]string

// Canonical field names.
const (
	FieldKind         = "kind"          // KindEvent or KindTask
	FieldUID          = "uid"           // iCalendar UID / Graph iCalUId
	FieldSubject      = "subject"       // SUMMARY / subject / title
	FieldBody         = "body"          // DESCRIPTION / body (plain text)
	FieldLocation     = "location"      // LOCATION / location.displayName
	FieldStart        = "start"         // When
	FieldEnd          = "end"           // When, exclusive; all-day: the day after the last day
	FieldAllDay       = "all_day"       // "true" or absent
	FieldOrganizer    = "organizer"     // e-mail address
	FieldAttendees    = "attendees"     // JSON array of Attendee, sorted by e-mail
	FieldRecurrence   = "recurrence"    // RRULE value without "RRULE:", as written
	FieldExdates      = "exdates"       // When values, comma-separated, sorted
	FieldRecurrenceID = "recurrence_id" // overrides only: the original start (When)
	FieldStatus       = "status"        // events: confirmed, tentative, cancelled; tasks: needs-action, in-process, completed, cancelled
	FieldDue          = "due"           // tasks: When
	FieldDone         = "done"          // tasks: "true" or absent
	FieldCompleted    = "completed"     // tasks: when it was done, UTC RFC 3339
	FieldPriority     = "priority"      // iCalendar 1 (highest) … 9 (lowest); absent: undefined
	FieldUnexpandable = "unexpandable"  // "true": the recurrence rule could not be read; kept as text, never expanded
	FieldOverrides    = "overrides"     // Series.Fields only: JSON array of the override Items, sorted by recurrence_id
	FieldProblems     = "problems"      // notes on what was read as something else, one per line; not a synced value
	FieldZoneData     = "zone_data"     // VTIMEZONEs of zones the zone database lacks, as iCalendar text, written back unchanged
)

// Kinds of items.
const (
	KindEvent = "event"
	KindTask  = "task"
)

// Series is one calendar object: an event or task with, for a recurring
// event, the instances that differ from the rule (moved or changed;
// cancelled instances are in the master's exdates instead).
type Series struct {
	Master    Item
	Overrides []Item
}

// Fields flattens a series into one record for the planner: the master's
// fields plus FieldOverrides, so that moving one instance changes the
// series, as it does on a CalDAV server, where the series is one resource.
func (s Series) Fields() map[string]string {
	out := make(map[string]string, len(s.Master)+1)
	for k, v := range s.Master {
		if v != "" {
			out[k] = v
		}
	}
	if len(s.Overrides) > 0 {
		out[FieldOverrides] = encodeOverrides(s.Overrides)
	}
	return out
}

// SeriesFromFields is the inverse of Series.Fields.
func SeriesFromFields(f map[string]string) (Series, error) {
	s := Series{Master: Item{}}
	for k, v := range f {
		if k != FieldOverrides && v != "" {
			s.Master[k] = v
		}
	}
	if raw := f[FieldOverrides]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &s.Overrides); err != nil {
			return Series{}, fmt.Errorf("calendar: field %s: %w", FieldOverrides, err)
		}
	}
	return s, nil
}

func encodeOverrides(overrides []Item) string {
	sorted := append([]Item(nil), overrides...)
	sort.Slice(sorted, func(i, j int) bool {
		return sorted[i][FieldRecurrenceID] < sorted[j][FieldRecurrenceID]
	})
	return marshalCanonical(sorted)
}

// marshalCanonical encodes v as JSON without HTML escaping; map keys are
// sorted by encoding/json, so equal values give equal text.
func marshalCanonical(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("calendar: encoding %T: %v", v, err)) // only strings and maps of strings reach here
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// When reads a time field of the item.
func (it Item) When(field string) (When, error) {
	w, err := ParseWhen(it[field])
	if err != nil {
		return When{}, fmt.Errorf("field %s: %w", field, err)
	}
	return w, nil
}

// SetWhen writes a time field; a zero When removes it.
func (it Item) SetWhen(field string, w When) {
	if w.IsZero() {
		delete(it, field)
		return
	}
	it[field] = w.String()
}

// Bool reads a "true" flag field.
func (it Item) Bool(field string) bool { return it[field] == "true" }

// SetBool writes a flag field: "true", or absent for false.
func (it Item) SetBool(field string, v bool) {
	if v {
		it[field] = "true"
	} else {
		delete(it, field)
	}
}

// setText writes a text field; an empty value removes it.
func (it Item) setText(field, v string) {
	if v == "" {
		delete(it, field)
	} else {
		it[field] = v
	}
}

// Note adds a problem note to the item.
func (it Item) Note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if it[FieldProblems] == "" {
		it[FieldProblems] = msg
	} else {
		it[FieldProblems] += "\n" + msg
	}
}

// Exdates reads FieldExdates.
func (it Item) Exdates() ([]When, error) {
	var out []When
	for _, s := range splitList(it[FieldExdates]) {
		w, err := ParseWhen(s)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", FieldExdates, err)
		}
		out = append(out, w)
	}
	return out, nil
}

// SetExdates writes FieldExdates sorted and without repeats.
func (it Item) SetExdates(ws []When) {
	seen := map[string]bool{}
	var list []string
	for _, w := range ws {
		if s := w.String(); s != "" && !seen[s] {
			seen[s] = true
			list = append(list, s)
		}
	}
	sort.Strings(list)
	it.setText(FieldExdates, strings.Join(list, ","))
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
