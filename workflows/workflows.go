// Package workflows holds the shipped system workflows (WorkFlowMapping
// XML), embedded in the binary and installed into the store as standard
// definitions.
package workflows

import (
	"embed"
	"io/fs"
	"sort"
)

//go:embed *.xml
var files embed.FS

// File is one shipped workflow document.
type File struct {
	Name string // file name, e.g. "ImportMails.xml"
	Data []byte // the exact bytes
}

// Files returns every shipped workflow, sorted by file name.
func Files() []File {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		panic(err) // embedded: cannot fail
	}
	out := make([]File, 0, len(entries))
	for _, e := range entries {
		b, err := files.ReadFile(e.Name())
		if err != nil {
			panic(err)
		}
		out = append(out, File{Name: e.Name(), Data: b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
