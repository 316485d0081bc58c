package calendar

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Attendee is one entry of FieldAttendees. Status is the participation
// status in iCalendar's words, lower case (accepted, declined, tentative,
// needs-action); Role is required, optional or resource.
type Attendee struct {
	Email  string `json:"email"`
	Name   string `json:"name,omitempty"`
	Role   string `json:"role,omitempty"`
	Status string `json:"status,omitempty"`
}

// Attendees reads FieldAttendees.
func (it Item) Attendees() ([]Attendee, error) {
	raw := it[FieldAttendees]
	if raw == "" {
		return nil, nil
	}
	var out []Attendee
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("field %s: %w", FieldAttendees, err)
	}
	return out, nil
}

// SetAttendees writes FieldAttendees sorted by e-mail address (lower case),
// so that the order a server returns does not count as a change.
func (it Item) SetAttendees(list []Attendee) {
	if len(list) == 0 {
		delete(it, FieldAttendees)
		return
	}
	sorted := make([]Attendee, len(list))
	for i, a := range list {
		a.Email = strings.ToLower(strings.TrimSpace(validText(a.Email)))
		a.Name, a.Role, a.Status = validText(a.Name), validText(a.Role), validText(a.Status)
		sorted[i] = a
	}
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Email < sorted[j].Email })
	it[FieldAttendees] = marshalCanonical(sorted)
}

// validText replaces bytes that are not UTF-8 with U+FFFD, which JSON
// would otherwise write as an escape that reads back differently.
func validText(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
