package wfecmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
)

// importRunOf finds the run record that import-mail named on stderr.
func importRunOf(t *testing.T, c *storeCLI, stderr string) (store.Run, importRecord) {
	t.Helper()
	m := regexp.MustCompile(`run ([0-9a-f]{32}) recorded`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("import-mail names no run record:\n%s", stderr)
	}
	var runs []runView
	must(t, json.Unmarshal([]byte(c.ok("runs", "list", "--json")), &runs))
	for _, r := range runs {
		if r.ID == m[1] {
			var rec importRecord
			must(t, json.Unmarshal(r.Record, &rec))
			return store.Run{ID: r.ID, Status: r.Status, Error: r.Error, RunAs: r.RunAs, Node: r.Node}, rec
		}
	}
	t.Fatalf("run %s is not in the run history", m[1])
	return store.Run{}, importRecord{}
}

// import-mail leaves a run record like wfe run: per configuration the
// counts, the quarantined mails with their reasons, what was moved; runs
// list and runs show show it. A dry run leaves none.
func TestImportMailRunRecord(t *testing.T) {
	eachStoreCLI(t, func(t *testing.T, c *storeCLI, st *store.Store) {
		srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{Users: map[string]string{"info": testPassword}})
		for _, name := range []string{"01-plain-ascii.eml", "07-mixed-pdf.eml", "01-plain-ascii.eml"} {
			srv.Append(t, "info", "INBOX", fixtureMail(t, name))
		}
		srv.Append(t, "info", "INBOX", []byte("not a mail at all\r\n")) // no header field at all
		c.env["PW"] = testPassword
		c.ok("mailconfig", "set", "123", "--user", "info", "--password-env", "PW", "--imap", srv.Addr, "--imap-security", "none", "--auto-import")
		_, errs, _ := c.run("import-mail", "--dry-run")
		if strings.Contains(errs, "recorded") {
			t.Fatalf("a dry run was recorded: %s", errs)
		}
		out, errs, code := c.run("import-mail", "--batch", "2")
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		run, rec := importRunOf(t, c, errs)
		if run.Status != store.RunSucceeded || rec.Type != importRecordCLI || len(rec.Results) != 1 || run.Node != nodeName() {
			t.Fatalf("run %+v record %+v", run, rec)
		}
		r := rec.Results[0]
		if r.MatchCode != "123" || r.Unseen != 4 || r.Imported != 2 || r.Quarantined != 1 || r.Duplicates != 1 || r.Moved != 4 || r.Committed != 4 {
			t.Fatalf("counts %+v", r)
		}
		if len(r.QuarantinedMails) != 1 {
			t.Fatalf("%d quarantined, %d listed: %+v", r.Quarantined, len(r.QuarantinedMails), r.QuarantinedMails)
		}
		for _, q := range r.QuarantinedMails {
			if q.Reason == "" {
				t.Errorf("quarantined mail without reason: %+v", q)
			}
		}
		if list := c.ok("runs", "list", "--wide"); !regexp.MustCompile(run.ID + `\s+\(import-mail\)\s+-\s`).MatchString(list) {
			t.Errorf("runs list does not show the import:\n%s", list)
		}
		show := c.ok("runs", "show", run.ID)
		for _, want := range []string{run.ID, `"match_code": "123"`, `"imported": ` + fmt.Sprint(r.Imported), `"duplicates": 1`, `"moved": 4`, `"committed": 4`} {
			if !strings.Contains(show, want) {
				t.Errorf("runs show lacks %q:\n%s", want, show)
			}
		}
	})
}

// An import whose server goes away after the first batch was committed
// records the failed run with how many mails were committed: exactly the
// activities stored, which the next run does not import again.
func TestImportMailStoppedMidwayRecordsCommitted(t *testing.T) {
	eachStoreCLI(t, testImportStoppedMidway)
}

func testImportStoppedMidway(t *testing.T, c *storeCLI, st *store.Store) {
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{Users: map[string]string{"info": testPassword}})
	const total = 6
	for i := 0; i < total; i++ {
		srv.Append(t, "info", "INBOX", []byte(fmt.Sprintf("From: kunde%d@kunde.example\r\nTo: info@firma.example\r\nSubject: Frage %d\r\nMessage-ID: <q-%d@kunde.example>\r\n\r\nText %d\r\n", i, i, i, i)))
	}
	proxy := startCuttingProxy(t, srv.Addr, "MOVE")
	c.env["PW"] = testPassword
	c.ok("mailconfig", "set", "123", "--user", "info", "--password-env", "PW", "--imap", proxy, "--imap-security", "none")
	out, errs, code := c.run("import-mail", "123", "--batch", "2")
	if code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	run, rec := importRunOf(t, c, errs)
	acts, err := st.ListActivities(context.Background(), store.ActivityFilter{})
	must(t, err)
	r := rec.Results[0]
	if run.Status != store.RunFailed || r.Error == "" || rec.ErrorClass == "" {
		t.Fatalf("run %+v record %+v", run, rec)
	}
	if r.Committed != len(acts) || r.Committed < 2 || r.Committed >= total || !strings.Contains(r.Summary, fmt.Sprintf("stopped after %d mail(s) were committed", r.Committed)) {
		t.Fatalf("committed %d with %d activities stored: %+v", r.Committed, len(acts), r)
	}
	if !strings.Contains(out, fmt.Sprintf("%d committed", r.Committed)) {
		t.Errorf("summary lacks the committed count:\n%s", out)
	}
	if show := c.ok("runs", "show", run.ID); !strings.Contains(show, fmt.Sprintf(`"committed": %d`, r.Committed)) {
		t.Errorf("runs show lacks the committed count:\n%s", show)
	}
	c.ok("mailconfig", "set", "123", "--imap", srv.Addr)
	_, errs, _ = c.run("import-mail", "123")
	_, rec = importRunOf(t, c, errs)
	if next := rec.Results[0]; next.Imported != total-len(acts) || next.Recovered+next.Duplicates != len(acts) {
		t.Fatalf("next run: %+v", next)
	}
}

// startCuttingProxy forwards TCP connections to target until a client
// sends a command containing word: then it closes every connection, before
// that command reaches the server, and takes no new ones.
func startCuttingProxy(t *testing.T, target, word string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		cut   bool
	)
	cutAll := func() {
		mu.Lock()
		defer mu.Unlock()
		cut = true
		ln.Close()
		for _, c := range conns {
			c.Close()
		}
	}
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			mu.Lock()
			if err != nil || cut {
				mu.Unlock()
				client.Close()
				continue
			}
			conns = append(conns, client, server)
			mu.Unlock()
			go func() { _, _ = io.Copy(client, server) }()
			go forwardUntil(client, server, []byte(word), cutAll)
		}
	}()
	t.Cleanup(cutAll)
	return ln.Addr().String()
}

// forwardUntil copies from client to server until the data holds word.
func forwardUntil(client, server net.Conn, word []byte, cut func()) {
	buf := make([]byte, 32<<10)
	var tail []byte
	for {
		n, err := client.Read(buf)
		if n > 0 {
			seen := append(tail, buf[:n]...)
			if bytes.Contains(bytes.ToUpper(seen), word) {
				cut()
				return
			}
			if _, werr := server.Write(buf[:n]); werr != nil {
				return
			}
			tail = append([]byte(nil), seen[max(0, len(seen)-len(word)):]...)
		}
		if err != nil {
			server.Close()
			return
		}
	}
}
