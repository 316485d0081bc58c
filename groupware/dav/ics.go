package dav

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
)

// propCRMID carries the CRM id in every component of an object wfe
// creates, so a copy found elsewhere is still recognised.
const propCRMID = "X-WFE-CRM-ID"

// mappedProps are the component properties the calendar mapping writes;
// every other property of a stored object is kept when wfe updates it.
var mappedProps = map[string]bool{
	ical.PropUID: true, ical.PropDateTimeStamp: true, ical.PropSummary: true, ical.PropDescription: true,
	ical.PropLocation: true, ical.PropDateTimeStart: true, ical.PropDateTimeEnd: true, ical.PropDuration: true,
	ical.PropDue: true, ical.PropOrganizer: true, ical.PropAttendee: true, ical.PropRecurrenceRule: true,
	ical.PropExceptionDates: true, ical.PropRecurrenceID: true, ical.PropStatus: true,
	ical.PropCompleted: true, ical.PropPriority: true, ical.PropPercentComplete: true,
}

// readObject reads a calendar object resource: one series (a resource
// holds one UID; a second one is noted as a problem and not read) and the
// CRM id wfe stored in it.
func readObject(data []byte) (*groupware.Event, error) {
	cal, err := calendar.DecodeCalendar(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	series, err := calendar.FromICal(cal)
	if err != nil {
		return nil, err
	}
	if len(series) == 0 {
		return nil, calendar.ErrNoItems
	}
	ev := &groupware.Event{Series: series[0]}
	if len(series) > 1 {
		ev.Series.Master.Note("the resource holds %d objects; only UID %q is synced", len(series), series[0].Master[calendar.FieldUID])
	}
	for _, c := range cal.Children {
		if p := c.Props.Get(propCRMID); p != nil && ev.CRMID == "" {
			ev.CRMID, _ = p.Text()
		}
	}
	return ev, nil
}

// encodeObject writes ev as a new object for crmID: its UID is the
// series' own, or one derived from the CRM id when it has none, and every
// component carries the CRM id.
func encodeObject(ev *groupware.Event, crmID string) ([]byte, error) {
	s := withUID(ev.Series, uidOf(crmID))
	cal, err := calendar.ToICal(time.Now(), s)
	if err != nil {
		return nil, err
	}
	for _, c := range items(cal) {
		setCRMID(c, crmID)
	}
	return encodeCal(cal)
}

// crmIDEscaper escapes a TEXT value (RFC 5545 3.3.11).
var crmIDEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`)

// setCRMID stores the CRM id as a plain text property (no VALUE
// parameter, which go-ical's SetText would add to an X- property).
func setCRMID(c *ical.Component, crmID string) {
	p := ical.NewProp(propCRMID)
	p.Value = crmIDEscaper.Replace(crmID)
	c.Props.Set(p)
}

// withUID gives the series' items without UID the master's, or uid when
// the master has none either.
func withUID(s calendar.Series, uid string) calendar.Series {
	if v := s.Master[calendar.FieldUID]; v != "" {
		uid = v
	}
	out := calendar.Series{Master: withField(s.Master, calendar.FieldUID, uid)}
	for _, o := range s.Overrides {
		out.Overrides = append(out.Overrides, withField(o, calendar.FieldUID, uid))
	}
	return out
}

// withField is a copy of it with field set to v unless it has a value.
func withField(it calendar.Item, field, v string) calendar.Item {
	c := make(calendar.Item, len(it)+1)
	for k, val := range it {
		c[k] = val
	}
	if c[field] == "" {
		c[field] = v
	}
	return c
}

// mergeObject writes ev over the stored object old: the mapped
// properties come from ev, every other property (and alarms) of the
// component with the same RECURRENCE-ID is kept, as are the calendar's own
// properties. Overrides ev no longer has are dropped. A crmID other than
// "" is stored in every component.
func mergeObject(old []byte, ev *groupware.Event, crmID string) ([]byte, error) {
	prev, err := calendar.DecodeCalendar(bytes.NewReader(old))
	if err != nil {
		return nil, err
	}
	uid := ""
	for _, c := range items(prev) {
		uid = c.Props.Get(ical.PropUID).Value
		break
	}
	cal, err := calendar.ToICal(time.Now(), withUID(ev.Series, uid))
	if err != nil {
		return nil, err
	}
	kept := map[string]*ical.Component{}
	for _, c := range items(prev) {
		kept[recurrenceKey(c)] = c
	}
	for _, c := range items(cal) {
		if o := kept[recurrenceKey(c)]; o != nil {
			keepUnmapped(c, o)
		}
		if crmID != "" {
			setCRMID(c, crmID)
		}
	}
	for name, props := range prev.Props {
		if _, ok := cal.Props[name]; !ok {
			cal.Props[name] = props
		}
	}
	return encodeCal(cal)
}

func keepUnmapped(c, old *ical.Component) {
	for name, props := range old.Props {
		if _, set := c.Props[name]; !set && !mappedProps[name] {
			c.Props[name] = props
		}
	}
	if len(c.Children) == 0 {
		c.Children = old.Children
	}
}

// recurrenceKey names a component within its object: "" for the master,
// the RECURRENCE-ID value for an override.
func recurrenceKey(c *ical.Component) string {
	if p := c.Props.Get(ical.PropRecurrenceID); p != nil {
		return strings.TrimSuffix(p.Value, "Z")
	}
	return ""
}

// items are a calendar's VEVENT and VTODO components.
func items(cal *ical.Calendar) []*ical.Component {
	var out []*ical.Component
	for _, c := range cal.Children {
		if c.Name == ical.CompEvent || c.Name == ical.CompToDo {
			out = append(out, c)
		}
	}
	return out
}

func encodeCal(cal *ical.Calendar) ([]byte, error) {
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("dav: writing iCalendar: %w", err)
	}
	return buf.Bytes(), nil
}
