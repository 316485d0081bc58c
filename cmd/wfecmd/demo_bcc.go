package wfecmd

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox/mailserver"
	"github.com/wfehq/wfe/store"
)

// demoBCCMails are copies employees sent with the collector mailbox in BCC
// (a selection of testdata/mails).
//
//go:embed demobcc/*.eml
var demoBCCMails embed.FS

const (
	demoBCCMailbox  = "bcc-import@firma.example"
	demoBCCWorkflow = "WKF_ImportMailsByBCC"
)

// runBCC is the Postfach-Manager part of `wfe demo`: a BCCIMPORTER mail
// configuration on a second in-process mailbox holding BCC copies, the
// shipped WKF_ImportMailsByBCC run as the demo employee, the activities
// it created and the match explanation of one of them.
func (d *demo) runBCC(ctx context.Context) error {
	srv, err := mailserver.NewIMAPServer(mailserver.IMAPOptions{Users: map[string]string{demoBCCMailbox: d.password}})
	if err != nil {
		return fmt.Errorf("start the demo BCC mailbox: %w", err)
	}
	defer srv.Close()
	files, err := fs.Glob(demoBCCMails, "demobcc/*.eml")
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		raw, err := demoBCCMails.ReadFile(f)
		if err != nil {
			return err
		}
		if err := srv.AppendMessage(demoBCCMailbox, "INBOX", raw); err != nil {
			return fmt.Errorf("load %s: %w", f, err)
		}
	}
	cfg := &store.MailConfig{MatchCode: "BCCIMPORTER", UserName: demoBCCMailbox, Password: d.password,
		IMAPAddr: srv.Addr, IMAPSecurity: srv.Security, DisplayName: "BCC-Import"}
	if err := d.st.CreateMailConfig(ctx, cfg); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\nPostfach-Manager: %d mails sent by employees with %s in BCC\n", len(files), demoBCCMailbox)
	fmt.Fprintf(d.out, "mail config   %s: %s on %s\n", cfg.MatchCode, cfg.UserName, cfg.IMAPAddr)
	if err := d.st.SetWorkflowActive(ctx, demoBCCWorkflow, true); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\n$ wfe run %s --as %s\n", demoBCCWorkflow, demoRunAs)
	rec, err := runWorkflow(ctx, d.env, d.st, demoBCCWorkflow, engine.RunOptions{RunAs: demoRunAs, Trigger: "demo"})
	if rec != nil {
		printRunRecord(d.out, rec)
	}
	if err != nil {
		return err
	}
	acts, err := d.st.ListActivities(ctx, store.ActivityFilter{MailConfigID: cfg.ID})
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\nBCC activities (%d):\n", len(acts))
	t := newTable("ID", "TYPE", "STATUS", "SENDER", "SUBJECT", "CONTACTS").keepWhole("ID").freeText("SENDER", "SUBJECT", "CONTACTS")
	for _, a := range acts {
		t.row(a.ID, a.Type, a.Status, dash(a.Sender), a.Subject, dash(strings.Join(a.ContactEmails, ",")))
	}
	if err := t.print(d.out, d.wide); err != nil {
		return err
	}
	if len(acts) == 0 {
		return nil
	}
	// the one with the most recipients explains the most
	pick := acts[0]
	for _, a := range acts {
		if len(a.To)+len(a.Cc) > len(pick.To)+len(pick.Cc) {
			pick = a
		}
	}
	fmt.Fprintf(d.out, "\n$ wfe activity show %d   (match explanation)\n", pick.ID)
	for _, l := range pick.MatchExplanation {
		fmt.Fprintf(d.out, "  %s\n", l)
	}
	return nil
}
