package mailimport_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// closedAddr returns a loopback address nobody listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestImportAllAutoConfigurations(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{Users: map[string]string{imapUser: imapPass, "bob": "pw-bob"}})
	ctx := e.ctx
	bob := &store.Employee{Login: "bob", Name: "Bob Info", Email: "bob@firma.example"}
	if err := st.CreateEmployee(ctx, bob); err != nil {
		t.Fatal(err)
	}
	// config 123 (alice's mailbox): auto import, responsible employee bob
	e.cfg.AutoImport, e.cfg.ResponsibleID = true, &bob.ID
	if err := st.UpdateMailConfig(ctx, e.cfg); err != nil {
		t.Fatal(err)
	}
	broken := &store.MailConfig{MatchCode: "BROKEN", UserName: "x", Password: "y", IMAPAddr: closedAddr(t), AutoImport: true}
	support := &store.MailConfig{MatchCode: "SUPPORT", UserName: "bob", Password: "pw-bob", IMAPAddr: e.srv.Addr, AutoImport: true}
	manual := &store.MailConfig{MatchCode: "MANUAL", UserName: "bob", Password: "pw-bob", IMAPAddr: e.srv.Addr}
	for _, c := range []*store.MailConfig{broken, support, manual} {
		if err := st.CreateMailConfig(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	e.srv.Append(t, imapUser, "INBOX", simpleMail(muellerAddr, "info@firma.example", "An info", "info-1@x", "a"))
	e.srv.Append(t, "bob", "INBOX", simpleMail(muellerAddr, "support@firma.example", "An support", "support-1@x", "b"))

	res, err := mailimport.ImportAll(ctx, e.deps(), runAsLogin, mailimport.ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "mail configuration BROKEN") || !engine.IsRetryable(err) {
		t.Fatalf("want the BROKEN configuration's network error (retryable): %v", err)
	}
	if strings.Contains(err.Error(), "123") || strings.Contains(err.Error(), "SUPPORT") {
		t.Errorf("error names configurations that worked: %v", err)
	}
	if len(res) != 3 {
		t.Fatalf("%d results, want 3 (manual configuration excluded)", len(res))
	}
	delegated := map[string]int64{}
	for _, a := range e.activities() {
		if a.DelegatedTo != nil {
			delegated[a.Subject] = *a.DelegatedTo
		}
	}
	if delegated["An info"] != bob.ID {
		t.Errorf("config 123 activity delegated to %d, want the responsible employee %d", delegated["An info"], bob.ID)
	}
	if delegated["An support"] != e.emp.ID {
		t.Errorf("config SUPPORT activity delegated to %d, want the run-as employee %d", delegated["An support"], e.emp.ID)
	}
	if len(e.inbox()) != 0 || len(e.srv.Folder(t, "bob", "INBOX")) != 0 {
		t.Error("mail left in an inbox")
	}
}

func TestWorkSpaceSavesOnClose(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	e.appendRaw(numberedMails(3)...)
	res, err := e.importOnce(false, 0)
	if err != nil {
		t.Fatal(err)
	}
	ws := mailimport.NewWorkSpace(st, res)
	if err := ws.SetStatus("S_ACTSTATUS-E"); err != nil {
		t.Fatal(err)
	}
	if a, _ := st.GetActivity(e.ctx, res.ActivityIDs[0]); a.Status != store.StatusOpen {
		t.Fatalf("status changed before Close: %s", a.Status)
	}
	if err := ws.Close(e.ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range res.ActivityIDs {
		if a, _ := st.GetActivity(e.ctx, id); a.Status != store.StatusDone {
			t.Errorf("activity %d status %s after Close", id, a.Status)
		}
	}
	if !ws.Closed() || ws.Close(e.ctx) != nil {
		t.Error("second Close must be harmless")
	}
	if err := ws.SetStatus("O"); !errors.Is(err, mailimport.ErrWorkSpaceClosed) {
		t.Errorf("SetStatus after Close: %v", err)
	}
}

func TestRegisterWithoutStore(t *testing.T) {
	reg := engine.NewRegistry()
	mailimport.Register(reg, mailimport.Deps{})
	specs := reg.Actions()
	if len(specs) != 2 || specs[0].Name != "CloseWorkSpaceAction" || specs[1].Name != "ImportMailsAction" {
		t.Fatalf("specs %+v", specs)
	}
	a, _ := reg.Action("ImportMailsAction")
	err := a.Run(context.Background(), nil)
	if !errors.Is(err, mailimport.ErrNoStore) || engine.ClassOf(err) != engine.ClassPermanent {
		t.Errorf("run without store: %v", err)
	}
}
