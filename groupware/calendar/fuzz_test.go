package calendar

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzDecodeICS: whatever a server sends, reading never panics, and what
// was read can be written and read again to the same records.
func FuzzDecodeICS(f *testing.F) {
	addSeedFiles(f, filepath.Join("testdata", "*.ics"))
	f.Fuzz(func(t *testing.T, data []byte) {
		first, err := DecodeICS(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := EncodeICS(&buf, testStamp, first...); err != nil {
			return // a value go-ical cannot write (such as a bare CR) is refused, not mangled
		}
		again, err := DecodeICS(&buf)
		if err != nil {
			t.Fatalf("reading what was written: %v\n%s", err, buf.String())
		}
		sameRecords(t, "fuzz", again, first)
	})
}

// FuzzParseWhen: a value that parses formats back to itself.
func FuzzParseWhen(f *testing.F) {
	for _, s := range []string{"2026-10-25", "2026-10-25T10:00:00", "2026-10-25T09:00:00Z",
		"2026-10-25T10:00:00+01:00[Europe/Berlin]", "2026-10-25T10:00:00Z[Custom Zone]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWhen(s)
		if err != nil || w.IsZero() {
			return
		}
		back, err := ParseWhen(w.String())
		if err != nil || !back.Time.Equal(w.Time) || back.String() != w.String() {
			t.Fatalf("%q → %q → %+v, %v", s, w.String(), back, err)
		}
		_ = back.In(time.UTC)
	})
}

// FuzzFromGraphEvent: whatever Graph sends, reading never panics, and a
// series written back to Graph reads again to the same record.
func FuzzFromGraphEvent(f *testing.F) {
	addSeedFiles(f, filepath.Join("testdata", "graph", "*.json"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var gs GraphSeries
		if json.Unmarshal(data, &gs) != nil {
			return
		}
		first, err := FromGraphEvent(gs)
		if err != nil {
			return
		}
		out, err := ToGraphEvent(first, "Europe/Berlin")
		if err != nil {
			return // a rule or zone Graph cannot take is refused, not mangled
		}
		again, err := FromGraphEvent(out)
		if err != nil {
			t.Fatalf("reading what was written: %v\n%s", err, jsonOf(t, out))
		}
		sameRecords(t, "fuzz", []Series{again}, []Series{first})
	})
}

// addSeedFiles seeds a fuzz target with the files matching pattern.
func addSeedFiles(f *testing.F, pattern string) {
	files, _ := filepath.Glob(pattern)
	if len(files) == 0 {
		f.Fatalf("no seed files match %s", pattern)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}
