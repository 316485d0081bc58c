package schema

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzSeeds returns every workflow document of the repository.
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	add := func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".xml") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		seeds = append(seeds, b)
		return nil
	}
	for _, root := range []string{"../testdata/workflows", "../workflows", "testdata"} {
		if err := filepath.WalkDir(root, add); err != nil {
			f.Fatal(err)
		}
	}
	if len(seeds) == 0 {
		f.Fatal("no seed documents")
	}
	return seeds
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := Parse("fuzz.xml", data)
		if w == nil || w.Source == nil {
			t.Fatal("nil model")
		}
		if !bytes.Equal(w.Bytes(), data) {
			t.Fatal("Bytes differ from the input")
		}
		var ds Diagnostics
		if err != nil {
			if !errors.As(err, &ds) || len(ds) == 0 {
				t.Fatalf("error is not Diagnostics: %v", err)
			}
			for _, d := range ds {
				if d.Line < 1 || d.Col < 1 || d.Code == "" {
					t.Fatalf("bad diagnostic %#v", d)
				}
			}
			return
		}
		out, err := w.Edit().SetWorkFlowID("Neu ä € <&>\"'").Bytes()
		if err != nil {
			t.Fatalf("edit of a valid document: %v", err)
		}
		if w2, _ := Parse("fuzz.xml", out); w2.WorkFlowID != "Neu ä € <&>\"'" {
			t.Fatalf("edited id reads back as %q", w2.WorkFlowID)
		}
	})
}
