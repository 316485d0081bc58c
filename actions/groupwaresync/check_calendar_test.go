package groupwaresync

import (
	"slices"
	"testing"

	"github.com/wfehq/wfe/store/syncstate"
)

// Calendar rules need Calendars.ReadWrite and Tasks.ReadWrite, and
// OnlineMeetings.ReadWrite when they ask for Teams links.
func TestCalendarGraphPermissions(t *testing.T) {
	rules := []syncstate.Rule{{Table: "appointments", Active: true, TeamsLinks: true}, {Table: "tasks", Active: true},
		{Table: "contacts", Active: false}}
	got := neededGraphPermissions(rules, false)
	want := []string{"Calendars.ReadWrite", "OnlineMeetings.ReadWrite", "Tasks.ReadWrite"}
	if !slices.Equal(got, want) {
		t.Errorf("permissions %v, want %v", got, want)
	}
}
