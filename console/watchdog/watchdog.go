// Package watchdog tells the state of every source wfe depends on, so an
// importer that stopped is noticed instead of shown as active: every
// active timer task, every mail configuration flagged "import
// automatically" and every employee with a groupware account.
//
// A source is
//   - locked when an authentication failure locked it (retries would lock
//     the server account) or it is locked by hand;
//   - failing when its runs have failed since the last success for longer
//     than Config.FailingAfter;
//   - quiet when it has had no successful run for Config.QuietFactor times
//     its interval (by default 3×), for instance because its timer was
//     switched off or its node stopped;
//   - ok otherwise.
//
// The console's dashboard, /metrics and `wfe status` all read it.
package watchdog

import (
	"context"
	"time"

	"github.com/wfehq/wfe/store"
)

// Source states.
const (
	StateOK      = "ok"
	StateFailing = "failing"
	StateLocked  = "locked"
	StateQuiet   = "quiet"
)

// Source kinds.
const (
	KindTimer      = "timer"
	KindMailConfig = "mail_config"
	KindEmployee   = "employee"
)

// Source is one watched source and its state.
type Source struct {
	Name         string     `json:"name"`
	Kind         string     `json:"kind"`
	State        string     `json:"state"`
	Reason       string     `json:"reason,omitempty"` // why the state is not ok
	LastSuccess  *time.Time `json:"last_success"`
	LastError    string     `json:"last_error"`
	LastErrorAt  *time.Time `json:"last_error_at,omitempty"`
	FailingSince *time.Time `json:"failing_since,omitempty"`
	Interval     Duration   `json:"interval,omitempty"`
	NextRun      *time.Time `json:"next_run,omitempty"`
	// Lateness of the newest scheduled run of a timer (started minus
	// scheduled).
	Lateness Duration `json:"lateness,omitempty"`
	// configID is the mail configuration of a KindMailConfig source.
	configID int64
}

// Duration marshals as a Go duration string ("10m0s").
type Duration time.Duration

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Config tunes the judgement.
type Config struct {
	// QuietFactor: a source with no success within this many intervals is
	// quiet (default 3).
	QuietFactor float64
	// FailingAfter: a source whose runs fail for longer than this is
	// failing (default 0: as soon as its newest finished run failed).
	FailingAfter time.Duration
	// Location is the zone of cron expressions (default time.Local).
	Location *time.Location
	// NextRuns, when set, gives the scheduler's next tick per timer.
	NextRuns func() map[string]time.Time
}

func (c Config) withDefaults() Config {
	if c.QuietFactor <= 0 {
		c.QuietFactor = 3
	}
	if c.Location == nil {
		c.Location = time.Local
	}
	return c
}

// Sources judges every watched source at now: timers first, then mail
// configurations, then employees, each by name.
func Sources(ctx context.Context, st *store.Store, cfg Config, now time.Time) ([]Source, error) {
	cfg = cfg.withDefaults()
	timers, err := st.ListTimers(ctx)
	if err != nil {
		return nil, err
	}
	out, err := timerSources(ctx, st, cfg, timers, now)
	if err != nil {
		return nil, err
	}
	mail, err := mailSources(ctx, st, cfg, timers, now)
	if err != nil {
		return nil, err
	}
	emps, err := employeeSources(ctx, st)
	if err != nil {
		return nil, err
	}
	return append(append(out, mail...), emps...), nil
}

// judge sets State and Reason from the collected facts; since is when
// watching began (the source's creation) for a source that never
// succeeded.
func (s *Source) judge(cfg Config, now, since time.Time) {
	if s.State == StateLocked {
		return
	}
	if s.FailingSince != nil && (cfg.FailingAfter <= 0 || now.Sub(*s.FailingSince) >= cfg.FailingAfter) {
		s.State, s.Reason = StateFailing, "failing since "+s.FailingSince.UTC().Format(time.RFC3339)
		return
	}
	if s.Interval > 0 {
		last := since
		if s.LastSuccess != nil {
			last = *s.LastSuccess
		}
		limit := time.Duration(cfg.QuietFactor * float64(s.Interval))
		if now.Sub(last) > limit {
			s.State, s.Reason = StateQuiet, "no successful run for "+now.Sub(last).Round(time.Second).String()+
				" (more than "+limit.String()+")"
			return
		}
	}
	s.State = StateOK
}

// AnyFailing reports whether a source is failing (wfe status exits 1).
func AnyFailing(sources []Source) bool {
	for _, s := range sources {
		if s.State == StateFailing {
			return true
		}
	}
	return false
}
