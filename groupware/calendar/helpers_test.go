package calendar

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the same zone database on every host
)

var testStamp = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

func decodeFile(t *testing.T, name string) []Series {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	series, err := DecodeICS(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return series
}

// wantFields compares the named fields of an item.
func wantFields(t *testing.T, what string, it Item, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if it[k] != v {
			t.Errorf("%s: field %s = %q, want %q", what, k, it[k], v)
		}
	}
}

func wantProblem(t *testing.T, it Item, fragment string) {
	t.Helper()
	if !strings.Contains(it[FieldProblems], fragment) {
		t.Errorf("problems %q do not mention %q", it[FieldProblems], fragment)
	}
}

// withoutProblems gives the planner record of a series without the
// problem notes, which describe one reading and are not synced.
func withoutProblems(s Series) map[string]string {
	f := s.Fields()
	delete(f, FieldProblems)
	if raw := f[FieldOverrides]; raw != "" {
		back, _ := SeriesFromFields(map[string]string{FieldOverrides: raw})
		for _, o := range back.Overrides {
			delete(o, FieldProblems)
		}
		f[FieldOverrides] = encodeOverrides(back.Overrides)
	}
	return f
}

func sameRecords(t *testing.T, what string, got, want []Series) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d series, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := withoutProblems(got[i]), withoutProblems(want[i])
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: series %d changed:\n got %v\nwant %v", what, i, g, w)
		}
	}
}
