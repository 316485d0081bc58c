package wfecmd

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// listWidth is how many columns (runes) a listing line may take unless
// --wide is given.
const listWidth = 100

// narrowing is the order in which columns give up width: free text down
// to 12 runes, then other columns down to 10 (a date stays whole), then
// free text down to 6, then both down to 4.
var narrowing = []struct{ kind, min int }{
	{colFree, 12}, {colOther, 10}, {colFree, 6}, {colOther, 4}, {colFree, 4},
}

// column kinds: how a column may be shortened
const (
	colOther = iota // codes, dates, counts: shortened only when free text is not enough
	colFree         // free text (subjects, addresses, errors): shortened first
	colWhole        // ids and names a user types back: never shortened
)

// table is one listing: a header and rows of cells, printed in columns two
// spaces apart. Unless wide, it fits listWidth runes a line by shortening
// the widest free-text column with "…", one rune at a time, then the
// widest other column; columns kept whole are never shortened.
type table struct {
	indent string // printed before every line, counted in its width
	header []string
	kind   []int
	rows   [][]string
}

// newTable starts a listing with the column names.
func newTable(header ...string) *table {
	return &table{header: header, kind: make([]int, len(header))}
}

// keepWhole marks the named columns as never shortened.
func (t *table) keepWhole(names ...string) *table { return t.mark(colWhole, names) }

// freeText marks the named columns as free text, shortened first.
func (t *table) freeText(names ...string) *table { return t.mark(colFree, names) }

func (t *table) mark(kind int, names []string) *table {
	for _, n := range names {
		for i, h := range t.header {
			if h == n {
				t.kind[i] = kind
			}
		}
	}
	return t
}

// row adds one row; each cell is printed with fmt.Sprint, line breaks and
// tabs become spaces.
func (t *table) row(cells ...any) {
	r := make([]string, len(t.header))
	for i := range r {
		if i < len(cells) {
			r[i] = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(fmt.Sprint(cells[i]))
		}
	}
	t.rows = append(t.rows, r)
}

// print writes the header and the rows; wide prints whole values.
func (t *table) print(w io.Writer, wide bool) error {
	widths := t.widths(wide)
	var b strings.Builder
	for _, r := range append([][]string{t.header}, t.rows...) {
		b.Reset()
		b.WriteString(t.indent)
		for i, cell := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			cell = clip(cell, widths[i])
			b.WriteString(cell)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)))
			}
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(b.String(), " ")); err != nil {
			return err
		}
	}
	return nil
}

// widths are the column widths: the widest cell of each column, then,
// unless wide, narrower columns until the line fits listWidth (free text
// first, see table).
func (t *table) widths(wide bool) []int {
	widths := make([]int, len(t.header))
	for _, r := range append([][]string{t.header}, t.rows...) {
		for i, cell := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	if wide {
		return widths
	}
	total := utf8.RuneCountInString(t.indent) + 2*(len(widths)-1)
	for _, w := range widths {
		total += w
	}
	for _, step := range narrowing {
		total = t.narrow(widths, total, step.kind, step.min)
	}
	return widths
}

// narrow takes one rune at a time from the widest column of kind wider
// than min until the line fits; it returns the new line width.
func (t *table) narrow(widths []int, total, kind, min int) int {
	for total > listWidth {
		widest := -1
		for i, w := range widths {
			if t.kind[i] == kind && w > min && (widest < 0 || w > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
		total--
	}
	return total
}

// anySlice turns cells into row arguments.
func anySlice(cells []string) []any {
	out := make([]any, len(cells))
	for i, c := range cells {
		out[i] = c
	}
	return out
}
