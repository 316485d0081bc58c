package graph

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/wfehq/wfe/groupware/calendar"
)

// instances lists the instances of a series in the window that differ
// from its rule: the exceptions as Graph lists them, and a cancelled
// occurrence for every instance the rule has in the window that Graph no
// longer lists (v1.0 does not list cancelled occurrences). Cancelled
// instances outside the window are not known.
func (s *events) instances(ctx context.Context, master calendar.GraphEvent) ([]calendar.GraphEvent, error) {
	listed, err := s.c.listInstances(ctx, master.ID, s.window.From, s.window.To)
	if err != nil {
		return nil, err
	}
	var exceptions []calendar.GraphEvent
	for _, inst := range listed {
		if inst.Type == "exception" {
			exceptions = append(exceptions, inst)
		}
	}
	expected, err := calendar.FromGraphEvent(calendar.GraphSeries{Master: master, Instances: exceptions})
	if err != nil {
		return nil, err
	}
	present, err := listedStarts(master, listed)
	if err != nil {
		return nil, err
	}
	exp, err := calendar.Occurrences(expected, s.window.From, s.window.To)
	if err != nil {
		return exceptions, nil // an unexpandable rule: no cancelled instances can be told
	}
	out := exceptions
	for _, o := range exp.Occurrences {
		if !present[o.RecurrenceID.String()] {
			out = append(out, calendar.GraphEvent{Type: "occurrence", OriginalStart: o.RecurrenceID.Time.UTC().Format(time.RFC3339), IsCancelled: true})
		}
	}
	return out, nil
}

// listedStarts are the original starts of the listed instances in the
// series' own form (read through the same conversion as cancelled ones).
func listedStarts(master calendar.GraphEvent, listed []calendar.GraphEvent) (map[string]bool, error) {
	marks := make([]calendar.GraphEvent, len(listed))
	for i, inst := range listed {
		marks[i] = calendar.GraphEvent{OriginalStart: inst.OriginalStart, IsCancelled: true}
	}
	s, err := calendar.FromGraphEvent(calendar.GraphSeries{Master: master, Instances: marks})
	if err != nil {
		return nil, err
	}
	ws, err := s.Master.Exdates()
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, w := range ws {
		out[w.String()] = true
	}
	return out, nil
}

// listInstances lists a series' instances that overlap [from, to),
// following @odata.nextLink.
func (c *Connector) listInstances(ctx context.Context, masterID string, from, to time.Time) ([]calendar.GraphEvent, error) {
	q := url.Values{}
	q.Set("startDateTime", from.UTC().Format(graphTimeLayout))
	q.Set("endDateTime", to.UTC().Format(graphTimeLayout))
	link := c.eventPath(masterID) + "/instances?" + q.Encode()
	var out []calendar.GraphEvent
	for link != "" {
		var page eventPage
		if err := c.getJSON(ctx, link, &page); err != nil {
			return nil, fmt.Errorf("instances of event %s: %w", masterID, err)
		}
		for _, e := range page.Value {
			out = append(out, e.GraphEvent)
		}
		link = page.NextLink
	}
	return out, nil
}
