package wfecmd

import (
	"io"
	"strings"
	"testing"
	"time"
)

// The conflict option newest settles a field changed on both sides by
// the sides' modification times: the CRM's update time against vCard REV
// (CardDAV) or lastModifiedDateTime (Graph). Contact 1's groupware change
// is an hour newer than its CRM change, contact 2's an hour older.

// checkNewest checks the outcome of a run with both conflicts.
func checkNewest(t *testing.T, c *storeCLI, phoneInGroupware func(crmID string) string) {
	t.Helper()
	rep := c.syncReport("sync", "run", "customers")
	if rep.Conflicts != 0 || rep.ToCRM.Changed != 1 || rep.ToGroupware.Changed != 1 {
		t.Errorf("run with a conflict on each contact: %+v; want both settled, one each way", rep)
	}
	crm := c.crmContacts()
	if crm[1].Phone != "+49 1 groupware" || phoneInGroupware("1") != "+49 1 groupware" {
		t.Errorf("contact 1 (groupware newer): CRM %q, groupware %q; want the groupware's value on both", crm[1].Phone, phoneInGroupware("1"))
	}
	if crm[2].Phone != "+49 2 crm" || phoneInGroupware("2") != "+49 2 crm" {
		t.Errorf("contact 2 (CRM newer): CRM %q, groupware %q; want the CRM's value on both", crm[2].Phone, phoneInGroupware("2"))
	}
}

// TestSyncNewestGraph: newest on Graph, by lastModifiedDateTime.
func TestSyncNewestGraph(t *testing.T) {
	c, fake := graphSyncCLI(t)
	c.ok("sync", "rule", "add", "customers", "--conflict", "newest")
	c.syncReport("sync", "run", "customers")
	gw := graphContacts(t, fake)
	now := time.Now()
	for id, offset := range map[string]time.Duration{"1": time.Hour, "2": -time.Hour} {
		c.ok("contacts", "update", id, "--phone", "+49 "+id+" crm")
		if err := fake.EditContact("anna@example.com", gw[id].ID, "businessPhones", []string{"+49 " + id + " groupware"}); err != nil {
			t.Fatal(err)
		}
		if err := fake.SetContactModified("anna@example.com", gw[id].ID, now.Add(offset)); err != nil {
			t.Fatal(err)
		}
	}
	checkNewest(t, c, func(crmID string) string {
		if p := graphContacts(t, fake)[crmID].BusinessPhones; len(p) > 0 {
			return p[0]
		}
		return ""
	})
}

// TestSyncNewestDAV: newest on Radicale, by the card's REV; a card whose
// REV alone moved is not changed.
func TestSyncNewestDAV(t *testing.T) {
	d := newDAVSync(t)
	d.ok("sync", "rule", "add", "customers", "--folder", "contacts", "--conflict", "newest")
	d.syncReport("sync", "run", "customers")
	now := time.Now()
	for id, offset := range map[string]time.Duration{"1": time.Hour, "2": -time.Hour} {
		d.ok("contacts", "update", id, "--phone", "+49 "+id+" crm")
		d.putCardWith(id, "TEL;TYPE=work,voice:+49 "+id+" groupware\r\nREV:"+now.Add(offset).UTC().Format("20060102T150405Z"))
	}
	checkNewest(t, d.storeCLI, func(crmID string) string {
		if p := d.cardsByCRMID()[crmID].BusinessPhones; len(p) > 0 {
			return p[0]
		}
		return ""
	})

	d.putCardWith("1", "REV:"+now.Add(2*time.Hour).UTC().Format("20060102T150405Z"))
	if rep := d.syncReport("sync", "run", "customers"); rep.ToCRM.Changed+rep.ToGroupware.Changed+rep.Conflicts != 0 {
		t.Errorf("run after only a card's REV moved: %+v; want nothing changed", rep)
	}
}

// putCardWith stores the card of a CRM id again, as another client
// would, with its REV lines left out and lines added before END.
func (d *davSync) putCardWith(crmID, lines string) {
	d.t.Helper()
	path := d.book + "wfe-" + crmID + ".vcf"
	resp := d.srv.Do(d.t, "GET", path, "")
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		d.t.Fatalf("GET %s: %s %v", path, resp.Status, err)
	}
	var kept []string
	for _, l := range strings.Split(strings.TrimRight(string(body), "\r\n"), "\r\n") {
		if !strings.HasPrefix(l, "REV:") && l != "END:VCARD" {
			kept = append(kept, l)
		}
	}
	card := strings.Join(kept, "\r\n") + "\r\n" + lines + "\r\nEND:VCARD\r\n"
	resp = d.srv.Do(d.t, "PUT", path, card, "Content-Type", "text/vcard; charset=utf-8")
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		d.t.Fatalf("PUT %s: %s", path, resp.Status)
	}
}
