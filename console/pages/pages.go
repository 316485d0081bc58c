// Package pages holds the console's page templates (html/template) and
// its style sheet, embedded in the binary: no JavaScript, no build step.
// Every page is the "layout" template around the page's own "content".
package pages

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"time"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed static
var static embed.FS

// Static is the file system of /static/.
func Static() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err)
	}
	return sub
}

// Parse parses every page with the layout; the map is keyed by page name
// (the file name without .html).
func Parse() (map[string]*template.Template, error) {
	layout, err := template.New("layout").Funcs(funcs).ParseFS(templates, "templates/layout.html", "templates/mailfields.html")
	if err != nil {
		return nil, fmt.Errorf("page layout: %w", err)
	}
	names, err := fs.Glob(templates, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		page := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if page == "layout" || page == "mailfields" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templates, n)
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", page, err)
		}
		out[page] = t
	}
	return out, nil
}

var funcs = template.FuncMap{
	"when":  when,
	"lines": lines,
	"ago":   ago,
}

// when formats a time (or *time.Time) for tables; nil or zero is "–".
func when(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	}
	if t.IsZero() {
		return "–"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// ago is how long ago a time lies, rounded to seconds.
func ago(v *time.Time) string {
	if v == nil || v.IsZero() {
		return ""
	}
	return time.Since(*v).Round(time.Second).String() + " ago"
}

// Line is one numbered line of a document.
type Line struct {
	No   int
	Text string
}

// lines splits a document into numbered lines for the read-only view.
func lines(data []byte) []Line {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	parts := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	out := make([]Line, len(parts))
	for i, p := range parts {
		out[i] = Line{No: i + 1, Text: p}
	}
	return out
}
