package wfecmd

import (
	"context"
	"fmt"
	"sort"

	"github.com/emersion/go-vcard"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/cmd/wfecmd/demodav"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/syncstate"
)

const (
	demoSyncRule   = "demo-contacts"
	demoSyncConfig = "DEMO-DAV"
	demoSyncLogin  = "anna"
)

// runSync is the groupware sync part of `wfe demo`: the CRM's contacts
// synced with Anna's address book on an in-process CardDAV server; then
// one change on each side, the preview of the next run, and the run.
func (d *demo) runSync(ctx context.Context) error {
	srv, err := demodav.Start()
	if err != nil {
		return fmt.Errorf("start the demo CardDAV server: %w", err)
	}
	defer srv.Close()
	if err := d.setUpSync(ctx, srv.URL); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\nGroupware sync: the CRM's contacts and %s's address book on a CardDAV server at %s (in this process)\n", demoSyncLogin, srv.URL)
	fmt.Fprintf(d.out, "$ wfe sync rule add %s --for user:%s --master crm\n", demoSyncRule, demoSyncLogin)
	for _, preview := range []bool{true, false} {
		if err := d.syncRuleStep(ctx, demoSyncRule, preview); err != nil {
			return err
		}
	}
	if err := d.changeBothSides(ctx, srv); err != nil {
		return err
	}
	for _, preview := range []bool{true, false} {
		if err := d.syncRuleStep(ctx, demoSyncRule, preview); err != nil {
			return err
		}
	}
	if err := d.printSyncedPair(ctx, srv); err != nil {
		return err
	}
	return d.runCalendarSync(ctx, srv)
}

// setUpSync creates the CardDAV mail configuration, Anna's account on it
// and the rule.
func (d *demo) setUpSync(ctx context.Context, url string) error {
	cfg := &store.MailConfig{MatchCode: demoSyncConfig, CalendarSystem: groupwaresync.SystemDAV}
	if err := d.st.CreateMailConfig(ctx, cfg); err != nil {
		return err
	}
	if err := d.st.Sync().SetGroupwareURL(ctx, cfg.ID, url); err != nil {
		return err
	}
	anna, err := d.st.EmployeeByLogin(ctx, demoSyncLogin)
	if err != nil {
		return err
	}
	anna.GroupwareLogin, anna.GroupwarePassword = demoSyncLogin, d.password
	if err := d.st.UpdateEmployee(ctx, anna); err != nil {
		return err
	}
	if err := d.st.Sync().SetGroupwareConfig(ctx, anna.ID, cfg.ID); err != nil {
		return err
	}
	return d.st.Sync().CreateRule(ctx, &syncstate.Rule{Name: demoSyncRule, Table: "contacts", Scope: syncstate.ScopeUser,
		ScopeName: demoSyncLogin, Master: "crm", Conflict: "newest", Active: true,
		GWCreate: true, CRMCreate: true, GWUpdate: true, CRMUpdate: true})
}

// syncRuleStep previews or runs a rule and prints its counts.
func (d *demo) syncRuleStep(ctx context.Context, rule string, preview bool) error {
	cmd := "run"
	if preview {
		cmd = "preview"
	}
	fmt.Fprintf(d.out, "$ wfe sync %s %s\n", cmd, rule)
	rep, err := (&groupwaresync.Runner{Store: d.st}).Run(ctx, rule, groupwaresync.Options{Preview: preview})
	if err != nil {
		return err
	}
	for _, e := range rep.Employees {
		fmt.Fprintf(d.out, "  %s\n", e.Summary())
		for _, msg := range e.Errors {
			fmt.Fprintf(d.out, "  error: %s\n", msg)
		}
	}
	if rep.Failed() {
		return fmt.Errorf("the demo sync of rule %s failed", rule)
	}
	return nil
}

// demoCardOf finds the card of a CRM contact by the CRM id wfe stored.
func demoCardOf(srv *demodav.Server, crmID int64) (string, vcard.Card) {
	want := fmt.Sprint(crmID)
	for path, c := range srv.Cards() {
		if c.Value("X-WFE-CRM-ID") == want {
			return path, c
		}
	}
	return "", nil
}

// changeBothSides changes Jürgen Müller's phone in the CRM and Klaus
// Meier's job title in the address book.
func (d *demo) changeBothSides(ctx context.Context, srv *demodav.Server) error {
	cs, err := d.st.Sync().ListContacts(ctx)
	if err != nil || len(cs) < 2 {
		return fmt.Errorf("the demo contacts: %d, %v", len(cs), err)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	if err := d.st.Sync().UpdateContactColumns(ctx, cs[0].ID, map[string]string{"phone": "+49 89 1234 567"}); err != nil {
		return err
	}
	path, _ := demoCardOf(srv, cs[1].ID)
	if err := srv.Edit(path, func(c vcard.Card) { c.SetValue(vcard.FieldTitle, "Einkaufsleiter") }); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\nchanged       in the CRM: %s %s's phone; in the address book: %s %s's job title\n",
		cs[0].FirstName, cs[0].LastName, cs[1].FirstName, cs[1].LastName)
	return nil
}

// printSyncedPair shows both changes on both sides.
func (d *demo) printSyncedPair(ctx context.Context, srv *demodav.Server) error {
	cs, err := d.st.Sync().ListContacts(ctx)
	if err != nil {
		return err
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	for _, c := range cs[:2] {
		_, card := demoCardOf(srv, c.ID)
		fmt.Fprintf(d.out, "  %-16s CRM phone %q, job title %q | address book TEL %q, TITLE %q\n", c.FirstName+" "+c.LastName,
			c.Phone, c.JobTitle, card.Value(vcard.FieldTelephone), card.Value(vcard.FieldTitle))
	}
	return nil
}
