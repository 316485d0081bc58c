package textdist

import "testing"

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"name", "name", 0},
		{"nmae", "name", 1}, // one transposition
		{"name", "", 4},
		{"kitten", "sitting", 3},
		{"Grüße", "Gruße", 1}, // counted in runes, not bytes (ü is two bytes)
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Distance(tc.b, tc.a); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	cands := []string{"WorkFlowID", "Description", "ExecutionType", "ImportMailsAction", "run", "runs"}
	for in, want := range map[string]string{
		"WorkflowID":       "WorkFlowID", // case only
		"Descripton":       "Description",
		"ExecutionTpye":    "ExecutionType",
		"ImportMailAction": "ImportMailsAction",
		"rnu":              "run",
		"Number":           "",
		"X":                "",
		"run":              "runs", // the name itself is never suggested
	} {
		if got := Suggest(in, cands); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
