package wfecmd

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestDemoSync: `wfe demo` syncs its three contacts to the in-process
// CardDAV server, previews and runs a change on each side, and shows both
// changes on both sides; then Anna's weekly meeting and all-day
// appointment reach her calendar on the same server (the meeting keeps
// its zone and rule and is write-protected from then on), and an event
// another client put into the calendar becomes a TERMIN in the CRM.
func TestDemoSync(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if code := Execute(context.Background(), root, env, []string{"demo"}); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	_, got, ok := strings.Cut(out.String(), "Groupware sync:")
	if !ok {
		t.Fatalf("no sync part in:\n%s", out.String())
	}
	for _, want := range []string{
		"$ wfe sync preview demo-contacts\n  anna: to groupware 3 new, 0 changed",
		"$ wfe sync run demo-contacts\n  anna: to groupware 3 new, 0 changed",
		"$ wfe sync preview demo-contacts\n  anna: to groupware 0 new, 1 changed, 0 deleted; to crm 0 new, 1 changed",
		`Jürgen Müller    CRM phone "+49 89 1234 567", job title "" | address book TEL "+49 89 1234 567"`,
		`Klaus Meier      CRM phone "", job title "Einkaufsleiter" | address book TEL "", TITLE "Einkaufsleiter"`,
		"$ wfe sync preview demo-calendar\n  anna: to groupware 2 new, 0 changed",
		"$ wfe sync run demo-calendar\n  anna: to groupware 2 new, 0 changed",
		"$ wfe sync run demo-calendar\n  anna: to groupware 0 new, 0 changed, 0 deleted; to crm 1 new, 0 changed",
		"Europe/Berlin  RRULE FREQ=WEEKLY;COUNT=6\n",
	} {
		if !strings.Contains(got, want) {
			t.Fatalf("missing %q in:\n%s", want, got)
		}
	}
	checkDemoCalendar(t, got)
}

// checkDemoCalendar: the demo's CRM listing holds the meeting with its
// rule in Berlin time and the GroupwareLock, the all-day appointment as a
// date, and the foreign event as a TERMIN without lock, and nothing else.
func checkDemoCalendar(t *testing.T, out string) {
	t.Helper()
	_, got, ok := strings.Cut(out, "  CRM:\n")
	if !ok {
		t.Fatalf("no CRM appointments in:\n%s", out)
	}
	meeting := regexp.MustCompile(`BESPRECHUNG Jour fixe Vertrieb +start \d{4}-\d\d-\d\dT10:00:00\+0[12]:00 recurrence "FREQ=WEEKLY;COUNT=6" +groupware_lock true`)
	fair := regexp.MustCompile(`TERMIN +Messe Hannover +start \d{4}-\d\d-\d\d +recurrence "" +groupware_lock false`)
	foreign := regexp.MustCompile(`TERMIN +Kundentermin Meier +start \d{4}-\d\d-\d\dT14:00:00\+0[12]:00 recurrence "" +groupware_lock false`)
	for _, re := range []*regexp.Regexp{meeting, fair, foreign} {
		if !re.MatchString(got) {
			t.Errorf("no line matching %s in:\n%s", re, got)
		}
	}
	if n := strings.Count(got, "\n"); n != 3 {
		t.Errorf("%d CRM appointments listed, want 3:\n%s", n, got)
	}
}
