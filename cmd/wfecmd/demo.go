package wfecmd

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/mailbox/mailserver"
	"github.com/wfehq/wfe/store"
)

// demoMails are sample mails of the demo company "firma.example": customers
// Kunde Müller and Kunde Meier, supplier Lieferant Schmidt (a selection of
// testdata/mails).
//
//go:embed demomail/*.eml
var demoMails embed.FS

// The demo's fixed names.
const (
	demoMatchCode = "123" // as in the CRM documentation's example workflow
	demoMailbox   = "info@firma.example"
	demoRunAs     = "demo"
	demoWorkflow  = "ImportMails"
)

// demo is one run of `wfe demo`: a private database, an in-process IMAP
// server holding the sample mails, and the shipped ImportMails workflow.
// Each step is a method so further demos (the BCC importer) can reuse
// them.
type demo struct {
	env      *Env // the demo's own environment (its database)
	out      *stickyWriter
	dir      string
	st       *store.Store
	imap     *mailserver.IMAPServer
	password string
	mails    int
	keep     bool // the database stays in dir (--keep)
	wide     bool // listings print whole values (--wide)
}

func init() {
	var keep string
	root.Add(&Command{
		Name:    "demo",
		Short:   "import sample mails into a throw-away CRM, sync contacts and appointments, show it",
		Example: "wfe demo\nwfe demo --keep ./demo",
		Long: `demo shows wfe at work without any setup or network: it creates a temporary
SQLite database with a secret key, starts an IMAP server in this process
holding a dozen sample mails for info@firma.example, creates employees,
business partners and contacts that match the mails, a mail configuration
with match code "123" (as in the CRM documentation's example) that points at the
server, and runs the shipped workflow ImportMails as the employee "demo". It
prints the activities created and where the mails went.

Then it syncs the CRM's contacts with Anna's address book on a
CardDAV/CalDAV server in this process (rule demo-contacts), changes one
contact on each side, and shows the preview of the next run and its result;
and it syncs Anna's meetings and appointments with her calendar there (rule
demo-calendar): a weekly meeting and an all-day appointment go to the
calendar, an event another client put into it comes back as a TERMIN.

The database is removed at the end unless --keep DIR is given; then it
stays in DIR (wfe.db, its key file and blobs) for 'wfe --db DIR/wfe.db
activity list' and friends.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&keep, "keep", "", "keep the demo database in `DIR` (created when missing)")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("demo takes no arguments")
			}
			d, err := newDemo(ctx, env, keep)
			if err != nil {
				return quietWhenReaderGone(err)
			}
			defer d.close()
			for _, part := range []func(context.Context) error{d.runImport, d.runBCC, d.runSync} {
				if err := d.out.stopErr(); err != nil {
					return quietWhenReaderGone(err)
				}
				if err := part(ctx); err != nil {
					return err
				}
			}
			return quietWhenReaderGone(d.out.stopErr())
		},
	})
}

// newDemo prepares database, server and CRM data.
func newDemo(ctx context.Context, env *Env, keep string) (_ *demo, err error) {
	d := &demo{out: &stickyWriter{w: env.Stdout}, password: store.GenerateSecretKey(), wide: env.Wide}
	if keep == "" {
		if d.dir, err = os.MkdirTemp("", "wfe-demo-"); err != nil {
			return nil, err
		}
	} else {
		if err := os.MkdirAll(keep, 0o755); err != nil {
			return nil, err
		}
		if _, err := os.Stat(filepath.Join(keep, "wfe.db")); err == nil {
			return nil, fmt.Errorf("--keep %s: the directory already holds a wfe.db; choose an empty directory", keep)
		}
		d.dir, d.keep = keep, true
	}
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	for _, step := range []func(context.Context, *Env) error{d.openStore, d.startServer, d.loadMails, d.createCRM, d.createMailConfig} {
		if err := step(ctx, env); err != nil {
			return nil, err
		}
		if err := d.out.stopErr(); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *demo) close() {
	if d.env != nil {
		d.env.close()
	}
	if d.imap != nil {
		d.imap.Close()
	}
	if !d.keep {
		os.RemoveAll(d.dir)
	}
}

// openStore creates the database; its secret key goes into the key file
// beside it (the environment's WFE_SECRET_KEY is not used, so the demo
// never touches the user's keys). The shipped workflows are installed.
func (d *demo) openStore(ctx context.Context, env *Env) error {
	d.env = &Env{Stdin: env.Stdin, Stdout: env.Stdout, Stderr: env.Stderr, DB: filepath.Join(d.dir, "wfe.db"),
		Getenv: func(string) string { return "" }, createDB: true}
	st, err := d.env.Store(ctx)
	if err != nil {
		return err
	}
	d.st = st
	fmt.Fprintf(d.out, "database      %s (SQLite, secrets encrypted with a new key)\n", d.env.DB)
	return nil
}

func (d *demo) startServer(context.Context, *Env) error {
	srv, err := mailserver.NewIMAPServer(mailserver.IMAPOptions{Users: map[string]string{demoMailbox: d.password}})
	if err != nil {
		return fmt.Errorf("start the demo IMAP server: %w", err)
	}
	d.imap = srv
	fmt.Fprintf(d.out, "IMAP server   %s (in this process), mailbox %s\n", srv.Addr, demoMailbox)
	return nil
}

func (d *demo) loadMails(context.Context, *Env) error {
	files, err := fs.Glob(demoMails, "demomail/*.eml")
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		raw, err := demoMails.ReadFile(f)
		if err != nil {
			return err
		}
		if err := d.imap.AppendMessage(demoMailbox, "INBOX", raw); err != nil {
			return fmt.Errorf("load %s: %w", f, err)
		}
	}
	d.mails = len(files)
	fmt.Fprintf(d.out, "INBOX         %d unseen sample mails\n", d.mails)
	return nil
}

// createCRM adds the employees, business partners, contacts, a ticket and
// the internal domain the sample mails refer to.
func (d *demo) createCRM(ctx context.Context, _ *Env) error {
	st := d.st
	for _, e := range []store.Employee{
		{Login: demoRunAs, Name: "Demo Administrator", Email: "demo@firma.example"},
		{Login: "anna", Name: "Anna Schmidt", Email: "anna.schmidt@firma.example"},
		{Login: "thomas", Name: "Thomas Weber", Email: "thomas.weber@firma.example"},
	} {
		if err := st.CreateEmployee(ctx, &e); err != nil {
			return err
		}
	}
	partners := []struct {
		name, role string
		contacts   []store.Contact
	}{
		{"Kunde Müller GmbH", "Kunde", []store.Contact{{FirstName: "Jürgen", LastName: "Müller", Email: "j.mueller@kunde-mueller.example"}}},
		{"Kunde Meier AG", "Kunde", []store.Contact{{FirstName: "Klaus", LastName: "Meier", Email: "k.meier@kunde-meier.example"}}},
		{"Lieferant Schmidt KG", "Lieferant", []store.Contact{{FirstName: "Petra", LastName: "Schmidt", Email: "p.schmidt@lieferant-schmidt.example", Fax: "+49 221 555 0199"}}},
	}
	nContacts := 0
	for _, p := range partners {
		bp := &store.BusinessPartner{Name: p.name, Roles: store.StringList{p.role}}
		if err := st.CreatePartner(ctx, bp); err != nil {
			return err
		}
		for _, c := range p.contacts {
			c.PartnerID = bp.ID
			if err := st.CreateContact(ctx, &c); err != nil {
				return err
			}
			nContacts++
		}
	}
	if err := st.CreateTicket(ctx, &store.Ticket{Number: "2024-00042", Subject: "Druckerproblem"}); err != nil {
		return err
	}
	if err := st.SetSetting(ctx, "internal-domains", "firma.example"); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "CRM           3 employees, %d business partners, %d contacts, internal domain firma.example\n", len(partners), nContacts)
	return nil
}

func (d *demo) createMailConfig(ctx context.Context, _ *Env) error {
	cfg := &store.MailConfig{MatchCode: demoMatchCode, UserName: demoMailbox, Password: d.password,
		IMAPAddr: d.imap.Addr, IMAPSecurity: d.imap.Security, DisplayName: "Firma Info"}
	if err := d.st.CreateMailConfig(ctx, cfg); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "mail config   %s: %s on %s, import folder %q\n", cfg.MatchCode, cfg.UserName, cfg.IMAPAddr, cfg.ImportFolder)
	return nil
}

// runImport activates ImportMails, runs it as the demo employee and shows
// what it did.
func (d *demo) runImport(ctx context.Context) error {
	if err := d.st.SetWorkflowActive(ctx, demoWorkflow, true); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\n$ wfe run %s --as %s\n", demoWorkflow, demoRunAs)
	start := time.Now()
	rec, err := runWorkflow(ctx, d.env, d.st, demoWorkflow, engine.RunOptions{RunAs: demoRunAs, Trigger: "demo"})
	if rec != nil {
		printRunRecord(d.out, rec)
	}
	if err != nil {
		return err
	}
	n, err := d.printActivities(ctx)
	if err != nil {
		return err
	}
	if err := d.printFolders(ctx); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\n%d sample mails, %d activities, %s.\n", d.mails, n, time.Since(start).Round(time.Millisecond))
	if d.keep {
		fmt.Fprintf(d.out, "The database stays in %s; try: wfe --db %s activity list\n", d.dir, d.env.DB)
	}
	return nil
}

func (d *demo) printActivities(ctx context.Context) (int, error) {
	acts, err := d.st.ListActivities(ctx, store.ActivityFilter{})
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(d.out, "\nActivities created (%d):\n", len(acts))
	t := newTable("ID", "TYPE", "STATUS", "SENDER", "SUBJECT", "CONTACTS", "DOCUMENTS").keepWhole("ID").freeText("SENDER", "SUBJECT", "CONTACTS")
	for _, a := range acts {
		t.row(a.ID, a.Type, a.Status, dash(a.Sender), a.Subject, dash(strings.Join(a.ContactEmails, ",")), a.DocumentCount)
	}
	return len(acts), t.print(d.out, d.wide)
}

// printFolders shows where the mails went, read over IMAP like any client.
func (d *demo) printFolders(ctx context.Context) error {
	cfg, err := d.st.MailConfigByMatchCode(ctx, demoMatchCode)
	if err != nil {
		return err
	}
	ep := mailbox.Endpoint{Addr: cfg.IMAPAddr, Security: mailbox.Security(cfg.IMAPSecurity)}
	c, err := mailbox.DialIMAP(ctx, ep, mailbox.Auth{Username: cfg.UserName, Password: cfg.Password})
	if err != nil {
		return err
	}
	defer c.Close()
	folders, err := c.ListFolders(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(d.out, "\nMailbox folders:")
	for _, f := range folders {
		s, err := c.Status(ctx, f.Name)
		if err != nil {
			return err
		}
		note := ""
		switch {
		case f.Name == "INBOX" && s.Messages == 0:
			note = " (empty: every mail was imported)"
		case f.Name == cfg.ImportFolder:
			note = " (imported mail)"
		case f.Name == cfg.ErrorFolder:
			note = " (mail that could not be imported)"
		}
		fmt.Fprintf(d.out, "  %-20s %3d mail(s)%s\n", f.Name, s.Messages, note)
	}
	return c.Logout(ctx)
}

// stickyWriter keeps the first write error (a closed pipe), so the demo
// stops after the step that met it and still removes its directory.
type stickyWriter struct {
	w   io.Writer
	err error
}

// stopErr is nil while every write succeeded, else an error saying the
// demo stopped because its output cannot be written.
func (s *stickyWriter) stopErr() error {
	if s.err == nil {
		return nil
	}
	return fmt.Errorf("demo stopped: its output cannot be written: %w", s.err)
}

// quietWhenReaderGone drops err when the output is a pipe whose reader has
// gone (`wfe demo | head -1`): the reader asked for no more, so the demo
// cleans up and ends with status 0 and nothing on stderr, as a shell tool
// ignoring SIGPIPE would.
func quietWhenReaderGone(err error) error {
	if errors.Is(err, syscall.EPIPE) {
		return nil
	}
	return err
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.err = err
	return n, err
}
