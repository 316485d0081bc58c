package dav

import (
	"strings"
	"testing"
	"time"
)

// TestRevIsModified: a card's REV, in each form vCard 3.0 and 4.0 allow,
// is the contact's modification time; an unreadable REV leaves it unknown.
func TestRevIsModified(t *testing.T) {
	want := time.Date(2026, 3, 29, 8, 30, 15, 0, time.UTC)
	for rev, exp := range map[string]time.Time{
		"20260329T083015Z":          want,
		"2026-03-29T08:30:15Z":      want,
		"2026-03-29T10:30:15+02:00": want,
		"20260329T103015+0200":      want,
		"20260329T083015":           want,
		"20260329":                  time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC),
		"yesterday":                 {},
		strings.Repeat("9", 100):    {},
	} {
		card := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Eva Berg\r\nREV:" + rev + "\r\nNOTE:kept\r\nEND:VCARD\r\n"
		c, err := readCard(strings.NewReader(card))
		if err != nil {
			t.Fatalf("REV %s: %v", rev, err)
		}
		if !c.Modified.Equal(exp) || c.DisplayName != "Eva Berg" || !strings.Contains(string(c.Unmapped), "NOTE:kept") {
			t.Errorf("REV %s: modified %v, want %v (contact %+v)", rev, c.Modified, exp, c)
		}
	}
}
