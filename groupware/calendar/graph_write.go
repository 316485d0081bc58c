package calendar

import (
	"fmt"
)

// ToGraphEvent converts a series into a Graph event and the instances
// that differ from its rule: an exception for each override, a cancelled
// occurrence for each exdate. localZone (IANA; "" is UTC) is the
// mailbox's zone, given to all-day events and floating times, which Graph
// cannot hold without one. A rule Graph cannot express gives
// ErrNotRepresentable.
func ToGraphEvent(s Series, localZone string) (GraphSeries, error) {
	master, err := eventToGraph(s.Master, localZone)
	if err != nil {
		return GraphSeries{}, fmt.Errorf("calendar: UID %q: %w", s.Master[FieldUID], err)
	}
	gs := GraphSeries{Master: master}
	gs.Master.Type = "singleInstance"
	if master.Recurrence != nil {
		gs.Master.Type = "seriesMaster"
	}
	for _, o := range s.Overrides {
		inst, err := exceptionToGraph(o, localZone)
		if err != nil {
			return GraphSeries{}, fmt.Errorf("calendar: UID %q override %q: %w", o[FieldUID], o[FieldRecurrenceID], err)
		}
		gs.Instances = append(gs.Instances, inst)
	}
	cancelled, err := cancelledToGraph(s.Master, localZone)
	gs.Instances = append(gs.Instances, cancelled...)
	return gs, err
}

func eventToGraph(it Item, localZone string) (GraphEvent, error) {
	e := GraphEvent{ICalUID: it[FieldUID], Subject: it[FieldSubject], Body: textBody(it[FieldBody]),
		IsAllDay: it.Bool(FieldAllDay), IsCancelled: it[FieldStatus] == "cancelled"}
	if v := it[FieldLocation]; v != "" {
		e.Location = &GraphLocation{DisplayName: v}
	}
	if v := it[FieldOrganizer]; v != "" {
		e.Organizer = &GraphRecipient{EmailAddress: GraphEmailAddress{Address: v}}
	}
	attendees, err := it.Attendees()
	if err != nil {
		return e, err
	}
	e.Attendees = attendeesToGraph(attendees)
	start, err := eventTimesToGraph(&e, it, localZone)
	if err != nil || it[FieldRecurrence] == "" {
		return e, err
	}
	e.Recurrence, err = graphFromRRule(it[FieldRecurrence], start, localZone)
	return e, err
}

func eventTimesToGraph(e *GraphEvent, it Item, localZone string) (When, error) {
	start, end, err := span(it)
	if err != nil {
		return start, err
	}
	if e.Start, err = toGraphTime(start, localZone); err != nil {
		return start, err
	}
	e.End, err = toGraphTime(end, localZone)
	return start, err
}

func exceptionToGraph(o Item, localZone string) (GraphEvent, error) {
	e, err := eventToGraph(o, localZone)
	if err != nil {
		return e, err
	}
	rid, err := o.When(FieldRecurrenceID)
	if err != nil {
		return e, err
	}
	e.Type = "exception"
	e.OriginalStart, err = recurrenceIDToGraph(rid, localZone)
	return e, err
}

func cancelledToGraph(master Item, localZone string) ([]GraphEvent, error) {
	exdates, err := master.Exdates()
	if err != nil {
		return nil, err
	}
	var out []GraphEvent
	for _, w := range exdates {
		orig, err := recurrenceIDToGraph(w, localZone)
		if err != nil {
			return nil, err
		}
		out = append(out, GraphEvent{ICalUID: master[FieldUID], Type: "occurrence", OriginalStart: orig, IsCancelled: true})
	}
	return out, nil
}
