package mailimport_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// TestMapperContract drives the pipeline with a Mapper that takes every
// decision once, as the BCC importer and the mailbox rules will.
func TestMapperContract(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	e.appendRaw(
		simpleMail(muellerAddr, "info@firma.example", "import", "m1@x", "a"),
		simpleMail(muellerAddr, "info@firma.example", "elsewhere", "m2@x", "b"),
		simpleMail(muellerAddr, "info@firma.example", "quarantine", "m3@x", "c"),
		simpleMail(muellerAddr, "info@firma.example", "skip", "m4@x", "d"),
		simpleMail(muellerAddr, "info@firma.example", "leave", "m5@x", "e"),
	)
	var mu sync.Mutex
	var followUps []string
	mapper := mailimport.MapperFunc(func(ctx context.Context, in *mailimport.Input) (mailimport.Decision, error) {
		if in.RunAs == nil || in.RunAs.Login != runAsLogin || in.Config.ID != e.cfg.ID || in.ContentSHA256 == "" {
			return mailimport.Decision{}, errors.New("input incomplete")
		}
		rc, err := in.OpenRaw()
		if err != nil {
			return mailimport.Decision{}, err
		}
		raw, _ := io.ReadAll(rc)
		rc.Close()
		if contentHash(raw) != in.ContentSHA256 {
			return mailimport.Decision{}, errors.New("OpenRaw does not give the fetched message")
		}
		if in.Mail.ContentHash != in.ContentSHA256 || in.Mail.Size != int64(len(raw)) {
			return mailimport.Decision{}, errors.New("the parsed mail's content hash or size is not the fetched message's")
		}
		after := func(ctx context.Context, id int64) error {
			mu.Lock()
			defer mu.Unlock()
			followUps = append(followUps, in.Mail.Subject)
			return nil
		}
		a := mailimport.BaseActivity(in)
		a.Type, a.Status = store.TypeMailOut, store.StatusDone
		a.MatchExplanation = append(a.MatchExplanation, "picked by the test mapper")
		switch in.Mail.Subject {
		case "import":
			return mailimport.Decision{Kind: mailimport.Import, Activity: a, AfterCommit: after}, nil
		case "elsewhere":
			return mailimport.Decision{Kind: mailimport.Import, Activity: a, Folder: "CRM/Andere", NoDocuments: true}, nil
		case "quarantine":
			return mailimport.Decision{Kind: mailimport.Quarantine, Reason: "sender is not an employee"}, nil
		case "skip":
			return mailimport.Decision{Kind: mailimport.Skip, Reason: "internal mail", AfterCommit: after}, nil
		}
		return mailimport.Decision{Kind: mailimport.Leave, Reason: "not yet"}, nil
	})
	var progress [][2]int
	deps := e.deps()
	deps.Progress = func(done, total int) { progress = append(progress, [2]int{done, total}) }
	p := &mailimport.Pipeline{Deps: deps, Mapper: mapper}
	res, err := p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp, BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 2 || res.Quarantined != 1 || res.Skipped != 1 || res.Left != 1 {
		t.Fatalf("%s", res.Summary())
	}
	if !slices.Equal(progress, [][2]int{{3, 5}, {5, 5}}) {
		t.Errorf("progress %v", progress)
	}
	if !slices.Equal(followUps, []string{"import", "skip"}) {
		t.Errorf("follow-ups ran for %v", followUps)
	}
	in := e.inbox()
	if len(in) != 1 || in[0].Subject != "leave" || in[0].Seen() {
		t.Errorf("inbox %+v", in)
	}
	for folder, want := range map[string]string{importDir: "import,skip", "CRM/Andere": "elsewhere", errorDir: "quarantine"} {
		var got []string
		for _, m := range e.folder(folder) {
			got = append(got, m.Subject)
		}
		slices.Sort(got)
		if strings.Join(got, ",") != want {
			t.Errorf("%s holds %v, want %s", folder, got, want)
		}
	}
	for _, a := range e.activities() {
		d, _ := st.GetActivity(e.ctx, a.ID)
		switch a.Subject {
		case "import":
			if a.Type != store.TypeMailOut || a.Status != store.StatusDone || a.ImportFolder != importDir || len(d.Documents) != 1 {
				t.Errorf("import: %+v, %d documents", a.Activity, len(d.Documents))
			}
		case "elsewhere":
			if a.ImportFolder != "CRM/Andere" || len(d.Documents) != 0 {
				t.Errorf("elsewhere: folder %q, %d documents", a.ImportFolder, len(d.Documents))
			}
		default:
			t.Errorf("unexpected activity %q", a.Subject)
		}
	}
	outcomes := map[string]string{}
	for _, l := range e.ledger() {
		outcomes[l.MessageID] = l.Outcome + ":" + l.Error
	}
	if outcomes["m3@x"] != "quarantined:sender is not an employee" || outcomes["m4@x"] != "skipped:internal mail" || outcomes["m5@x"] != "" {
		t.Errorf("ledger %v", outcomes)
	}

	// a Map error aborts before the commit: nothing of the batch moves
	e.appendRaw(simpleMail(muellerAddr, "info@firma.example", "boom", "m6@x", "f"))
	p.Mapper = mailimport.MapperFunc(func(context.Context, *mailimport.Input) (mailimport.Decision, error) {
		return mailimport.Decision{}, errors.New("contact lookup failed")
	})
	if _, err := p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp}); err == nil || !strings.Contains(err.Error(), "contact lookup failed") {
		t.Fatalf("Map error: %v", err)
	}
	if n := len(e.inbox()); n != 2 {
		t.Errorf("%d mails in the inbox after a Map error, want 2", n)
	}
}
