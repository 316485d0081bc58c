package wfecmd

import (
	"encoding/json"
	"strings"
	"testing"
)

// A weekly meeting created through the command line lists with its
// calendar fields, expands to its occurrences, and changes with update;
// tasks are done with update --done.
func TestActivityAppointmentCommands(t *testing.T) {
	c := newStoreCLI(t)
	c.ok("employee", "add", "anna", "--email", "anna@firma.example")
	id := strings.TrimSpace(c.ok("activity", "add", "--type", "BESPRECHUNG", "--as", "anna", "--subject", "Jour fixe",
		"--start", "2026-03-02T10:00:00+01:00", "--end", "2026-03-02T11:00:00+01:00", "--zone", "Europe/Berlin",
		"--location", "Raum 1", "--attendee", "Bob@Example.com", "--attendee", "jörg@example.com", "--rrule", "FREQ=WEEKLY;BYDAY=MO;COUNT=6"))
	var list []map[string]any
	if err := json.Unmarshal([]byte(c.ok("activity", "list", "--type", "BESPRECHUNG", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("listed %d meetings, want 1", len(list))
	}
	m := list[0]
	want := map[string]any{"subject": "Jour fixe", "start": "2026-03-02T10:00:00+01:00", "end": "2026-03-02T11:00:00+01:00",
		"all_day": false, "location": "Raum 1", "recurrence": "FREQ=WEEKLY;BYDAY=MO;COUNT=6", "done": false, "groupware_lock": false}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("list: %s = %v, want %v", k, m[k], v)
		}
	}
	if at, _ := m["attendees"].([]any); len(at) != 2 {
		t.Errorf("list: attendees %v, want two", m["attendees"])
	}
	// The series crosses the change to summer time on 29 March: the
	// meeting stays at 10:00 Berlin time.
	var occ []occurrenceJSON
	if err := json.Unmarshal([]byte(c.ok("activity", "occurrences", id, "--from", "2026-03-01T00:00:00Z", "--to", "2026-05-01T00:00:00Z", "--json")), &occ); err != nil {
		t.Fatal(err)
	}
	if len(occ) != 6 || occ[5].Start != "2026-04-06T10:00:00+02:00[Europe/Berlin]" {
		t.Errorf("occurrences: %+v, want 6 ending 2026-04-06 10:00 Berlin", occ)
	}
	c.ok("activity", "update", id, "--location", "Raum 2", "--rrule", "FREQ=WEEKLY;BYDAY=MO;COUNT=2")
	if err := json.Unmarshal([]byte(c.ok("activity", "occurrences", id, "--from", "2026-03-01T00:00:00Z", "--to", "2026-05-01T00:00:00Z", "--json")), &occ); err != nil {
		t.Fatal(err)
	}
	if len(occ) != 2 {
		t.Errorf("after update to COUNT=2: %d occurrences", len(occ))
	}
	task := strings.TrimSpace(c.ok("activity", "add", "--type", "TASK", "--as", "anna", "--subject", "Angebot", "--due", "2026-03-06T12:00:00Z"))
	c.ok("activity", "update", task, "--done")
	if err := json.Unmarshal([]byte(c.ok("activity", "list", "--type", "TASK", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0]["done"] != true || list[0]["due"] != "2026-03-06T12:00:00Z" {
		t.Errorf("task after update --done: %v", list)
	}
}

// Bad input is refused naming the flag.
func TestActivityAddBadInput(t *testing.T) {
	c := newStoreCLI(t)
	c.ok("employee", "add", "anna", "--email", "anna@firma.example")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--type", "TERMIN", "--as", "anna", "--subject", "x", "--start", "morgen"}, "--start"},
		{[]string{"--type", "TERMIN", "--as", "anna", "--subject", "x", "--start", "2026-03-02T10:00:00Z", "--rrule", "FREQ=SOMETIMES"}, "--rrule"},
		{[]string{"--type", "TERMIN", "--as", "anna", "--subject", "x", "--start", "2026-03-02T10:00:00Z", "--end", "2026-03-01T10:00:00Z"}, "before start"},
		{[]string{"--type", "MAILAUS", "--as", "anna", "--subject", "x", "--start", "2026-03-02T10:00:00Z"}, "TASK"},
		{[]string{"--type", "TERMIN", "--as", "nobody", "--subject", "x", "--start", "2026-03-02T10:00:00Z"}, "nobody"},
		{[]string{"--type", "TERMIN", "--as", "anna", "--subject", "x", "--start", "2026-03-02T10:00:00Z", "--done"}, "--done"},
	} {
		_, errs, code := c.run(append([]string{"activity", "add"}, tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("activity add %v: exit %d, stderr %q, want an error naming %s", tc.args, code, errs, tc.want)
		}
	}
}
