package engine_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/schema"
)

// FuzzCompile compiles arbitrary documents: Compile must never panic, must
// report problems as positioned diagnostics, and a program it accepts must
// run to an end without panicking.
func FuzzCompile(f *testing.F) {
	for _, pattern := range []string{"../testdata/workflows/*.xml", "../testdata/workflows/*/*.xml"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err == nil {
				f.Add(data)
			}
		}
	}
	reg := testRegistry()
	f.Fuzz(func(t *testing.T, data []byte) {
		prog, err := engine.CompileBytes("fuzz.xml", data, reg)
		if err != nil {
			var ds schema.Diagnostics
			if !errors.As(err, &ds) || len(ds) == 0 {
				t.Fatalf("error is not diagnostics: %v", err)
			}
			for _, d := range ds {
				if d.Line < 1 || d.Col < 1 || d.Code == "" {
					t.Fatalf("diagnostic without position or code: %#v", d)
				}
			}
			return
		}
		for _, ev := range prog.StartEvents() {
			rec, _ := prog.Run(context.Background(), engine.Event{Name: ev}, engine.RunOptions{RunAs: "fuzz", StepBudget: 50})
			if rec == nil || rec.Status == "" {
				t.Fatalf("run of %s gave no record", ev)
			}
		}
	})
}
