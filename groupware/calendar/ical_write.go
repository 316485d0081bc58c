package calendar

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// productID names wfe in the PRODID of the iCalendar objects it writes.
const productID = "-//wfe//groupware calendar//EN"

// EncodeICS writes series as one iCalendar stream; stamp is the DTSTAMP.
func EncodeICS(w io.Writer, stamp time.Time, series ...Series) error {
	cal, err := ToICal(stamp, series...)
	if err != nil {
		return err
	}
	return ical.NewEncoder(w).Encode(cal)
}

// ToICal converts series into one VCALENDAR: for each, the master and its
// overrides as VEVENT or VTODO components sharing the UID. Times keep
// their zone as an IANA TZID, described by a VTIMEZONE made from the zone
// database for the years the series covers (an unknown zone name is
// written back as it was read, without VTIMEZONE). FieldProblems and
// FieldUnexpandable are not written: they describe how the item was read.
func ToICal(stamp time.Time, series ...Series) (*ical.Calendar, error) {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, productID)
	vtzs, err := vtimezones(series)
	if err != nil {
		return nil, err
	}
	cal.Children = append(cal.Children, vtzs...)
	for _, s := range series {
		for _, it := range writtenItems(s) {
			c, err := component(it, stamp)
			if err != nil {
				return nil, fmt.Errorf("calendar: UID %q recurrence %q: %w", it[FieldUID], it[FieldRecurrenceID], err)
			}
			cal.Children = append(cal.Children, c)
		}
	}
	return cal, nil
}

func component(it Item, stamp time.Time) (*ical.Component, error) {
	if it[FieldUID] == "" {
		return nil, fmt.Errorf("field %s is empty", FieldUID)
	}
	c := ical.NewComponent(ical.CompEvent)
	if it[FieldKind] == KindTask {
		c = ical.NewComponent(ical.CompToDo)
	}
	c.Props.SetText(ical.PropUID, it[FieldUID])
	c.Props.SetDateTime(ical.PropDateTimeStamp, stamp.UTC())
	writeTexts(c.Props, it)
	if err := writeTimes(c, it); err != nil {
		return nil, err
	}
	if err := writePeople(c.Props, it); err != nil {
		return nil, err
	}
	return c, writeRecurrence(c.Props, it)
}

func writeTexts(props ical.Props, it Item) {
	for field, name := range map[string]string{
		FieldSubject: ical.PropSummary, FieldBody: ical.PropDescription, FieldLocation: ical.PropLocation,
	} {
		if v := it[field]; v != "" {
			props.SetText(name, v)
		}
	}
	status := it[FieldStatus]
	if status == "" && it[FieldKind] == KindTask && it.Bool(FieldDone) {
		status = "completed"
	}
	if status != "" {
		props.Set(&ical.Prop{Name: ical.PropStatus, Params: ical.Params{}, Value: strings.ToUpper(status)})
	}
	if v := it[FieldPriority]; v != "" {
		props.Set(&ical.Prop{Name: ical.PropPriority, Params: ical.Params{}, Value: v})
	}
	if v := it[FieldCompleted]; v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			props.SetDateTime(ical.PropCompleted, t.UTC())
		}
	}
}

func writeTimes(c *ical.Component, it Item) error {
	fields := map[string]string{FieldStart: ical.PropDateTimeStart, FieldEnd: ical.PropDateTimeEnd,
		FieldDue: ical.PropDue, FieldRecurrenceID: ical.PropRecurrenceID}
	if it[FieldKind] == KindTask {
		delete(fields, FieldEnd)
	} else {
		delete(fields, FieldDue)
	}
	for field, name := range fields {
		w, err := it.When(field)
		if err != nil {
			return err
		}
		if !w.IsZero() {
			c.Props.Set(whenProp(name, w))
		}
	}
	return nil
}

// whenProp writes a When as a DATE or DATE-TIME property.
func whenProp(name string, w When) *ical.Prop {
	p := ical.NewProp(name)
	switch {
	case w.DateOnly:
		p.SetValueType(ical.ValueDate)
		p.Value = w.Time.Format("20060102")
	case w.Floating:
		p.Value = w.Time.Format("20060102T150405")
	case w.Zone == "" || w.Zone == "UTC":
		p.Value = w.Time.UTC().Format("20060102T150405Z")
	default:
		p.Params.Set(ical.ParamTimezoneID, w.Zone)
		p.Value = w.Time.Format("20060102T150405")
	}
	return p
}

func writePeople(props ical.Props, it Item) error {
	if v := it[FieldOrganizer]; v != "" {
		props.Set(&ical.Prop{Name: ical.PropOrganizer, Params: ical.Params{}, Value: "mailto:" + v})
	}
	list, err := it.Attendees()
	if err != nil {
		return err
	}
	for _, a := range list {
		p := ical.NewProp(ical.PropAttendee)
		p.Value = "mailto:" + a.Email
		if a.Name != "" { // iCalendar cannot quote a double quote inside a parameter
			p.Params.Set(ical.ParamCommonName, strings.ReplaceAll(a.Name, `"`, "'"))
		}
		if role := roleToICal(a.Role); role != "" {
			p.Params.Set(ical.ParamRole, role)
		}
		if a.Status != "" {
			p.Params.Set(ical.ParamParticipationStatus, strings.ToUpper(a.Status))
		}
		props.Add(p)
	}
	return nil
}

func roleToICal(role string) string {
	switch role {
	case "optional":
		return "OPT-PARTICIPANT"
	case "resource":
		return "NON-PARTICIPANT"
	case "required":
		return "REQ-PARTICIPANT"
	}
	return ""
}

func writeRecurrence(props ical.Props, it Item) error {
	if v := it[FieldRecurrence]; v != "" {
		props.Set(&ical.Prop{Name: ical.PropRecurrenceRule, Params: ical.Params{}, Value: v})
	}
	exdates, err := it.Exdates()
	if err != nil {
		return err
	}
	for _, w := range exdates {
		props.Add(whenProp(ical.PropExceptionDates, w))
	}
	return nil
}

// writtenItems are the components a series is written as: its master and
// overrides, less a master that has no start because only instances were
// read (see FromICal).
func writtenItems(s Series) []Item {
	if s.Master[FieldStart] == "" && len(s.Overrides) > 0 {
		return s.Overrides
	}
	return append([]Item{s.Master}, s.Overrides...)
}
