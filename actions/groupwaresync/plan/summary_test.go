package plan

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSummary counts one plan holding every kind of operation and prints
// it in the preview's JSON shape.
func TestSummary(t *testing.T) {
	base := fields("name", "Ada", "phone", "1")
	in := Input{
		Options: Options{Conflict: GroupwareWins, ToGroupware: Direction{Delete: true}},
		CRM: Listing{Complete: true, Deleted: []string{"c3"}, Records: []Record{
			crmRecord("c1", fields("name", "Ada L.", "phone", "3")),   // name to groupware, phone conflict
			crmRecord("c4", fields("name", "New")),                    // new in the CRM
			crmRecord("c5", fields("name", "Eve", FieldEmail, "e@x")), // matched by e-mail
		}},
		Groupware: Listing{Complete: true, Records: []Record{
			gwRecord("g1", "c1", fields("name", "Ada", "phone", "4")),
			gwRecord("g3", "c3", base),
			gwRecord("g5", "", fields("name", "Eve", FieldEmail, "e@x")),
			gwRecord("g6", "", fields("name", "Only here")),
		}},
		State: []Link{linked("c1", "g1", base), linked("c3", "g3", base)},
	}
	s := compute(t, in).Summary()
	want := Summary{
		Table:           "contacts",
		ToGroupware:     Counts{New: 1, Changed: 1, Deleted: 1},
		ToCRM:           Counts{Changed: 1},
		OnlyInGroupware: 1, ConflictsSettled: 1, Linked: 1,
	}
	if s != want {
		t.Fatalf("summary = %+v\nwant %+v", s, want)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{`"to_groupware":{"new":1,"changed":1,"deleted":1}`, `"to_crm":{"new":0,"changed":1,"deleted":0}`,
		`"only_in_groupware":1`, `"conflicts":0`} {
		if !strings.Contains(string(raw), part) {
			t.Errorf("JSON %s lacks %s", raw, part)
		}
	}
	if text := s.String(); !strings.Contains(text, "to groupware: 1 new, 1 changed, 1 deleted") {
		t.Errorf("preview text:\n%s", text)
	}
}
