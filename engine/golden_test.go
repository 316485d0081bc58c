package engine_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/basic"
	"github.com/wfehq/wfe/conditions"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/engine/enginetest"
	"github.com/wfehq/wfe/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/workflows/broken/compile-*")

func testRegistry() *engine.Registry {
	return enginetest.Registry(conditions.Register, basic.Register)
}

// TestCompileGolden compiles every compile-*.xml fixture and compares its
// diagnostics with the fixture's .golden file (-update regenerates).
func TestCompileGolden(t *testing.T) {
	paths, err := filepath.Glob("../testdata/workflows/broken/compile-*.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 8 {
		t.Fatalf("%d compile fixtures, want at least 8", len(paths))
	}
	codes := map[string]bool{}
	for _, path := range paths {
		name := strings.TrimPrefix(filepath.ToSlash(path), "../")
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			prog, err := engine.CompileBytes(name, data, testRegistry())
			var ds schema.Diagnostics
			if prog != nil || !errors.As(err, &ds) || len(ds) == 0 {
				t.Fatalf("no diagnostics (prog %v, err %v)", prog != nil, err)
			}
			for _, d := range ds {
				if d.Code == "" || d.Line < 1 || d.Col < 1 || d.File != name || d.Path == "" {
					t.Errorf("incomplete diagnostic %#v", d)
				}
				codes[d.Code] = true
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
				t.Fatalf("%v (run go test ./engine -update)", err)
			}
			if got != string(want) {
				t.Errorf("diagnostics differ from %s\ngot:\n%swant:\n%s", golden, got, want)
			}
		})
	}
	for _, c := range []string{"unknown-action", "unknown-condition", "unknown-type", "unknown-param", "missing-param",
		"type-mismatch", "bad-literal", "dangling-step", "unreachable-step", "no-start-step", "unraisable-event",
		"bad-expression", "unknown-input", "unknown-event-field", "self-loop", "unknown-check-value", "missing-check-value"} {
		if !codes[c] {
			t.Errorf("no fixture covers diagnostic code %q", c)
		}
	}
}
