package timer

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ok := Task{Name: "t", Kind: KindMailAutoImport, Every: time.Minute}
	cases := []struct {
		name string
		edit func(*Task)
		want string // "" = valid
	}{
		{"period", func(*Task) {}, ""},
		{"workflow", func(t *Task) { t.Kind, t.WorkflowID = KindWorkflow, "WKF_ImportMailsByBCC" }, ""},
		{"cron", func(t *Task) { t.Every, t.Cron = 0, "0 8 * * 1-5" }, ""},
		{"no name", func(t *Task) { t.Name = " " }, "without a name"},
		{"unknown kind", func(t *Task) { t.Kind = "BATCH" }, `unknown kind "BATCH"`},
		{"workflow without id", func(t *Task) { t.Kind = KindWorkflow }, "needs a workflow id"},
		{"no schedule", func(t *Task) { t.Every = 0 }, "no schedule"},
		{"both", func(t *Task) { t.Cron = "* * * * *" }, "choose one"},
		{"too short", func(t *Task) { t.Every = 500 * time.Millisecond }, "shorter than 1s"},
		{"three fields", func(t *Task) { t.Every, t.Cron = 0, "* * *" }, "want 5 fields"},
		{"six fields", func(t *Task) { t.Every, t.Cron = 0, "0 * * * * *" }, "want 5 fields"},
		{"descriptor", func(t *Task) { t.Every, t.Cron = 0, "@every 5m" }, "want 5 fields"},
		{"bad minute", func(t *Task) { t.Every, t.Cron = 0, "61 * * * *" }, `cron "61 * * * *"`},
		{"end before start", func(t *Task) { t.Start, t.End = at(10, 0, 0), at(9, 0, 0) }, "is before start"},
	}
	for _, c := range cases {
		task := ok
		c.edit(&task)
		err := task.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", c.name, err)
		case c.want != "" && (err == nil || !errors.Is(err, ErrInvalidTask) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want ErrInvalidTask containing %q", c.name, err, c.want)
		case c.want != "" && task.Name == "t" && !strings.Contains(err.Error(), `timer "t"`):
			t.Errorf("%s: error %v does not name the task", c.name, err)
		}
	}
}

func TestTaskNext(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	now := base // 10:00:00.3 UTC = 11:00:00.3 in Berlin
	cases := []struct {
		name string
		task Task
		loc  *time.Location
		want time.Time
	}{
		{"epoch grid", Task{Every: 15 * time.Minute}, time.UTC, at(10, 15, 0)},
		{"start grid", Task{Every: 15 * time.Minute, Start: at(9, 7, 0)}, time.UTC, at(10, 7, 0)},
		{"start ahead", Task{Every: 15 * time.Minute, Start: at(12, 0, 0)}, time.UTC, at(12, 0, 0)},
		{"after end", Task{Every: 15 * time.Minute, End: at(10, 10, 0)}, time.UTC, time.Time{}},
		{"cron utc", Task{Cron: "30 * * * *"}, time.UTC, at(10, 30, 0)},
		{"cron berlin", Task{Cron: "0 12 * * *"}, berlin, at(11, 0, 0)},
		{"cron start ahead on slot", Task{Cron: "0 * * * *", Start: at(13, 0, 0)}, time.UTC, at(13, 0, 0)},
	}
	for _, c := range cases {
		c.task.Name, c.task.Kind = c.name, KindMailAutoImport
		got, err := c.task.Next(now, c.loc)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !got.Equal(c.want) {
			t.Errorf("%s: Next = %s, want %s", c.name, got, c.want)
		}
	}
}

func TestEveryGridIsNodeIndependent(t *testing.T) {
	e := every{d: 10 * time.Minute, anchor: time.Unix(0, 0).UTC()}
	// Wake-ups anywhere inside a period name the same tick.
	for _, off := range []time.Duration{0, time.Millisecond, 4 * time.Minute, 9*time.Minute + 59*time.Second} {
		if got := e.latest(time.Time{}, at(10, 20, 0).Add(off)); !got.Equal(at(10, 20, 0)) {
			t.Errorf("latest(10:20+%s) = %s", off, got)
		}
	}
	if got := e.next(at(10, 20, 0)); !got.Equal(at(10, 30, 0)) {
		t.Errorf("next(10:20) = %s, want strictly after", got)
	}
	if tol := e.tolerance(); tol != time.Second {
		t.Errorf("tolerance = %s", tol)
	}
}
