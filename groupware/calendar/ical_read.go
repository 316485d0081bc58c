package calendar

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// ErrNoItems is returned for a calendar object without VEVENT or VTODO.
var ErrNoItems = errors.New("calendar: no VEVENT or VTODO")

// DecodeICS reads one iCalendar stream (a CalDAV resource or an .ics file).
func DecodeICS(r io.Reader) ([]Series, error) {
	cal, err := decodeCalendar(r)
	if err != nil {
		return nil, fmt.Errorf("calendar: reading iCalendar: %w", err)
	}
	return FromICal(cal)
}

// ErrMalformed is returned for input the iCalendar parser cannot read.
var ErrMalformed = errors.New("malformed iCalendar")

// DecodeCalendar parses an iCalendar stream without converting it, for a
// connector that reads properties of its own beside FromICal; malformed
// input is ErrMalformed, never a panic.
func DecodeCalendar(r io.Reader) (*ical.Calendar, error) { return decodeCalendar(r) }

// decodeCalendar runs go-ical's decoder, which panics on some malformed
// lines (a parameter without value at the end of a line); a server's
// answer must not stop the sync, so the panic becomes an error.
func decodeCalendar(r io.Reader) (cal *ical.Calendar, err error) {
	defer func() {
		if p := recover(); p != nil {
			cal, err = nil, fmt.Errorf("%w: %v", ErrMalformed, p)
		}
	}()
	return ical.NewDecoder(r).Decode()
}

// FromICal converts the VEVENT and VTODO components of a calendar into
// series, one per UID: the component without RECURRENCE-ID is the master,
// the others are its overrides. Nothing is dropped: a value that cannot be
// read exactly is kept as written where possible and noted in
// FieldProblems; only a component whose dates cannot be parsed at all is an
// error, which names the UID and property.
func FromICal(cal *ical.Calendar) ([]Series, error) {
	zr := newZoneReader(cal)
	var order []string
	byUID := map[string]*Series{}
	for i, c := range cal.Children {
		if c.Name != ical.CompEvent && c.Name != ical.CompToDo {
			continue
		}
		it, err := zr.item(c)
		if err != nil {
			return nil, fmt.Errorf("calendar: component %d (%s UID %q): %w", i+1, c.Name, it[FieldUID], err)
		}
		s := byUID[it[FieldUID]]
		if s == nil {
			s = &Series{}
			byUID[it[FieldUID]] = s
			order = append(order, it[FieldUID])
		}
		s.add(it)
	}
	if len(order) == 0 {
		return nil, ErrNoItems
	}
	out := make([]Series, 0, len(order))
	for _, uid := range order {
		out = append(out, byUID[uid].complete())
	}
	return out, nil
}

func (s *Series) add(it Item) {
	if it[FieldRecurrenceID] == "" && s.Master == nil {
		s.Master = it
		return
	}
	s.Overrides = append(s.Overrides, it)
}

// complete gives a series whose master is missing (a server may hold only
// the instances a user was invited to) a master that says so.
func (s *Series) complete() Series {
	if s.Master == nil {
		first := s.Overrides[0]
		s.Master = Item{FieldKind: first[FieldKind], FieldUID: first[FieldUID], FieldSubject: first[FieldSubject]}
		s.Master.Note("only instances of this series were given (no component without RECURRENCE-ID)")
	}
	return *s
}

func (zr *zoneReader) item(c *ical.Component) (Item, error) {
	it := Item{FieldKind: KindEvent}
	if c.Name == ical.CompToDo {
		it[FieldKind] = KindTask
	}
	readTexts(it, c.Props)
	if err := zr.readTimes(it, c); err != nil {
		return it, err
	}
	readPeople(it, c.Props)
	if err := zr.readRecurrence(it, c.Props); err != nil {
		return it, err
	}
	readTaskState(it, c.Props)
	zr.keepZoneData(it)
	validUTF8(it)
	return it, nil
}

// validUTF8 replaces bytes that are not UTF-8 with U+FFFD, as writing the
// item would, so that a record reads the same before and after a write.
func validUTF8(it Item) {
	for k, v := range it {
		if !utf8.ValidString(v) {
			it[k] = validText(v)
			it.Note("field %s held bytes that are not UTF-8: replaced by U+FFFD", k)
		}
	}
}

func readTexts(it Item, props ical.Props) {
	for field, name := range map[string]string{
		FieldUID: ical.PropUID, FieldSubject: ical.PropSummary,
		FieldBody: ical.PropDescription, FieldLocation: ical.PropLocation,
	} {
		v, err := props.Text(name)
		if err != nil { // a value that is not valid TEXT is kept as written
			v = props.Get(name).Value
		}
		it.setText(field, v)
	}
	if p := props.Get(ical.PropStatus); p != nil {
		it.setText(FieldStatus, strings.ToLower(p.Value))
	}
	if p := props.Get(ical.PropPriority); p != nil && p.Value != "0" {
		it.setText(FieldPriority, p.Value)
	}
}

func (zr *zoneReader) readTimes(it Item, c *ical.Component) error {
	start, err := zr.when(it, c.Props.Get(ical.PropDateTimeStart))
	if err != nil {
		return err
	}
	it.SetWhen(FieldStart, start)
	it.SetBool(FieldAllDay, start.DateOnly)
	if c.Name == ical.CompToDo {
		due, err := zr.when(it, c.Props.Get(ical.PropDue))
		it.SetWhen(FieldDue, due)
		return err
	}
	end, err := zr.eventEnd(it, c.Props, start)
	it.SetWhen(FieldEnd, end)
	return err
}

// eventEnd reads DTEND, else DTSTART plus DURATION, else the RFC 5545
// default: one day for a date, the start itself for a date-time.
func (zr *zoneReader) eventEnd(it Item, props ical.Props, start When) (When, error) {
	if p := props.Get(ical.PropDateTimeEnd); p != nil {
		return zr.when(it, p)
	}
	if start.IsZero() {
		return When{}, nil
	}
	if p := props.Get(ical.PropDuration); p != nil {
		d, err := p.Duration()
		if err != nil {
			return When{}, propErr(p, err)
		}
		return addDuration(start, d), nil
	}
	if start.DateOnly {
		return start.with(start.Time.AddDate(0, 0, 1)), nil
	}
	return start, nil
}

// addDuration adds whole days as calendar days (a day across a
// daylight-saving change keeps the wall-clock time) and the rest as
// elapsed time, as RFC 5545 says for DURATION.
func addDuration(w When, d time.Duration) When {
	days := int(d / (24 * time.Hour))
	rest := d - time.Duration(days)*24*time.Hour
	return w.with(w.Time.AddDate(0, 0, days).Add(rest))
}

func readPeople(it Item, props ical.Props) {
	if p := props.Get(ical.PropOrganizer); p != nil {
		it.setText(FieldOrganizer, mailAddress(p.Value))
	}
	var list []Attendee
	for _, p := range props.Values(ical.PropAttendee) {
		list = append(list, Attendee{
			Email:  mailAddress(p.Value),
			Name:   p.Params.Get(ical.ParamCommonName),
			Role:   roleFromICal(p.Params.Get(ical.ParamRole)),
			Status: strings.ToLower(p.Params.Get(ical.ParamParticipationStatus)),
		})
	}
	it.SetAttendees(list)
}

func mailAddress(uri string) string {
	if len(uri) >= 7 && strings.EqualFold(uri[:7], "mailto:") {
		return uri[7:]
	}
	return uri
}

func roleFromICal(role string) string {
	switch strings.ToUpper(role) {
	case "OPT-PARTICIPANT":
		return "optional"
	case "NON-PARTICIPANT":
		return "resource"
	case "":
		return ""
	}
	return "required"
}

func (zr *zoneReader) readRecurrence(it Item, props ical.Props) error {
	if p := props.Get(ical.PropRecurrenceRule); p != nil && p.Value != "" { // an empty RRULE says nothing
		it[FieldRecurrence] = p.Value
		if _, err := rrule.StrToROption(p.Value); err != nil {
			it.SetBool(FieldUnexpandable, true)
			it.Note("RRULE %q is not understood (%v): kept as written, not expanded", p.Value, err)
		}
	}
	var exdates []When
	for _, p := range props.Values(ical.PropExceptionDates) {
		for _, v := range strings.Split(p.Value, ",") {
			one := ical.Prop{Name: p.Name, Params: p.Params, Value: v}
			w, err := zr.when(it, &one)
			if err != nil {
				return err
			}
			exdates = append(exdates, w)
		}
	}
	it.SetExdates(exdates)
	rid, err := zr.when(it, props.Get(ical.PropRecurrenceID))
	it.SetWhen(FieldRecurrenceID, rid)
	return err
}

func readTaskState(it Item, props ical.Props) {
	if it[FieldKind] != KindTask {
		return
	}
	done := it[FieldStatus] == "completed"
	if p := props.Get(ical.PropCompleted); p != nil {
		done = true
		if t, err := time.Parse("20060102T150405Z", p.Value); err == nil {
			it[FieldCompleted] = t.Format(time.RFC3339)
		} else {
			it.Note("COMPLETED %q is not a UTC date-time: the task is done, its completion time unknown", p.Value)
		}
	}
	if p := props.Get(ical.PropPercentComplete); p != nil {
		if n, err := strconv.Atoi(p.Value); err == nil && n >= 100 {
			done = true
		}
	}
	it.SetBool(FieldDone, done)
	if done && it[FieldStatus] == "" {
		it[FieldStatus] = "completed"
	}
}
