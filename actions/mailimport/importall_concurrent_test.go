package mailimport_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// silentServer accepts connections and never answers: a mailbox whose
// server hangs.
func silentServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// countingProxy forwards connections to target and records the most
// connections open at the same time.
type countingProxy struct {
	addr  string
	mu    sync.Mutex
	open  int
	peak  int
	conns map[net.Conn]bool
	// idleNow: a connection is in IDLE; idling is signalled when that
	// may have changed
	idleNow bool
	idling  chan struct{}
}

func startCountingProxy(t *testing.T, target string) *countingProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &countingProxy{addr: ln.Addr().String(), conns: map[net.Conn]bool{}, idling: make(chan struct{}, 1)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c, target)
		}
	}()
	return p
}

func (p *countingProxy) forward(c net.Conn, target string) {
	defer c.Close()
	up, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer up.Close()
	p.mu.Lock()
	p.open++
	p.peak = max(p.peak, p.open)
	p.conns[c] = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.open--
		delete(p.conns, c)
		p.mu.Unlock()
	}()
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, &spy{r: c, p: p}); done <- struct{}{} }()
	go func() { io.Copy(c, &spy{r: up, p: p, isServer: true}); done <- struct{}{} }()
	<-done
}

// spy passes one direction of the stream on and tells the proxy what it
// saw: the server confirming IDLE ("+ idling"), or the client talking
// (which ends an IDLE).
type spy struct {
	r        io.Reader
	p        *countingProxy
	isServer bool
}

func (s *spy) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	if n > 0 {
		idling := s.isServer && bytes.Contains(bytes.ToLower(b[:n]), []byte("+ idling"))
		if idling || !s.isServer {
			s.p.setIdling(idling)
		}
	}
	return n, err
}

func (p *countingProxy) setIdling(v bool) {
	p.mu.Lock()
	p.idleNow = v
	p.mu.Unlock()
	select {
	case p.idling <- struct{}{}:
	default:
	}
}

// waitIdling waits until a connection is in IDLE: the server confirmed
// it and the client has sent nothing since.
func (p *countingProxy) waitIdling(t *testing.T) {
	t.Helper()
	deadline := time.After(giveUp)
	for {
		p.mu.Lock()
		now := p.idleNow
		p.mu.Unlock()
		if now {
			return
		}
		select {
		case <-p.idling:
		case <-deadline:
			t.Fatal("no connection went into IDLE")
		}
	}
}

// dropAll closes every connection open now, as a server or a network
// that drops them would.
func (p *countingProxy) dropAll() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	return len(p.conns)
}

func (p *countingProxy) peakOpen() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

// addMailboxes creates n auto-import configurations M00.. on addr, one
// IMAP user each (users must exist on the server), each inbox holding
// perBox mails.
func addMailboxes(t *testing.T, e *env, addr string, n, perBox int) {
	t.Helper()
	for i := range n {
		user := fmt.Sprintf("box%02d", i)
		cfg := &store.MailConfig{MatchCode: fmt.Sprintf("M%02d", i), UserName: user, Password: "pw-" + user,
			IMAPAddr: addr, AutoImport: true}
		if err := e.st.CreateMailConfig(e.ctx, cfg); err != nil {
			t.Fatal(err)
		}
		for j := range perBox {
			e.srv.Append(t, user, "INBOX", simpleMail(muellerAddr, "info@firma.example",
				fmt.Sprintf("%s mail %d", user, j), fmt.Sprintf("%s-%d@x", user, j), "text"))
		}
	}
}

func boxUsers(n int) map[string]string {
	users := map[string]string{imapUser: imapPass}
	for i := range n {
		u := fmt.Sprintf("box%02d", i)
		users[u] = "pw-" + u
	}
	return users
}

// TestImportAllHungServerDelaysNoOther: a configuration whose server
// never answers holds one slot; the others are imported meanwhile, while
// it still hangs.
func TestImportAllHungServerDelaysNoOther(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{Users: boxUsers(4)})
	hung := &store.MailConfig{MatchCode: "HUNG", UserName: "x", Password: "y", IMAPAddr: silentServer(t), AutoImport: true}
	if err := st.CreateMailConfig(e.ctx, hung); err != nil {
		t.Fatal(err)
	}
	addMailboxes(t, e, e.srv.Addr, 4, 3)

	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	summaries := make(chan string, 10)
	done := make(chan error, 1)
	var results []mailimport.Result
	go func() {
		var err error
		results, err = mailimport.ImportAll(ctx, e.deps(), runAsLogin, mailimport.ImportOptions{Parallel: 2,
			Logf: func(format string, args ...any) { summaries <- fmt.Sprintf(format, args...) }})
		done <- err
	}()
	start := time.Now()
	for imported := 0; imported < 4; {
		select {
		case line := <-summaries:
			if strings.Contains(line, "imported") {
				imported++
			}
		case err := <-done:
			t.Fatalf("ImportAll returned before the hung server was given up: %v", err)
		}
	}
	t.Logf("4 mailboxes imported in %s while HUNG still waited for its server", time.Since(start).Round(time.Millisecond))
	if n := len(e.activities()); n != 12 {
		t.Fatalf("%d activities, want 12", n)
	}
	cancel()
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "mail configuration HUNG") {
		t.Fatalf("want HUNG's error, got %v", err)
	}
	if len(results) != 5 {
		t.Errorf("%d results, want 5", len(results))
	}
}

// TestImportAllPerServerLimit: at most PerServer configurations of one
// server are imported at a time (each may open two connections).
func TestImportAllPerServerLimit(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{Users: boxUsers(6)})
	proxy := startCountingProxy(t, e.srv.Addr)
	addMailboxes(t, e, proxy.addr, 6, 20)
	res, err := mailimport.ImportAll(e.ctx, e.deps(), runAsLogin, mailimport.ImportOptions{Parallel: 8, PerServer: 2, BatchSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 6 || len(e.activities()) != 120 {
		t.Fatalf("%d results, %d activities; want 6 and 120", len(res), len(e.activities()))
	}
	for i, r := range res {
		if want := fmt.Sprintf("M%02d", i); r.MatchCode != want {
			t.Errorf("result %d is %s, want %s (configuration order)", i, r.MatchCode, want)
		}
	}
	peak := proxy.peakOpen()
	t.Logf("at most %d connections open at a time", peak)
	if peak == 0 || peak > 2*2 {
		t.Errorf("%d connections open at a time; 2 configurations of 2 connections each allow 4", peak)
	}
}
