package plan

import (
	"errors"
	"strings"
	"testing"
)

// TestBadInputIsRefused: each kind of bad input gets an error naming
// what is wrong and where.
func TestBadInputIsRefused(t *testing.T) {
	ok := crmRecord("c1", fields("name", "Ada"))
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"table without fields", Input{Table: Table{Name: "tasks", Fields: []string{}}}, `table "tasks" has no fields`},
		{"repeated field", Input{Table: Table{Name: "t", Fields: []string{"a", "a"}}}, "field 2 is empty or repeated"},
		{"key without fields", Input{Table: Table{Name: "t", Fields: []string{"a"}, MatchKeys: []MatchKey{{Name: "k"}}}}, `match key 1 ("k") has no fields`},
		{"record without id", Input{CRM: complete(ok, Record{})}, "CRM listing: record 2 has no id"},
		{"id twice", Input{Groupware: complete(gwRecord("g1", "", nil), gwRecord("g1", "", nil))}, `groupware listing: id "g1" is listed twice`},
		{"listed and deleted", Input{CRM: Listing{Records: []Record{ok}, Deleted: []string{"c1"}}}, `id "c1" is both a record and deleted`},
		{"groupware out of scope", Input{Groupware: Listing{OutOfScope: []string{"g1"}}}, "out-of-scope ids are a CRM notion"},
		{"state row without id", Input{State: []Link{{CRMID: "c1"}}}, "sync state row 1 lacks"},
		{"linked twice", Input{State: []Link{linked("c1", "g1", nil), linked("c1", "g2", nil)}}, `row 2: CRM id "c1"`},
		{"bad decision", Input{Decisions: map[string]Side{"c1": 7}}, `decision for CRM id "c1" names no side`},
		{"import without partner", Input{Imports: map[string]string{"g1": ""}}, `groupware item "g1" names no business partner`},
		{"overwrite against --no-update", Input{Options: Options{Overwrite: CRM, ToGroupware: Direction{NoUpdate: true}}},
			"overwrite crm needs updates towards the groupware"},
		{"bad master", Input{Options: Options{Master: 3}}, "master side 3"},
		{"bad policy", Input{Options: Options{Conflict: 9}}, "conflict option policy(9)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.in.Table.Fields == nil {
				tc.in.Table = contacts
			}
			_, err := Compute(tc.in)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalid with %q", err, tc.want)
			}
		})
	}
}

// TestParseOptions: the command line's spellings.
func TestParseOptions(t *testing.T) {
	for in, want := range map[string]Policy{"": Newest, "newest": Newest, "crm": CRMWins, "groupware": GroupwareWins, "ask": Ask} {
		if got, err := ParsePolicy(in); err != nil || got != want {
			t.Errorf("ParsePolicy(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParsePolicy("latest"); err == nil || !strings.Contains(err.Error(), `"latest"`) {
		t.Errorf("ParsePolicy(latest) = %v", err)
	}
	if s, err := ParseSide("--overwrite", "groupware"); err != nil || s != Groupware {
		t.Errorf("ParseSide = %v, %v", s, err)
	}
	if _, err := ParseSide("--overwrite", "exchange"); err == nil || !strings.Contains(err.Error(), `--overwrite "exchange"`) {
		t.Errorf("ParseSide(exchange) = %v", err)
	}
}

// TestFieldHash: stable, per value, empty for empty.
func TestFieldHash(t *testing.T) {
	if FieldHash("") != "" {
		t.Error("the empty value has a hash")
	}
	a := FieldHash("ada@example.com")
	if len(a) != 32 || a != FieldHash("ada@example.com") || a == FieldHash("ada@example.org") {
		t.Errorf("FieldHash = %q", a)
	}
	// The stored state must not change between versions of wfe: the
	// first 128 bits of SHA-256 (printf Ada | sha256sum).
	if got := FieldHash("Ada"); got != "99a563ab2f6e21e96998f9fddd2a2bab" {
		t.Errorf("FieldHash(Ada) = %s", got)
	}
}
