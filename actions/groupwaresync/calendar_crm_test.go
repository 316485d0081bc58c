package groupwaresync

import (
	"testing"

	"github.com/wfehq/wfe/store"
)

// A calendar rule's filter sees the activity; a contact filter or a
// broken one is refused when compiled.
func TestActivityFilter(t *testing.T) {
	f, err := CompileActivityFilter(`activity.type == "BESPRECHUNG" && "bob@example.com" in activity.attendees`)
	if err != nil {
		t.Fatal(err)
	}
	meeting := &store.Activity{Type: store.TypeMeeting}
	meeting.Attendees = store.AttendeeList{{Email: "bob@example.com"}}
	for _, tc := range []struct {
		a    *store.Activity
		want bool
	}{{meeting, true}, {&store.Activity{Type: store.TypeAppointment}, false}} {
		if got, err := matchActivity(f, tc.a); err != nil || got != tc.want {
			t.Errorf("%s: %v %v, want %v", tc.a.Type, got, err, tc.want)
		}
	}
	if err := CompileRuleFilter("appointments", `contact.partner == "ACME"`); err == nil {
		t.Error("a contact filter on an appointments rule compiled")
	}
	if err := CompileRuleFilter("contacts", `contact.partner == "ACME"`); err != nil {
		t.Errorf("contact filter: %v", err)
	}
}
