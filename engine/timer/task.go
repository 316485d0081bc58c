package timer

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-co-op/gocron/v2"
)

// Kind is the type of a timer task.
type Kind string

// Task kinds.
const (
	// KindWorkflow fires TimerWFEvent into the workflow WorkflowID as RunAs.
	KindWorkflow Kind = "WORKFLOW"
	// KindMailAutoImport imports every mail configuration flagged
	// "import automatically" (docs/REQUIREMENTS.md R18).
	KindMailAutoImport Kind = "MAIL_AUTO_IMPORT"
	// KindGroupwareSync runs every active groupware sync rule as
	// CRM_SERVICE (docs/REQUIREMENTS.md R56).
	KindGroupwareSync Kind = "GROUPWARE_SYNC"
)

// MinEvery is the shortest period a task may have.
const MinEvery = time.Second

// ErrInvalidTask is wrapped by every validation error of a Task.
var ErrInvalidTask = errors.New("invalid timer task")

// Task is one timer task as the source holds it.
type Task struct {
	Name       string // unique; the gocron job name and the claim key
	Kind       Kind
	WorkflowID string // KindWorkflow only
	RunAs      string // login of the employee the run acts as

	// Exactly one of Every and Cron is set.
	Every time.Duration // period, at least MinEvery
	Cron  string        // 5 fields: minute hour day-of-month month day-of-week

	// Optional window; a zero time is open. Ticks before Start or after End
	// do not run.
	Start, End time.Time

	Active bool

	// Change markers: a task whose fields differ in any way (these two
	// included) is re-registered on the next reload.
	Version   int64
	UpdatedAt time.Time
}

// Validate reports what is wrong with the task, naming it.
func (t Task) Validate() error {
	_, err := t.schedule(time.UTC)
	return err
}

// Next returns the first tick of t strictly after now (or at Start, when
// Start lies ahead), computed in loc for cron tasks; it is zero when the task
// has no tick left before End. `wfe timer list` can call it without a
// running Scheduler.
func (t Task) Next(now time.Time, loc *time.Location) (time.Time, error) {
	sc, err := t.schedule(loc)
	if err != nil {
		return time.Time{}, err
	}
	first := firstTick(sc, t, now)
	if !t.End.IsZero() && first.After(t.End) {
		return time.Time{}, nil
	}
	return first, nil
}

func (t Task) invalid(format string, args ...any) error {
	return fmt.Errorf("timer %q: %w: %s", t.Name, ErrInvalidTask, fmt.Sprintf(format, args...))
}

// schedule validates t and builds its grid.
func (t Task) schedule(loc *time.Location) (schedule, error) {
	if strings.TrimSpace(t.Name) == "" {
		return nil, fmt.Errorf("timer task without a name: %w", ErrInvalidTask)
	}
	switch t.Kind {
	case KindWorkflow:
		if t.WorkflowID == "" {
			return nil, t.invalid("kind %s needs a workflow id", t.Kind)
		}
	case KindMailAutoImport, KindGroupwareSync:
	default:
		return nil, t.invalid("unknown kind %q (want %s, %s or %s)", t.Kind, KindWorkflow, KindMailAutoImport, KindGroupwareSync)
	}
	if !t.Start.IsZero() && !t.End.IsZero() && t.End.Before(t.Start) {
		return nil, t.invalid("end %s is before start %s", t.End.Format(time.RFC3339), t.Start.Format(time.RFC3339))
	}
	switch {
	case t.Every != 0 && t.Cron != "":
		return nil, t.invalid("both a period (%s) and a cron expression (%q) are set; choose one", t.Every, t.Cron)
	case t.Every != 0:
		if t.Every < MinEvery {
			return nil, t.invalid("period %s is shorter than %s", t.Every, MinEvery)
		}
		anchor := time.Unix(0, 0).UTC()
		if !t.Start.IsZero() {
			anchor = t.Start
		}
		return every{d: t.Every, anchor: anchor}, nil
	case t.Cron != "":
		c, err := parseCron(t.Cron, loc)
		if err != nil {
			return nil, t.invalid("%v", err)
		}
		return c, nil
	default:
		return nil, t.invalid("no schedule: set a period or a cron expression")
	}
}

// same reports whether a and b are identical in every field.
func (t Task) same(o Task) bool {
	return t.Name == o.Name && t.Kind == o.Kind && t.WorkflowID == o.WorkflowID &&
		t.RunAs == o.RunAs && t.Every == o.Every && t.Cron == o.Cron &&
		t.Start.Equal(o.Start) && t.End.Equal(o.End) && t.Active == o.Active &&
		t.Version == o.Version && t.UpdatedAt.Equal(o.UpdatedAt)
}

// schedule is the grid of a task's ticks.
type schedule interface {
	// next returns the first tick strictly after t (zero if none).
	next(t time.Time) time.Time
	// latest returns the latest tick at or before t, given a tick from
	// that is at or before t.
	latest(from, t time.Time) time.Time
	// tolerance is how early a wake-up may come and still serve a tick.
	tolerance() time.Duration
	// job is the gocron definition that wakes up on the same grid.
	job() gocron.JobDefinition
}

// firstTick is the first tick a freshly registered task serves: the first
// grid point at or after Start when Start lies ahead, else the first after now.
func firstTick(sc schedule, t Task, now time.Time) time.Time {
	if !t.Start.IsZero() && t.Start.After(now) {
		return sc.next(t.Start.Add(-time.Nanosecond))
	}
	return sc.next(now)
}

type every struct {
	d      time.Duration
	anchor time.Time
}

func (e every) next(t time.Time) time.Time {
	if t.Before(e.anchor) {
		return e.anchor
	}
	k := t.Sub(e.anchor) / e.d
	return e.anchor.Add((k + 1) * e.d)
}

func (e every) latest(_, t time.Time) time.Time {
	if t.Before(e.anchor) {
		return time.Time{}
	}
	return e.anchor.Add(t.Sub(e.anchor) / e.d * e.d)
}

func (e every) tolerance() time.Duration { return min(e.d/10, time.Second) }

func (e every) job() gocron.JobDefinition { return gocron.DurationJob(e.d) }

type cronSched struct {
	expr string // with CRON_TZ prefix, as handed to gocron
	c    gocron.Cron
}

// maxCronSteps bounds the walk from the last served tick to now.
const maxCronSteps = 1 << 20

func parseCron(expr string, loc *time.Location) (cronSched, error) {
	fields := strings.Fields(expr)
	if len(fields) != 5 || strings.HasPrefix(fields[0], "@") {
		return cronSched{}, fmt.Errorf("cron %q: want 5 fields (minute hour day-of-month month day-of-week), got %d", expr, len(fields))
	}
	if loc == nil {
		loc = time.Local
	}
	full := "CRON_TZ=" + loc.String() + " " + strings.Join(fields, " ")
	c := gocron.NewDefaultCron(false)
	if err := c.IsValid(full, loc, time.Now()); err != nil {
		return cronSched{}, fmt.Errorf("cron %q: %w", expr, err)
	}
	return cronSched{expr: full, c: c}, nil
}

func (c cronSched) next(t time.Time) time.Time { return c.c.Next(t) }

func (c cronSched) latest(from, t time.Time) time.Time {
	s := from
	for i := 0; i < maxCronSteps; i++ {
		n := c.c.Next(s)
		if n.IsZero() || n.After(t) {
			break
		}
		s = n
	}
	return s
}

func (c cronSched) tolerance() time.Duration { return time.Second }

func (c cronSched) job() gocron.JobDefinition { return gocron.CronJob(c.expr, false) }
