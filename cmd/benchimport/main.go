// Command benchimport measures the mail import against a private Dovecot in
// one run: it loads N generated mails into a Maildir, lets Dovecot index
// them, then times (a) a raw IMAP loop that fetches every unseen message
// through mailbox.DialIMAP + FetchStream and discards the bodies, and (b)
// `wfe import-mail` (a separate process, fresh SQLite database or
// PostgreSQL schema) importing
// the same mails. It prints mails/s of both, their ratio and the peak RSS
// of the wfe process. scripts/bench-import.sh builds and runs it.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wfehq/wfe/actions/mailparse"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/mailbox/mailtest"
)

const (
	benchUser     = "bench"
	benchPassword = "bench-password"
	mib           = 1 << 20
)

type options struct {
	sizes       []int // mails per SQLite measurement
	pgSizes     []int // mails per PostgreSQL measurement
	postgres    string
	largeMiB    int
	wfe         string
	compare     string // a second wfe binary, measured against wfe in turn
	rounds      int
	security    string
	largeEvery  int
	batch       int
	keep        bool
	seed        uint64
	wfeProgress bool
}

func main() {
	if len(os.Args) > 3 && os.Args[1] == measureRSSArg {
		os.Exit(measureRSS(os.Args[2], os.Args[3:]))
	}
	var o options
	var sizes, pgSizes string
	flag.StringVar(&sizes, "n", "10000", "number of mails; a comma-separated list measures each size in turn (e.g. 10000,50000)")
	flag.StringVar(&o.postgres, "postgres", "", "also import into PostgreSQL at this postgres:// URL (a fresh schema each time, dropped after)")
	flag.StringVar(&pgSizes, "postgres-n", "10000", "number of mails of the PostgreSQL measurements (comma-separated list)")
	flag.IntVar(&o.largeMiB, "large-mib", 0, "size of the large attachments in MiB (0: 1-5 MiB)")
	flag.StringVar(&o.wfe, "wfe", "wfe", "path of the wfe binary to measure")
	flag.StringVar(&o.compare, "compare", "", "a second wfe binary: each round imports the same mails with both, in alternating order (A/B)")
	flag.IntVar(&o.rounds, "rounds", 1, "measurements of each size on the same loaded mailbox (the mails are moved back between them)")
	flag.StringVar(&o.security, "security", "starttls", "IMAP security for both measurements: none, starttls or tls")
	flag.IntVar(&o.largeEvery, "large-every", 100, "every Nth mail carries a 1-5 MiB attachment (0: none)")
	flag.IntVar(&o.batch, "batch", 0, "wfe import-mail --batch (0: wfe's default)")
	flag.BoolVar(&o.keep, "keep", false, "keep the Dovecot directory and database")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the generated mails")
	flag.BoolVar(&o.wfeProgress, "progress", false, "show wfe's progress on stderr")
	flag.Parse()
	var err error
	if o.rounds < 1 {
		fmt.Fprintln(os.Stderr, "benchimport: -rounds must be at least 1")
		os.Exit(2)
	}
	if o.sizes, err = parseSizes("-n", sizes); err == nil && o.postgres != "" {
		o.pgSizes, err = parseSizes("-postgres-n", pgSizes)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchimport: %v\n", err)
		os.Exit(2)
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintf(os.Stderr, "benchimport: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	sec, err := mailbox.ParseSecurity(o.security)
	if err != nil {
		return err
	}
	if _, err := os.Stat(mailtest.DovecotBinary); err != nil {
		return fmt.Errorf("dovecot is not installed (apt-get install dovecot-imapd): %w", err)
	}
	dir, err := os.MkdirTemp("", "wfe-bench-")
	if err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o711); err != nil { // Dovecot's unprivileged processes pass through it
		return err
	}
	if o.keep {
		fmt.Printf("work directory %s (kept)\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	cases := benchCases(o)
	users := map[string]string{}
	for _, c := range cases {
		users[c.user] = benchPassword
	}
	dc, err := mailtest.StartDovecotDir(filepath.Join(dir, "dovecot"), mailtest.DovecotOptions{Users: users})
	if err != nil {
		return err
	}
	defer dc.Stop()
	ep := mailbox.Endpoint{Addr: dc.Addr, Security: sec, CAFile: dc.CAFile, Timeout: 5 * time.Minute}
	if sec == mailbox.SecurityTLS {
		ep.Addr = dc.TLSAddr
	}
	var sums []string
	for _, c := range cases {
		sum, err := measure(ctx, o, c, dc, dir, ep)
		if err != nil {
			return fmt.Errorf("%s: %w", c.label(), err)
		}
		sums = append(sums, sum)
	}
	if len(sums) > 1 {
		fmt.Println("summary:")
		for _, s := range sums {
			fmt.Println("  " + s)
		}
	}
	return nil
}

// measure loads c's mails into c's mailbox, then times the raw loop and
// wfe's import of them; it returns a one-line summary.
func measure(ctx context.Context, o options, c benchCase, dc *mailtest.Dovecot, dir string, ep mailbox.Endpoint) (string, error) {
	fmt.Printf("== %s\n", c.label())
	start := time.Now()
	st, err := loadMails(dc, c.user, c.n, o)
	if err != nil {
		return "", err
	}
	if _, err := dc.Count(c.user, "INBOX"); err != nil { // Dovecot indexes the Maildir now
		return "", fmt.Errorf("index the mailbox: %w", err)
	}
	fmt.Printf("loaded %d mails (%.1f MiB, average %.1f KiB, %d with a large attachment, largest %.1f MiB) in %s\n",
		c.n, float64(st.bytes)/mib, float64(st.bytes)/float64(c.n)/1024, st.large, float64(st.largest)/mib,
		time.Since(start).Round(time.Millisecond))

	var sums []string
	for round := 1; round <= o.rounds; round++ {
		raw, err := rawLoop(ctx, ep, c.user)
		if err != nil {
			return "", fmt.Errorf("raw IMAP loop: %w", err)
		}
		if raw.n != c.n {
			return "", fmt.Errorf("raw IMAP loop fetched %d of %d mails", raw.n, c.n)
		}
		rawRate := float64(raw.n) / raw.d.Seconds()
		fmt.Printf("raw IMAP fetch   %6d mails in %8s  %8.0f mails/s  (%.0f MiB/s, CPU %.2f s)\n", raw.n, raw.d.Round(time.Millisecond), rawRate,
			float64(raw.bytes)/mib/raw.d.Seconds(), raw.cpu.Seconds())
		bins := []string{o.wfe}
		if o.compare != "" {
			bins = append(bins, o.compare)
			if round%2 == 0 {
				bins[0], bins[1] = bins[1], bins[0]
			}
		}
		for i, bin := range bins {
			if i > 0 {
				if err := dc.MoveBack(c.user, importFolder); err != nil {
					return "", err
				}
			}
			sum, err := measureWFE(ctx, o, bin, c, dc, dir, ep, rawRate, raw.cpu)
			if err != nil {
				return "", err
			}
			sums = append(sums, sum)
		}
		if round < o.rounds {
			if err := dc.MoveBack(c.user, importFolder); err != nil {
				return "", err
			}
		}
	}
	return strings.Join(sums, "\n  "), nil
}

// importFolder is where wfe's default import moves the mails to.
const importFolder = "CRM/Aktivitäten"

// measureWFE times bin's import of c's mails and prints its rate, the
// ratio to the raw loop's rate and its peak RSS.
func measureWFE(ctx context.Context, o options, bin string, c benchCase, dc *mailtest.Dovecot, dir string, ep mailbox.Endpoint,
	rawRate float64, rawCPU time.Duration) (string, error) {
	imp, err := wfeImport(ctx, o, bin, c, dir, ep)
	if err != nil {
		return "", err
	}
	moved, err := dc.Count(c.user, importFolder)
	if err != nil {
		return "", fmt.Errorf("count the import folder: %w", err)
	}
	left, err := dc.Count(c.user, "INBOX")
	if err != nil {
		return "", err
	}
	wfeRate := float64(c.n) / imp.d.Seconds()
	ratio := wfeRate / rawRate
	rss := float64(imp.maxRSS) / mib
	name := "wfe import-mail"
	if o.compare != "" {
		name = bin
	}
	fmt.Printf("%s  %6d mails in %8s  %8.0f mails/s  (peak RSS %.1f MiB, CPU %.2f s)\n", name, c.n, imp.d.Round(time.Millisecond), wfeRate, rss,
		imp.cpu.Seconds())
	fmt.Printf("import folder %d mails, INBOX %d left\n", moved, left)
	fmt.Printf("ratio wfe/raw    %.2f  (target >= %.2f: %s)\n", ratio, c.ratioGoal, verdict(ratio >= c.ratioGoal))
	fmt.Printf("peak RSS         %.1f MiB  (target <= %d MiB: %s)\n", rss, rssGoalMiB, verdict(imp.maxRSS <= rssGoalMiB*mib))
	if int(moved) != c.n || left != 0 {
		return "", fmt.Errorf("wfe import-mail moved %d of %d mails, %d left in INBOX", moved, c.n, left)
	}
	label := c.label()
	if o.compare != "" {
		label += " " + filepath.Base(filepath.Dir(bin)) + "/" + filepath.Base(bin)
	}
	return fmt.Sprintf("%-28s raw %6.0f mails/s  wfe %6.0f mails/s  ratio %.2f  peak RSS %5.1f MiB  CPU raw %.1f s, wfe %.1f s",
		label, rawRate, wfeRate, ratio, rss, rawCPU.Seconds(), imp.cpu.Seconds()), nil
}

// rssGoalMiB is the peak RSS wfe's import must stay within, whatever the
// number of mails and the size of their attachments.
const rssGoalMiB = 48

// benchCase is one measurement: n mails in the mailbox of user, imported
// into SQLite or (postgres) PostgreSQL.
type benchCase struct {
	n         int
	user      string
	postgres  bool
	ratioGoal float64
}

func (c benchCase) label() string {
	db := "SQLite"
	if c.postgres {
		db = "PostgreSQL"
	}
	return fmt.Sprintf("%d mails into %s", c.n, db)
}

// benchCases lists the measurements of o, each with a mailbox of its own
// in the same Dovecot.
func benchCases(o options) []benchCase {
	var cases []benchCase
	for _, n := range o.sizes {
		cases = append(cases, benchCase{n: n, ratioGoal: 0.8})
	}
	for _, n := range o.pgSizes {
		cases = append(cases, benchCase{n: n, postgres: true, ratioGoal: 0.7})
	}
	for i := range cases {
		cases[i].user = fmt.Sprintf("%s%d", benchUser, i+1)
	}
	return cases
}

func parseSizes(flagName, list string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s %q: %q is not a number of mails of at least 1", flagName, list, f)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

type loadStats struct {
	bytes, largest int64
	large          int
}

// loadMails writes the generated mails into the Maildir in chunks, so the
// loader never holds more than a chunk.
func loadMails(dc *mailtest.Dovecot, user string, n int, o options) (loadStats, error) {
	var st loadStats
	rng := rand.New(rand.NewPCG(o.seed, 0x77666562))
	const chunk = 200
	var raws [][]byte
	for i := 0; i < n; i++ {
		var raw []byte
		if o.largeEvery > 0 && i%o.largeEvery == o.largeEvery-1 {
			size := int64(1*mib) + rng.Int64N(4*mib) + int64(i) // distinct sizes: distinct mails
			if o.largeMiB > 0 {
				size = int64(o.largeMiB)*mib + int64(i)
			}
			var b bytes.Buffer
			if err := mailparse.GenerateLargeMail(&b, size); err != nil {
				return st, err
			}
			raw = b.Bytes()
			st.large++
			st.largest = max(st.largest, size)
		} else {
			raw = benchMail(rng, i)
		}
		st.bytes += int64(len(raw))
		raws = append(raws, raw)
		if len(raws) == chunk || i == n-1 || (o.largeMiB > 0 && len(raw) > mib) {
			if err := dc.WriteMaildir(user, raws); err != nil {
				return st, err
			}
			raws = raws[:0]
		}
	}
	return st, nil
}

var senders = []string{
	`Juergen Mueller <j.mueller@kunde-mueller.example>`,
	`Petra Schmidt <p.schmidt@lieferant-schmidt.example>`,
	`Klaus Meier <k.meier@kunde-meier.example>`,
	`"Müller, Jürgen" <j.mueller@kunde-mueller.example>`,
	`Support <support@partner.example>`,
}

const loremWords = "Guten Tag bitte senden Sie uns ein Angebot für den Wartungsvertrag unserer Druckerflotte " +
	"Lieferung Bestellung Rechnung Termin Rückfrage Standort Köln Grüße Ansprechpartner Preis Menge Artikel"

// benchMail is a business mail of 1-22 KiB (with the 1% large mails the
// average is about 35 KiB): plain text, or a
// multipart/mixed with a small base64 attachment every third mail.
func benchMail(rng *rand.Rand, i int) []byte {
	words := strings.Fields(loremWords)
	var body strings.Builder
	target := 1024 + rng.IntN(8*1024)
	for body.Len() < target {
		body.WriteString(words[rng.IntN(len(words))])
		if rng.IntN(12) == 0 {
			body.WriteString(".\r\n")
		} else {
			body.WriteByte(' ')
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: info@firma.example\r\nSubject: Vorgang %d: Anfrage\r\n"+
		"Date: Mon, 04 Mar 2024 %02d:%02d:00 +0100\r\nMessage-ID: <bench-%d@firma.example>\r\nMIME-Version: 1.0\r\n",
		senders[i%len(senders)], i, 8+i%10, i%60, i)
	if i%3 != 0 {
		fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n", body.String())
		return b.Bytes()
	}
	const boundary = "bench-boundary"
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"+
		"--%s\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"Angebot-%d.pdf\"\r\n"+
		"Content-Transfer-Encoding: base64\r\n\r\n", boundary, boundary, body.String(), boundary, i)
	att := make([]byte, 2048+rng.IntN(8*1024))
	for k := range att {
		att[k] = byte(rng.IntN(256))
	}
	writeBase64Lines(&b, att)
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

func writeBase64Lines(b *bytes.Buffer, data []byte) {
	const line = 57 // 76 base64 characters
	enc := make([]byte, 76)
	for len(data) > 0 {
		n := min(line, len(data))
		base64.StdEncoding.Encode(enc, data[:n])
		b.Write(enc[:base64.StdEncoding.EncodedLen(n)])
		b.WriteString("\r\n")
		data = data[n:]
	}
}

type rawResult struct {
	n     int
	bytes int64
	d     time.Duration
	cpu   time.Duration // of this process during the loop
}

// rawLoop is the baseline: log in, select INBOX, search the unseen UIDs
// and stream every message, discarding the bodies.
func rawLoop(ctx context.Context, ep mailbox.Endpoint, user string) (rawResult, error) {
	var r rawResult
	start, cpu := time.Now(), ownCPU()
	c, err := mailbox.DialIMAP(ctx, ep, mailbox.Auth{Username: user, Password: benchPassword})
	if err != nil {
		return r, err
	}
	defer c.Close()
	if _, err := c.Select(ctx, "INBOX"); err != nil {
		return r, err
	}
	uids, err := c.SearchUnseen(ctx, time.Time{})
	if err != nil {
		return r, err
	}
	err = c.FetchStream(ctx, uids, func(m *mailbox.Message) error {
		n, err := io.Copy(io.Discard, m.Body)
		r.bytes += n
		r.n++
		return err
	})
	r.d = time.Since(start)
	err = errors.Join(err, c.Logout(ctx))
	r.cpu = ownCPU() - cpu
	return r, err
}

// ownCPU is the CPU time (user and system) this process has used.
func ownCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type importResult struct {
	d      time.Duration
	maxRSS int64 // bytes
	cpu    time.Duration
}

// wfeImport configures a fresh database with `wfe mailconfig set` and
// times `wfe import-mail` as a child process.
func wfeImport(ctx context.Context, o options, bin string, c benchCase, dir string, ep mailbox.Endpoint) (importResult, error) {
	var r importResult
	db, err := newDatabase(ctx, o, c, dir)
	if err != nil {
		return r, err
	}
	defer db.drop()
	env := append(os.Environ(), "BENCH_IMAP_PASSWORD="+benchPassword, "WFE_BLOB_DIR="+db.blobDir, "WFE_SECRET_KEY="+benchSecretKey)
	for _, args := range [][]string{{"init"}, {"mailconfig", "set", "BENCH", "--user", c.user,
		"--password-env", "BENCH_IMAP_PASSWORD", "--imap", ep.Addr, "--imap-security", string(ep.Security), "--ca-file", ep.CAFile}} {
		cmd := exec.CommandContext(ctx, bin, append([]string{"--db", db.dsn}, args...)...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			return r, fmt.Errorf("wfe %s: %w\n%s", args[0], err, out)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return r, err
	}
	rssFile := filepath.Join(dir, "wfe-maxrss")
	args := []string{measureRSSArg, rssFile, bin, "--db", db.dsn, "import-mail", "BENCH"}
	if o.batch > 0 {
		args = append(args, "--batch", fmt.Sprint(o.batch))
	}
	if p := os.Getenv("WFE_BENCH_CPUPROFILE"); p != "" {
		args = append(args, "--cpuprofile", p)
	}
	if p := os.Getenv("WFE_BENCH_MEMPROFILE"); p != "" {
		args = append(args, "--memprofile", p)
	}
	if o.wfeProgress {
		args = append(args, "--progress")
	}
	imp := exec.CommandContext(ctx, self, args...)
	imp.Env = env
	var out bytes.Buffer
	imp.Stdout = &out
	imp.Stderr = os.Stderr
	start := time.Now()
	err = imp.Run()
	r.d = time.Since(start)
	if err != nil {
		return r, fmt.Errorf("wfe import-mail: %w\n%s", err, out.String())
	}
	fmt.Print("wfe: ", out.String())
	data, err := os.ReadFile(rssFile)
	if err != nil {
		return r, fmt.Errorf("peak RSS of wfe: %w", err)
	}
	if _, err := fmt.Sscan(string(data), &r.maxRSS, &r.cpu); err != nil {
		return r, fmt.Errorf("peak RSS of wfe in %s: %w", rssFile, err)
	}
	return r, nil
}

// measureRSSArg makes benchimport a small launcher: it runs the command
// and writes the command's peak RSS (bytes) and CPU time (user and
// system, nanoseconds) into a file. Linux charges a
// process started directly by this (large) process with this process's
// peak RSS (the exec inherits the forking memory's high-water mark); the
// launcher's own memory is smaller than wfe's, so wfe's figure is its own.
const measureRSSArg = "-measure-rss"

func measureRSS(file string, args []string) int {
	c := exec.Command(args[0], args[1:]...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := c.Run()
	if c.ProcessState == nil {
		fmt.Fprintf(os.Stderr, "benchimport: %v\n", err)
		return 1
	}
	if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
		cpu := ru.Utime.Nano() + ru.Stime.Nano()
		if werr := os.WriteFile(file, []byte(fmt.Sprint(ru.Maxrss*1024, cpu)), 0o600); werr != nil { // kilobytes on Linux
			fmt.Fprintf(os.Stderr, "benchimport: %v\n", werr)
			return 1
		}
	}
	return c.ProcessState.ExitCode()
}
