package mailimport_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

func TestSeedWorkflowImportsAndClosesWorkSpace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, mailtest.IMAPOptions{})
		mails := fixtureMails(t)
		names := []string{"01-plain-ascii.eml", "07-mixed-pdf.eml", "24-internal-only.eml"}
		for _, n := range names {
			e.appendRaw(mails[n])
		}
		p := e.seedProgram()
		rec, err := e.runSeed(p, false)
		if err != nil {
			t.Fatalf("run: %v (record %+v)", err, rec)
		}
		if rec.Status != engine.StatusOK || len(rec.Steps) != 2 || rec.Steps[1].Skipped {
			t.Fatalf("run record: status %s, steps %+v", rec.Status, rec.Steps)
		}
		if a := rec.Steps[1].Actions; len(a) != 1 || a[0].Name != "CloseWorkSpaceAction" || a[0].Outcome != "ok" {
			t.Fatalf("step 2 actions: %+v", a)
		}
		if len(rec.Warnings) != 0 {
			t.Errorf("warnings (the work space should have been closed by step 2): %v", rec.Warnings)
		}
		if in := e.inbox(); len(in) != 0 {
			t.Errorf("inbox still holds %d mails", len(in))
		}
		moved := e.folder(importDir)
		if len(moved) != 3 {
			t.Fatalf("%s holds %d mails, want 3", importDir, len(moved))
		}
		as := e.activities()
		if len(as) != 3 {
			t.Fatalf("%d activities, want 3", len(as))
		}
		for _, a := range as {
			if a.Type != store.TypeMailIn || a.Status != store.StatusOpen {
				t.Errorf("activity %d: type/status %s/%s", a.ID, a.Type, a.Status)
			}
			if a.DelegatedTo == nil || *a.DelegatedTo != e.emp.ID || a.DelegatedBy == nil || *a.DelegatedBy != e.emp.ID || a.CreatedBy == nil || *a.CreatedBy != e.emp.ID {
				t.Errorf("activity %d (%s): not created by/delegated to/by the run-as employee %d: %v %v %v", a.ID, a.Subject, e.emp.ID, a.DelegatedTo, a.DelegatedBy, a.CreatedBy)
			}
			if a.ImportFolder != importDir || a.MailConfigID == nil || *a.MailConfigID != e.cfg.ID {
				t.Errorf("activity %d: import folder %q, mail config %v", a.ID, a.ImportFolder, a.MailConfigID)
			}
		}

		// no unseen mail: step 2 is skipped and the run succeeds
		rec, err = e.runSeed(p, false)
		if err != nil {
			t.Fatalf("second run: %v", err)
		}
		if rec.Status != engine.StatusOK || len(rec.Steps) != 2 || !rec.Steps[1].Skipped {
			t.Fatalf("second run: status %s, steps %+v", rec.Status, rec.Steps)
		}
		if n := len(e.activities()); n != 3 {
			t.Errorf("second run created activities: %d", n)
		}
	})
}

func TestMatchCodeErrors(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	e.appendRaw(simpleMail(muellerAddr, "info@firma.example", "x", "x@y", "x"))
	run := func(code string) error {
		_, err := mailimport.ImportAll(e.ctx, e.deps(), runAsLogin, mailimport.ImportOptions{MatchCode: code})
		return err
	}
	err := run("nope")
	if err == nil || !strings.Contains(err.Error(), `no mail configuration has match code "nope"`) || engine.ClassOf(err) != engine.ClassPermanent {
		t.Errorf("unknown match code: %v (%s)", err, engine.ClassOf(err))
	}
	second := &store.MailConfig{MatchCode: matchCode, IMAPAddr: e.srv.Addr, UserName: imapUser, Password: imapPass}
	if err := st.CreateMailConfig(e.ctx, second); err != nil {
		t.Fatal(err)
	}
	err = run(matchCode)
	if err == nil || !strings.Contains(err.Error(), `2 mail configurations have match code "123"`) || engine.ClassOf(err) != engine.ClassPermanent {
		t.Errorf("ambiguous match code: %v", err)
	}
	if n := e.srv.LoginAttempts(); n != 0 {
		t.Errorf("%d login attempts, want none", n)
	}
	if len(e.inbox()) != 1 {
		t.Error("mail left the inbox")
	}

	// the action fails the same way inside the example workflow
	rec, err := e.runSeed(e.seedProgram(), false)
	if err == nil || rec.Status != engine.StatusFailed || !strings.Contains(err.Error(), "ImportMailsAction") || !strings.Contains(err.Error(), `2 mail configurations have match code "123"`) {
		t.Errorf("seed workflow with an ambiguous match code: %v", err)
	}
}

func TestLockedConfigurationIsNotTouched(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	e.appendRaw(simpleMail(muellerAddr, "info@firma.example", "x", "x@y", "x"))
	e.cfg.IsLocked = true
	if err := st.UpdateMailConfig(e.ctx, e.cfg); err != nil {
		t.Fatal(err)
	}
	p := e.seedProgram()
	rec, err := e.runSeed(p, false)
	if err == nil || !strings.Contains(err.Error(), "locked by hand") || engine.ClassOf(err) != engine.ClassPermanent {
		t.Fatalf("locked configuration: %v", err)
	}
	if rec.Status != engine.StatusFailed {
		t.Errorf("status %s", rec.Status)
	}
	if n := e.srv.LoginAttempts(); n != 0 {
		t.Errorf("%d login attempts on a locked configuration", n)
	}
	if len(e.inbox()) != 1 || len(e.activities()) != 0 {
		t.Error("a locked configuration was used")
	}
}

func TestAuthFailureLocksConfiguration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, mailtest.IMAPOptions{})
		e.appendRaw(simpleMail(muellerAddr, "info@firma.example", "Hallo", "auth@x", "x"))
		e.cfg.Password = "wrong-password"
		if err := st.UpdateMailConfig(e.ctx, e.cfg); err != nil {
			t.Fatal(err)
		}
		_, err := e.importOnce(false, 0)
		if err == nil || engine.ClassOf(err) != engine.ClassPermanent || !strings.Contains(err.Error(), "authentication") {
			t.Fatalf("wrong password: %v (%s)", err, engine.ClassOf(err))
		}
		if strings.Contains(err.Error(), "wrong-password") {
			t.Errorf("error shows the password: %v", err)
		}
		if n := e.srv.LoginAttempts(); n != 1 {
			t.Fatalf("%d login attempts, want 1", n)
		}
		cfg, _ := st.GetMailConfig(e.ctx, e.cfg.ID)
		if !cfg.AutoLocked || !strings.HasPrefix(cfg.AutoLockedReason, "authentication failed at ") || cfg.AutoLockedAt == nil {
			t.Fatalf("configuration not auto-locked: %+v", cfg)
		}
		if strings.Contains(cfg.AutoLockedReason, "wrong-password") {
			t.Errorf("lock reason shows the password: %s", cfg.AutoLockedReason)
		}

		// the next run makes no login attempt
		_, err = e.importOnce(false, 0)
		if err == nil || !strings.Contains(err.Error(), "locked automatically") || !strings.Contains(err.Error(), "authentication failed at") {
			t.Fatalf("second run: %v", err)
		}
		if n := e.srv.LoginAttempts(); n != 1 {
			t.Fatalf("second run tried to log in: %d attempts", n)
		}

		// changing the password clears the lock; the next run imports
		cfg.Password = imapPass
		if err := st.UpdateMailConfig(e.ctx, cfg); err != nil {
			t.Fatal(err)
		}
		res, err := e.importOnce(false, 0)
		if err != nil || res.Imported != 1 {
			t.Fatalf("after the password change: %v %+v", err, res)
		}
		if len(e.inbox()) != 0 {
			t.Error("inbox not empty")
		}
	})
}

func TestAuthFailureWithEmployeeLoginLocksEmployee(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	e.appendRaw(simpleMail(muellerAddr, "info@firma.example", "Hallo", "emp@x", "x"))
	// the configuration leaves the credentials to the employee (docs/REQUIREMENTS.md R23)
	e.cfg.UserName, e.cfg.Password = "", ""
	if err := st.UpdateMailConfig(e.ctx, e.cfg); err != nil {
		t.Fatal(err)
	}
	e.emp.GroupwareLogin, e.emp.GroupwarePassword = imapUser, "bad"
	if err := st.UpdateEmployee(e.ctx, e.emp); err != nil {
		t.Fatal(err)
	}
	if _, err := e.importOnce(false, 0); err == nil || !errors.Is(err, errLockedSentinel()) {
		t.Fatalf("bad employee password: %v", err)
	}
	emp, _ := st.EmployeeByLogin(e.ctx, runAsLogin)
	if !emp.Locked {
		t.Fatal("employee not locked (AutoImpPwEx)")
	}
	if _, err := e.importOnce(false, 0); err == nil || e.srv.LoginAttempts() != 1 {
		t.Fatalf("second run: %v, %d logins", err, e.srv.LoginAttempts())
	}
	emp.GroupwarePassword = imapPass
	if err := st.UpdateEmployee(e.ctx, emp); err != nil {
		t.Fatal(err)
	}
	res, err := e.importOnce(false, 0)
	if err != nil || res.Imported != 1 {
		t.Fatalf("with the employee's right password: %v %+v", err, res)
	}
}
