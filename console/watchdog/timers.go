package watchdog

import (
	"context"
	"time"

	"github.com/wfehq/wfe/engine/timer"
	"github.com/wfehq/wfe/store"
)

// timerSources judges the active timer tasks from their run history.
func timerSources(ctx context.Context, st *store.Store, cfg Config, timers []store.TimerTask, now time.Time) ([]Source, error) {
	var next map[string]time.Time
	if cfg.NextRuns != nil {
		next = cfg.NextRuns()
	}
	var out []Source
	for _, t := range timers {
		if !t.Active {
			continue
		}
		h, err := st.Console().TimerHealth(ctx, t.Name)
		if err != nil {
			return nil, err
		}
		s := Source{Name: t.Name, Kind: KindTimer, LastSuccess: h.LastSuccess, LastError: h.LastError,
			LastErrorAt: h.LastFailure, FailingSince: h.FailingSince, Lateness: Duration(h.Lateness),
			Interval: Duration(Interval(t, cfg.Location, now))}
		if n, ok := next[t.Name]; ok {
			s.NextRun = &n
		}
		s.judge(cfg, now, watchedSince(t))
		out = append(out, s)
	}
	return out, nil
}

// watchedSince is when a timer began to be expected to run: its last
// change or its start, whichever is later.
func watchedSince(t store.TimerTask) time.Time {
	since := t.UpdatedAt
	if t.StartAt != nil && t.StartAt.After(since) {
		since = *t.StartAt
	}
	return since
}

// Interval is a timer's period: Every, or for a cron expression the gap
// between its next two ticks after now (0 when it has none).
func Interval(t store.TimerTask, loc *time.Location, now time.Time) time.Duration {
	if t.Every > 0 {
		return t.Every
	}
	task := timer.Task{Name: t.Name, Kind: timer.Kind(t.Type), WorkflowID: t.WorkflowID, Cron: t.Cron, Active: true}
	first, err := task.Next(now, loc)
	if err != nil || first.IsZero() {
		return 0
	}
	second, err := task.Next(first, loc)
	if err != nil || second.IsZero() {
		return 0
	}
	return second.Sub(first)
}
