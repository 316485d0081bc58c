package calendar

import (
	"fmt"
	"time"
)

// FromGraphEvent converts a Graph event and its differing instances into a
// series: exceptions become overrides and cancelled occurrences exdates,
// both keyed by their original start in the series' zone. Windows zone
// names become IANA names.
func FromGraphEvent(gs GraphSeries) (Series, error) {
	master, err := itemFromGraph(gs.Master)
	if err != nil {
		return Series{}, fmt.Errorf("calendar: Graph event %q: %w", gs.Master.ID, err)
	}
	s := Series{Master: master}
	start, _ := master.When(FieldStart)
	days := graphDayZone(gs.Master.Start)
	var exdates []When
	for _, inst := range gs.Instances {
		rid, err := recurrenceIDFromGraph(inst.OriginalStart, start, days)
		if err != nil {
			return Series{}, fmt.Errorf("calendar: Graph event %q instance %q: %w", gs.Master.ID, inst.ID, err)
		}
		if inst.IsCancelled {
			exdates = append(exdates, rid)
			continue
		}
		o, err := itemFromGraph(inst)
		if err != nil {
			return Series{}, fmt.Errorf("calendar: Graph event %q instance %q: %w", gs.Master.ID, inst.ID, err)
		}
		o.SetWhen(FieldRecurrenceID, rid)
		o.setText(FieldUID, master[FieldUID])
		s.Overrides = append(s.Overrides, o)
	}
	if len(exdates) > 0 {
		old, _ := master.Exdates()
		master.SetExdates(append(old, exdates...))
	}
	return s, nil
}

func itemFromGraph(e GraphEvent) (Item, error) {
	it := Item{FieldKind: KindEvent}
	it.setText(FieldUID, e.ICalUID)
	it.setText(FieldSubject, e.Subject)
	it.setText(FieldBody, bodyText(e.Body))
	if e.Location != nil {
		it.setText(FieldLocation, e.Location.DisplayName)
	}
	if err := graphTimes(it, e); err != nil {
		return it, err
	}
	if e.IsCancelled {
		it[FieldStatus] = "cancelled"
	}
	if e.Organizer != nil {
		it.setText(FieldOrganizer, e.Organizer.EmailAddress.Address)
	}
	it.SetAttendees(attendeesFromGraph(e.Attendees))
	if e.Recurrence != nil {
		start, _ := it.When(FieldStart)
		rule, err := rruleFromGraph(e.Recurrence, start)
		if err != nil {
			return it, err
		}
		it[FieldRecurrence] = rule
	}
	return it, nil
}

func graphTimes(it Item, e GraphEvent) error {
	start, err := fromGraphTime(it, e.Start, e.IsAllDay)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	end, err := fromGraphTime(it, e.End, e.IsAllDay)
	if err != nil {
		return fmt.Errorf("end: %w", err)
	}
	if end.IsZero() && !start.IsZero() { // as iCalendar reads an event without end
		end = start
		if start.DateOnly {
			end = start.with(start.Time.AddDate(0, 0, 1))
		}
	}
	it.SetWhen(FieldStart, start)
	it.SetWhen(FieldEnd, end)
	it.SetBool(FieldAllDay, e.IsAllDay)
	return nil
}

// recurrenceIDFromGraph places Graph's originalStart (an instant) in the
// kind and zone of the series' start. The instances of an all-day series
// start at midnight in the zone the series was given (days), so their
// date is taken there.
func recurrenceIDFromGraph(original string, start When, days *time.Location) (When, error) {
	t, err := time.Parse(time.RFC3339, original)
	if err != nil {
		return When{}, fmt.Errorf("originalStart %q: %w", original, err)
	}
	if start.Zone != "" && !start.Unknown {
		return When{Time: t.In(start.Time.Location()), Zone: start.Zone}, nil
	}
	return start.with(t.In(days)), nil
}

// graphDayZone is the zone of a series' start as Graph gave it, UTC when
// it names none the zone database knows.
func graphDayZone(gdt *GraphDateTime) *time.Location {
	if gdt == nil || isGraphUTC(gdt.TimeZone) {
		return time.UTC
	}
	if _, loc := resolveZone(gdt.TimeZone); loc != nil {
		return loc
	}
	return time.UTC
}

// recurrenceIDToGraph gives the instant of an instance's original start;
// dates and floating times are placed in localZone.
func recurrenceIDToGraph(rid When, localZone string) (string, error) {
	t := rid.Time
	if rid.DateOnly || rid.Floating {
		loc := time.UTC
		if localZone != "" {
			var err error
			if loc, err = LoadZone(localZone); err != nil {
				return "", err
			}
		}
		t = rid.In(loc)
	}
	return t.UTC().Format(time.RFC3339), nil
}
