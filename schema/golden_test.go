package schema

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/workflows/broken")

// TestBrokenGolden parses every schema-*.xml fixture and compares its
// diagnostics, one per line as Diagnostic.Error prints them, with the
// fixture's .golden file. Run with -update to regenerate.
func TestBrokenGolden(t *testing.T) {
	paths, err := filepath.Glob("../testdata/workflows/broken/schema-*.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 14 {
		t.Fatalf("%d broken fixtures, want at least 14", len(paths))
	}
	for _, path := range paths {
		name := strings.TrimPrefix(filepath.ToSlash(path), "../")
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, err := Parse(name, readFile(t, path))
			var ds Diagnostics
			if !errors.As(err, &ds) || len(ds) == 0 {
				t.Fatalf("no diagnostics (err %v)", err)
			}
			for _, d := range ds {
				if d.Code == "" || d.Line < 1 || d.Col < 1 || d.File != name {
					t.Errorf("incomplete diagnostic %#v", d)
				}
			}
			got := ds.Error() + "\n"
			golden := strings.TrimSuffix(path, ".xml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./schema -update)", err)
			}
			if got != string(want) {
				t.Errorf("diagnostics differ from %s\ngot:\n%swant:\n%s", golden, got, want)
			}
		})
	}
}

func TestThreeMistakes(t *testing.T) {
	path := "../testdata/workflows/broken/schema-three-mistakes.xml"
	_, err := Parse(path, readFile(t, path))
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("err = %v", err)
	}
	var codes []string
	for _, d := range ds {
		codes = append(codes, d.Code)
	}
	want := []string{CodeMissingAttr, CodeBadNumber, CodeUnknownAttr}
	if !slices.Equal(codes, want) {
		t.Fatalf("codes %v, want %v:\n%v", codes, want, ds)
	}
}
