package watchdog_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/wfehq/wfe/console/watchdog"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// world builds timers, mail configurations and run histories whose states
// are known, all relative to now.
func world(t *testing.T, s *store.Store, now time.Time) {
	t.Helper()
	ctx := context.Background()
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, tk := range []store.TimerTask{
		{Name: "healthy", Type: store.TimerWorkflow, WorkflowID: "A", Every: time.Hour, Active: true},
		{Name: "broken", Type: store.TimerWorkflow, WorkflowID: "B", Every: time.Hour, Active: true},
		{Name: "silent", Type: store.TimerWorkflow, WorkflowID: "C", Every: time.Hour, Active: true},
		{Name: "switched-off", Type: store.TimerWorkflow, WorkflowID: "D", Every: time.Hour},
		{Name: "auto", Type: store.TimerMailAutoImport, Every: 10 * time.Minute, Active: true},
	} {
		must(s.CreateTimer(ctx, &tk))
	}
	run := func(timer, status, errText string, start time.Time, rec any) {
		sched := start.Add(-2 * time.Second)
		fin := start.Add(time.Second)
		data := []byte("{}")
		if rec != nil {
			data, _ = json.Marshal(rec)
		}
		must(s.SaveRun(ctx, &store.Run{Timer: timer, Status: status, Error: errText, StartedAt: start,
			ScheduledAt: &sched, FinishedAt: &fin, Record: data}))
	}
	run("healthy", store.RunFailed, "boom", ago(2*time.Hour), nil)
	run("healthy", store.RunSucceeded, "", ago(time.Hour), nil)
	run("broken", store.RunSucceeded, "", ago(3*time.Hour), nil)
	run("broken", store.RunFailed, "first failure", ago(2*time.Hour), nil)
	run("broken", store.RunFailed, "step 1 action LogAction: disk full", ago(time.Hour), nil)
	run("silent", store.RunSucceeded, "", ago(4*time.Hour), nil)

	for _, mc := range []store.MailConfig{{MatchCode: "info", AutoImport: true}, {MatchCode: "sales", AutoImport: true},
		{MatchCode: "support", AutoImport: true}, {MatchCode: "manual"}} {
		must(s.CreateMailConfig(ctx, &mc))
	}
	sales, err := s.MailConfigByMatchCode(ctx, "support")
	must(err)
	must(s.SetAutoLock(ctx, sales.ID, "535 authentication failed"))
	results := func(codes ...string) any {
		var rs []map[string]string
		for _, c := range codes {
			rs = append(rs, map[string]string{"match_code": c})
		}
		return map[string]any{"type": "MAIL_AUTO_IMPORT", "results": rs}
	}
	run("auto", store.RunSucceeded, "", ago(20*time.Minute), results("info", "sales"))
	run("auto", store.RunFailed, "mail configuration sales: dial imap.example:993: connection refused", ago(10*time.Minute), results("info", "sales"))
}

func TestStates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		now := time.Now().UTC().Truncate(time.Second)
		world(t, s, now)
		got, err := watchdog.Sources(context.Background(), s, watchdog.Config{}, now)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]watchdog.Source{}
		for _, src := range got {
			byName[src.Kind+"/"+src.Name] = src
		}
		want := map[string]string{
			"timer/healthy": watchdog.StateOK, "timer/broken": watchdog.StateFailing, "timer/silent": watchdog.StateQuiet,
			"timer/auto": watchdog.StateFailing, "mail_config/info": watchdog.StateOK,
			"mail_config/sales": watchdog.StateFailing, "mail_config/support": watchdog.StateLocked,
		}
		if len(got) != len(want) {
			t.Errorf("got %d sources, want %d: %+v", len(got), len(want), got)
		}
		for key, state := range want {
			if byName[key].State != state {
				t.Errorf("%s: state %q (%s), want %q", key, byName[key].State, byName[key].Reason, state)
			}
		}
		broken := byName["timer/broken"]
		if broken.LastError != "step 1 action LogAction: disk full" || !broken.FailingSince.Equal(now.Add(-2*time.Hour)) ||
			!broken.LastSuccess.Equal(now.Add(-3*time.Hour)) || time.Duration(broken.Lateness) != 2*time.Second {
			t.Errorf("broken timer: %+v", broken)
		}
		sales := byName["mail_config/sales"]
		if sales.LastError != "mail configuration sales: dial imap.example:993: connection refused" ||
			!sales.LastSuccess.Equal(now.Add(-20*time.Minute)) {
			t.Errorf("sales: %+v", sales)
		}
		if byName["mail_config/support"].LastError != "535 authentication failed" {
			t.Errorf("support: %+v", byName["mail_config/support"])
		}
		if !watchdog.AnyFailing(got) {
			t.Error("AnyFailing is false")
		}
	})
}

// A failure younger than FailingAfter leaves the source ok; a wider quiet
// factor keeps a late source ok.
func TestThresholds(t *testing.T) {
	s := storetest.Open(t)
	now := time.Now().UTC().Truncate(time.Second)
	world(t, s, now)
	got, err := watchdog.Sources(context.Background(), s, watchdog.Config{FailingAfter: 3 * time.Hour, QuietFactor: 5}, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range got {
		if src.Kind == watchdog.KindTimer && src.State != watchdog.StateOK {
			t.Errorf("%s: %s (%s), want ok under the wider thresholds", src.Name, src.State, src.Reason)
		}
	}
}
