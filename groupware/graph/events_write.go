package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
)

// Write sends creates, updates (If-Match on the change key) and deletes
// one at a time; each write gets its own result. A series is written as
// its master, then each moved instance is patched and each cancelled one
// deleted.
func (s *events) Write(ctx context.Context, folder groupware.Folder, writes []groupware.Write[groupware.Event]) ([]groupware.WriteResult, error) {
	return writeEach(writes, func(w groupware.Write[groupware.Event]) (groupware.WriteResult, error) {
		switch w.Op {
		case groupware.OpCreate:
			return s.create(ctx, folder, w)
		case groupware.OpUpdate:
			return s.update(ctx, w)
		case groupware.OpDelete:
			return groupware.WriteResult{ID: w.ID}, s.c.sendJSON(ctx, http.MethodDelete, s.c.eventPath(w.ID), nil, ifMatch(w.ETag), nil)
		}
		return groupware.WriteResult{}, fmt.Errorf("graph: unknown write %v", w.Op)
	})
}

// writeEach runs the writes in order; a failure becomes the write's
// *RecordError, and an authentication failure fails the call.
func writeEach[T any](writes []groupware.Write[T], one func(groupware.Write[T]) (groupware.WriteResult, error)) ([]groupware.WriteResult, error) {
	out := make([]groupware.WriteResult, len(writes))
	for i, w := range writes {
		res, err := one(w)
		if errors.Is(err, groupware.ErrAuth) {
			return nil, err
		}
		if err != nil {
			res.Err = groupware.WriteError(w, err)
		}
		out[i] = res
	}
	return out, nil
}

// toGraph converts an item's series; a rule Graph cannot express is
// ErrInvalidData naming the cause.
func (s *events) toGraph(ev *groupware.Event) (calendar.GraphSeries, error) {
	gs, err := calendar.ToGraphEvent(ev.Series, s.c.zone)
	if err != nil {
		return gs, fmt.Errorf("%w: %w", groupware.ErrInvalidData, err)
	}
	return gs, nil
}

// create posts the master with the CRM id (and a Teams meeting when
// asked), then writes its differing instances.
func (s *events) create(ctx context.Context, folder groupware.Folder, w groupware.Write[groupware.Event]) (groupware.WriteResult, error) {
	if w.CRMID == "" || w.Item == nil {
		return groupware.WriteResult{}, errors.New("graph: a create needs a CRM id and an event")
	}
	gs, err := s.toGraph(w.Item)
	if err != nil {
		return groupware.WriteResult{}, err
	}
	body, err := eventBody(gs.Master, w.CRMID, w.Item.OnlineMeeting, true)
	if err != nil {
		return groupware.WriteResult{}, err
	}
	var created eventJSON
	err = s.c.sendJSON(ctx, http.MethodPost, s.c.eventsPath(folder), body, nil, &created)
	if errors.Is(err, groupware.ErrNotFound) {
		return groupware.WriteResult{}, calendarError(folder, err)
	}
	if err != nil {
		return groupware.WriteResult{}, err
	}
	return s.finish(ctx, created.ID, created.etag(), gs.Instances)
}

// update patches the master with If-Match, then writes its differing
// instances.
func (s *events) update(ctx context.Context, w groupware.Write[groupware.Event]) (groupware.WriteResult, error) {
	if w.ID == "" || w.Item == nil {
		return groupware.WriteResult{}, errors.New("graph: an update needs an id and an event")
	}
	gs, err := s.toGraph(w.Item)
	if err != nil {
		return groupware.WriteResult{}, err
	}
	body, err := eventBody(gs.Master, w.CRMID, false, true)
	if err != nil {
		return groupware.WriteResult{}, err
	}
	var patched eventJSON
	if err := s.c.sendJSON(ctx, http.MethodPatch, s.c.eventPath(w.ID), body, ifMatch(w.ETag), &patched); err != nil {
		return groupware.WriteResult{}, err
	}
	return s.finish(ctx, w.ID, patched.etag(), gs.Instances)
}

// finish writes the instances and returns the master's final change key:
// the one Graph answered the master's write with (etag) when no instance
// is written after it, else the one read after the instances (each
// instance's write changes the series' key).
func (s *events) finish(ctx context.Context, id, etag string, instances []calendar.GraphEvent) (groupware.WriteResult, error) {
	if len(instances) == 0 && etag != "" {
		return groupware.WriteResult{ID: id, ETag: etag}, nil
	}
	if err := s.writeInstances(ctx, id, instances); err != nil {
		return groupware.WriteResult{ID: id}, err
	}
	var master eventJSON
	if err := s.c.getJSON(ctx, s.c.eventPath(id)+"?$select=id,changeKey", &master); err != nil {
		return groupware.WriteResult{ID: id}, err
	}
	return groupware.WriteResult{ID: id, ETag: master.etag()}, nil
}

// writeInstances finds each instance by its original start among the
// series' instances and patches it (moved or changed) or deletes it
// (cancelled).
func (s *events) writeInstances(ctx context.Context, masterID string, instances []calendar.GraphEvent) error {
	if len(instances) == 0 {
		return nil
	}
	from, to, err := originalSpan(instances)
	if err != nil {
		return err
	}
	listed, err := s.c.listInstances(ctx, masterID, from, to)
	if err != nil {
		return err
	}
	for _, inst := range instances {
		id, err := instanceAt(listed, inst.OriginalStart)
		if err != nil && inst.IsCancelled {
			continue // cancelled before: Graph no longer lists it
		}
		if err != nil {
			return fmt.Errorf("event %s: %w", masterID, err)
		}
		if inst.IsCancelled {
			err = s.c.sendJSON(ctx, http.MethodDelete, s.c.eventPath(id), nil, nil, nil)
		} else {
			err = s.patchInstance(ctx, id, inst)
		}
		if err != nil {
			return fmt.Errorf("event %s instance of %s: %w", masterID, inst.OriginalStart, err)
		}
	}
	return nil
}

// originalSpan is a range around the instances' original starts, a day
// wider on each side (an instance moved by up to a day still overlaps).
func originalSpan(instances []calendar.GraphEvent) (time.Time, time.Time, error) {
	var from, to time.Time
	for _, inst := range instances {
		t, err := time.Parse(time.RFC3339, inst.OriginalStart)
		if err != nil {
			return from, to, fmt.Errorf("%w: instance original start %q: %w", groupware.ErrInvalidData, inst.OriginalStart, err)
		}
		if from.IsZero() || t.Before(from) {
			from = t
		}
		if t.After(to) {
			to = t
		}
	}
	return from.AddDate(0, 0, -1), to.AddDate(0, 0, 2), nil
}

func instanceAt(listed []calendar.GraphEvent, originalStart string) (string, error) {
	want, _ := time.Parse(time.RFC3339, originalStart)
	for _, l := range listed {
		if t, err := time.Parse(time.RFC3339, l.OriginalStart); err == nil && t.Equal(want) {
			return l.ID, nil
		}
	}
	return "", fmt.Errorf("no instance of the series starts originally at %s: %w", originalStart, groupware.ErrInvalidData)
}

func (s *events) patchInstance(ctx context.Context, id string, inst calendar.GraphEvent) error {
	body, err := eventBody(inst, "", false, false)
	if err != nil {
		return err
	}
	return s.c.sendJSON(ctx, http.MethodPatch, s.c.eventPath(id), body, nil, nil)
}
