package store_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

func TestMailConfigAutoLock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := &store.MailConfig{MatchCode: "123", UserName: "info", Password: "old"}
		if err := s.CreateMailConfig(ctx, c); err != nil {
			t.Fatal(err)
		}
		if c.ImportFolder != store.DefaultImportFolder || c.ErrorFolder != store.DefaultErrorFolder || c.GroupwareSystem != "SERVER" {
			t.Fatalf("defaults: %+v", c)
		}
		changes := []struct {
			name   string
			change func(c *store.MailConfig)
			clears bool
		}{
			{"display name", func(c *store.MailConfig) { c.DisplayName = "Info" }, false},
			{"password", func(c *store.MailConfig) { c.Password = "new" }, true},
			{"user name", func(c *store.MailConfig) { c.UserName = "info2" }, true},
			{"client secret", func(c *store.MailConfig) { c.OAuthClientSecret = "cs" }, true},
			{"token", func(c *store.MailConfig) { c.OAuthToken = `{"access_token":"t"}` }, true},
		}
		for _, ch := range changes {
			if err := s.SetAutoLock(ctx, c.ID, "IMAP login failed: NO [AUTHENTICATIONFAILED]"); err != nil {
				t.Fatal(err)
			}
			got, err := s.GetMailConfig(ctx, c.ID)
			if err != nil || !got.AutoLocked || got.Usable() {
				t.Fatalf("after SetAutoLock: %+v %v", got, err)
			}
			ch.change(got)
			if err := s.UpdateMailConfig(ctx, got); err != nil {
				t.Fatal(err)
			}
			after, _ := s.GetMailConfig(ctx, c.ID)
			if after.AutoLocked == ch.clears {
				t.Errorf("change of %s: auto lock %v, want cleared=%v", ch.name, after.AutoLocked, ch.clears)
			}
		}
		if err := s.SetAutoLock(ctx, c.ID, "auth"); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveOAuthToken(ctx, c.ID, `{"access_token":"fresh"}`); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetMailConfig(ctx, c.ID); got.AutoLocked || got.OAuthToken != `{"access_token":"fresh"}` {
			t.Fatalf("after SaveOAuthToken: locked %v token %q", got.AutoLocked, got.OAuthToken)
		}
		if err := s.SetAutoLock(ctx, 9999, "x"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("lock unknown config: %v", err)
		}
	})
}

func TestMailConfigMatchCodeAmbiguous(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		for range 2 {
			if err := s.CreateMailConfig(ctx, &store.MailConfig{MatchCode: "BCCIMPORTER"}); err != nil {
				t.Fatal(err)
			}
		}
		cs, err := s.MailConfigsByMatchCode(ctx, "BCCIMPORTER")
		if err != nil || len(cs) != 2 {
			t.Fatalf("by match code: %d %v", len(cs), err)
		}
		_, err = s.MailConfigByMatchCode(ctx, "BCCIMPORTER")
		if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "more than one mail configuration") {
			t.Fatalf("ambiguous: %v", err)
		}
		if _, err := s.MailConfigByMatchCode(ctx, "none"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
	})
}

func TestEffectiveCredentials(t *testing.T) {
	emp := &store.Employee{Login: "anna", GroupwareLogin: "anna@firma.de", GroupwarePassword: "emp-pw"}
	cases := []struct {
		cfg      store.MailConfig
		emp      *store.Employee
		user, pw string
		fromEmp  bool
	}{
		{store.MailConfig{UserName: "info", Password: "cfg-pw"}, emp, "info", "cfg-pw", false},
		{store.MailConfig{}, emp, "anna@firma.de", "emp-pw", true},
		{store.MailConfig{UserName: "info"}, emp, "anna@firma.de", "emp-pw", true},
		{store.MailConfig{}, nil, "", "", false},
	}
	for i, c := range cases {
		got := store.EffectiveCredentials(&c.cfg, c.emp)
		if got.UserName != c.user || got.Password != c.pw || got.FromEmployee != c.fromEmp {
			t.Errorf("case %d: %+v", i, got)
		}
	}
}

func TestMailConfigJSONHasNoSecrets(t *testing.T) {
	c := store.MailConfig{MatchCode: "x", Password: secretPW, OAuthClientSecret: secretPW, OAuthToken: secretPW,
		SealedPassword: "v1:abc"}
	e := store.Employee{Login: "a", GroupwarePassword: secretPW}
	for _, v := range []any{c, e} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), secretPW) || strings.Contains(string(b), "v1:") {
			t.Fatalf("JSON carries a secret: %s", b)
		}
	}
}

func TestEmployeeLockClearedByNewCredentials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := &store.Employee{Login: "anna", GroupwareLogin: "anna", GroupwarePassword: "old"}
		if err := s.CreateEmployee(ctx, e); err != nil {
			t.Fatal(err)
		}
		if err := s.LockEmployee(ctx, e.ID, "login failed"); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetEmployee(ctx, e.ID)
		if !got.Locked || got.LockedAt == nil {
			t.Fatalf("lock: %+v", got)
		}
		got.Name = "Anna"
		if err := s.UpdateEmployee(ctx, got); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetEmployee(ctx, e.ID); !got.Locked {
			t.Fatal("a name change cleared the lock")
		}
		got.GroupwarePassword = "new"
		if err := s.UpdateEmployee(ctx, got); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetEmployee(ctx, e.ID); got.Locked || got.GroupwarePassword != "new" {
			t.Fatalf("new password: locked %v", got.Locked)
		}
	})
}

func TestRunsAndTimers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		for i := range 5 {
			fin := base.Add(time.Duration(i)*time.Minute + time.Second)
			r := &store.Run{WorkflowID: "ImportMails", Timer: "ImportMails", RunAs: "anna", StartedAt: base.Add(time.Duration(i) * time.Minute),
				FinishedAt: &fin, Status: store.RunSucceeded, Record: json.RawMessage(`{"steps":[1]}`)}
			if err := s.SaveRun(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		running := &store.Run{WorkflowID: "X", StartedAt: base.Add(-time.Hour), Status: store.RunRunning}
		if err := s.SaveRun(ctx, running); err != nil {
			t.Fatal(err)
		}
		running.Error = "boom"
		if err := s.SaveRun(ctx, running); err != nil {
			t.Fatalf("save again (upsert): %v", err)
		}
		runs, err := s.ListRuns(ctx, store.RunFilter{WorkflowID: "ImportMails", Limit: 2})
		if err != nil || len(runs) != 2 || !runs[0].StartedAt.Equal(base.Add(4*time.Minute)) || string(runs[0].Record) != `{"steps":[1]}` {
			t.Fatalf("list runs: %+v %v", runs, err)
		}
		n, err := s.PruneRuns(ctx, 2, 0)
		if err != nil || n != 3 {
			t.Fatalf("prune by count: %d %v", n, err)
		}
		all, _ := s.ListRuns(ctx, store.RunFilter{})
		if len(all) != 3 { // 2 newest + the running one
			t.Fatalf("after prune: %d runs", len(all))
		}
		got, err := s.GetRun(ctx, running.ID)
		if err != nil || got.Error != "boom" {
			t.Fatalf("running run: %+v %v", got, err)
		}

		tm := &store.TimerTask{Name: "ImportMails", Type: store.TimerWorkflow, RunAs: "anna", Every: 10 * time.Minute, Active: true}
		if err := s.CreateTimer(ctx, tm); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateTimer(ctx, &store.TimerTask{Name: "ImportMails", Type: store.TimerWorkflow, Every: time.Minute}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate timer: %v", err)
		}
		if err := s.CreateTimer(ctx, &store.TimerTask{Name: "x", Type: "OTHER", Every: time.Minute}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("bad type: %v", err)
		}
		if err := s.SetTimerActive(ctx, "ImportMails", false); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordTimerRun(ctx, "ImportMails", "run-1", store.RunSucceeded, base); err != nil {
			t.Fatal(err)
		}
		g, err := s.GetTimer(ctx, "ImportMails")
		if err != nil || g.Active || g.Every != 10*time.Minute || g.WorkflowID != "ImportMails" || g.LastRunID != "run-1" {
			t.Fatalf("timer: %+v %v", g, err)
		}
		g.Every = 15 * time.Minute
		if err := s.UpdateTimer(ctx, g); err != nil {
			t.Fatal(err)
		}
		if g2, _ := s.GetTimer(ctx, "ImportMails"); g2.Every != 15*time.Minute {
			t.Fatalf("updated period %v", g2.Every)
		}
		if err := s.DeleteTimer(ctx, "ImportMails"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetTimer(ctx, "ImportMails"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
	})
}
