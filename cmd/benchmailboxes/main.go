// Command benchmailboxes measures the import of many mailboxes at once: a
// private Dovecot holds -boxes mailboxes of -n mails each; every mailbox
// is first imported alone (one after the other), then all are filled
// again and imported together by mailimport.ImportAll with -parallel and
// -per-server. It prints the time of each single import, the slowest, the
// time of all together and the ratio of the two (goal: at most 1.5). The
// figures are printed, not judged; scripts/bench-mailboxes.sh runs it.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
)

type options struct {
	boxes, n            int
	parallel, perServer int
	security            string
	keep                bool
}

func main() {
	var o options
	flag.IntVar(&o.boxes, "boxes", 20, "number of mailboxes")
	flag.IntVar(&o.n, "n", 1000, "mails per mailbox")
	flag.IntVar(&o.parallel, "parallel", 0, "configurations imported at a time (0 = one per mailbox)")
	flag.IntVar(&o.perServer, "per-server", 0, "configurations of the one server imported at a time (0 = one per mailbox)")
	flag.StringVar(&o.security, "security", "starttls", "IMAP transport security: none, starttls or tls")
	flag.BoolVar(&o.keep, "keep", false, "keep the working directory")
	flag.Parse()
	if o.boxes < 1 || o.n < 1 {
		fmt.Fprintln(os.Stderr, "benchmailboxes: -boxes and -n must be at least 1")
		os.Exit(2)
	}
	if o.parallel == 0 {
		o.parallel = o.boxes
	}
	if o.perServer == 0 {
		o.perServer = o.boxes
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "benchmailboxes:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "wfe-benchmailboxes-")
	if err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o711); err != nil { // Dovecot's unprivileged processes pass through it
		return err
	}
	if o.keep {
		fmt.Println("working directory", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	users := map[string]string{}
	for i := range o.boxes {
		users[boxUser(i)] = "pw-" + boxUser(i)
	}
	dc, err := mailtest.StartDovecotDir(filepath.Join(dir, "dovecot"), mailtest.DovecotOptions{Users: users})
	if err != nil {
		return fmt.Errorf("start dovecot: %w", err)
	}
	defer dc.Stop()
	st, err := openStore(ctx, filepath.Join(dir, "wfe.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := addConfigs(ctx, st, dc, o); err != nil {
		return err
	}
	fmt.Printf("%d mailboxes of %d mails, Dovecot over %s into SQLite, %d CPUs\n", o.boxes, o.n, o.security, runtime.NumCPU())
	aloneCPU := &cpuMeter{}
	turns0 := st.WriteTurns()
	slowest, sum, err := importAlone(ctx, st, dc, o, dir, aloneCPU)
	if err != nil {
		return err
	}
	turns1 := st.WriteTurns()
	together, cpu, err := importTogether(ctx, st, dc, o, dir)
	if err != nil {
		return err
	}
	turns2 := st.WriteTurns()
	fmt.Printf("slowest mailbox alone: %s; all alone one after the other: %s\n", slowest.Round(time.Millisecond), sum.Round(time.Millisecond))
	fmt.Printf("all %d together (--parallel %d, per server %d): %s, %.0f mails/s\n", o.boxes, o.parallel, o.perServer,
		together.Round(time.Millisecond), float64(o.boxes*o.n)/together.Seconds())
	fmt.Printf("ratio together/slowest alone: %.2f (goal <= 1.5)\n", together.Seconds()/slowest.Seconds())
	printCPUBound(aloneCPU, cpu, slowest)
	fmt.Printf("SQLite writer held alone: %s in %d turns (all mailboxes); together: %s of %s in %d turns, writers waited %s in all\n",
		(turns1.Held - turns0.Held).Round(time.Millisecond), turns1.Turns-turns0.Turns,
		(turns2.Held - turns1.Held).Round(time.Millisecond), together.Round(time.Millisecond), turns2.Turns-turns1.Turns,
		(turns2.Waited - turns1.Waited).Round(time.Millisecond))
	writer := turns1.Held - turns0.Held
	fmt.Printf("single-writer lower limit of the time together (the writer's time alone): %s, ratio >= %.2f\n",
		writer.Round(time.Millisecond), writer.Seconds()/slowest.Seconds())
	return nil
}

// printCPUBound prints the CPU time of the imports alone and together and
// the lower bound it sets: all mailboxes together cannot take less than
// the CPU time of the imports alone spread over every CPU of the machine.
func printCPUBound(alone, together *cpuMeter, slowest time.Duration) {
	cpus := runtime.NumCPU()
	bound := alone.total() / time.Duration(cpus)
	fmt.Printf("CPU of the imports alone: importer %.2f s, Dovecot %.2f s; together: importer %.2f s, Dovecot %.2f s\n",
		alone.ownUsed.Seconds(), alone.dcUsed.Seconds(), together.ownUsed.Seconds(), together.dcUsed.Seconds())
	fmt.Printf("CPU-bound lower limit of the time together on %d CPUs: %s, ratio >= %.2f\n",
		cpus, bound.Round(time.Millisecond), bound.Seconds()/slowest.Seconds())
}

func boxUser(i int) string { return fmt.Sprintf("box%02d", i) }

func openStore(ctx context.Context, path string) (*store.Store, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return store.Open(ctx, path, store.WithSecretKey(base64.StdEncoding.EncodeToString(key)))
}

func addConfigs(ctx context.Context, st *store.Store, dc *mailtest.Dovecot, o options) error {
	addr := dc.Addr
	if o.security == "tls" {
		addr = dc.TLSAddr
	}
	for i := range o.boxes {
		cfg := &store.MailConfig{MatchCode: fmt.Sprintf("BOX%02d", i), UserName: boxUser(i), Password: "pw-" + boxUser(i),
			IMAPAddr: addr, IMAPSecurity: o.security, CAFile: dc.CAFile, AutoImport: true}
		if err := st.CreateMailConfig(ctx, cfg); err != nil {
			return err
		}
	}
	return nil
}

// fill appends n mails to the inbox of mailbox box; round makes their
// Message-IDs differ from an earlier fill.
func fill(dc *mailtest.Dovecot, box, n, round int) error {
	raws := make([][]byte, n)
	for j := range raws {
		raws[j] = []byte(fmt.Sprintf("From: kunde%d@example.com\r\nTo: %s@firma.example\r\nSubject: Anfrage %d/%d\r\n"+
			"Message-ID: <r%d-b%d-m%d@example.com>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0100\r\n"+
			"Content-Type: text/plain; charset=utf-8\r\n\r\nBitte um ein Angebot, Nummer %d.\r\n",
			j, boxUser(box), box, j, round, box, j, j))
	}
	return dc.AppendMany(boxUser(box), "INBOX", raws)
}

func deps(st *store.Store, dir string) mailimport.Deps {
	return mailimport.Deps{Store: st, TempDir: dir, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))}
}

// importAlone imports every mailbox on its own and returns the slowest
// time and the sum of all; cpu sums the CPU time of the imports.
func importAlone(ctx context.Context, st *store.Store, dc *mailtest.Dovecot, o options, dir string, cpu *cpuMeter) (slowest, sum time.Duration, err error) {
	for i := range o.boxes {
		if err := fill(dc, i, o.n, 1); err != nil {
			return 0, 0, err
		}
		start, used := time.Now(), startCPU(filepath.Join(dir, "dovecot"))
		res, err := mailimport.ImportAll(ctx, deps(st, dir), "", mailimport.ImportOptions{MatchCode: fmt.Sprintf("BOX%02d", i)})
		took := time.Since(start)
		used.stop()
		cpu.ownUsed += used.ownUsed
		cpu.dcUsed += used.dcUsed
		if err != nil {
			return 0, 0, err
		}
		if res[0].Imported != o.n {
			return 0, 0, fmt.Errorf("mailbox %d alone: %d imported, want %d", i, res[0].Imported, o.n)
		}
		fmt.Printf("  mailbox %s alone: %s (CPU: importer %.2f s, Dovecot %.2f s)\n", boxUser(i), took.Round(time.Millisecond),
			used.ownUsed.Seconds(), used.dcUsed.Seconds())
		slowest = max(slowest, took)
		sum += took
	}
	return slowest, sum, nil
}

// importTogether fills every mailbox again and imports all at once,
// returning the time and the CPU time of the import.
func importTogether(ctx context.Context, st *store.Store, dc *mailtest.Dovecot, o options, dir string) (time.Duration, *cpuMeter, error) {
	for i := range o.boxes {
		if err := fill(dc, i, o.n, 2); err != nil {
			return 0, nil, err
		}
	}
	start, cpu := time.Now(), startCPU(filepath.Join(dir, "dovecot"))
	res, err := mailimport.ImportAll(ctx, deps(st, dir), "", mailimport.ImportOptions{Parallel: o.parallel, PerServer: o.perServer})
	took := time.Since(start)
	cpu.stop()
	if err != nil {
		return 0, nil, err
	}
	total := 0
	for _, r := range res {
		total += r.Imported
	}
	if total != o.boxes*o.n {
		return 0, nil, fmt.Errorf("together: %d imported, want %d", total, o.boxes*o.n)
	}
	return took, cpu, nil
}
