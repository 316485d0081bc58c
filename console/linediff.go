package console

import "strings"

// DiffLine is one line of a line diff: Op is ' ' (in both), '-' (only in
// the original) or '+' (only in the copy).
type DiffLine struct {
	Op   byte
	Text string
}

// maxDiffCells bounds the work of lineDiff (lines of a × lines of b);
// workflow documents are far smaller.
const maxDiffCells = 4_000_000

// lineDiff compares two documents line by line (longest common
// subsequence) and returns only the changed lines with up to two lines
// of context around them. ok is false when the documents are too large
// to compare.
func lineDiff(a, b string) (out []DiffLine, ok bool) {
	as, bs := splitLines(a), splitLines(b)
	if len(as)*len(bs) > maxDiffCells {
		return nil, false
	}
	// lcs[i][j] is the LCS length of as[i:] and bs[j:].
	lcs := make([][]int32, len(as)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(bs)+1)
	}
	for i := len(as) - 1; i >= 0; i-- {
		for j := len(bs) - 1; j >= 0; j-- {
			if as[i] == bs[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var all []DiffLine
	i, j := 0, 0
	for i < len(as) || j < len(bs) {
		switch {
		case i < len(as) && j < len(bs) && as[i] == bs[j]:
			all = append(all, DiffLine{' ', as[i]})
			i, j = i+1, j+1
		case j < len(bs) && (i == len(as) || lcs[i][j+1] > lcs[i+1][j]):
			all = append(all, DiffLine{'+', bs[j]})
			j++
		default:
			all = append(all, DiffLine{'-', as[i]})
			i++
		}
	}
	return withContext(all, 2), true
}

// withContext keeps the changed lines and n unchanged lines around each.
func withContext(all []DiffLine, n int) []DiffLine {
	keep := make([]bool, len(all))
	for k, l := range all {
		if l.Op != ' ' {
			for c := max(0, k-n); c <= min(len(all)-1, k+n); c++ {
				keep[c] = true
			}
		}
	}
	var out []DiffLine
	for k, l := range all {
		if keep[k] {
			out = append(out, l)
		} else if k > 0 && keep[k-1] {
			out = append(out, DiffLine{' ', "…"})
		}
	}
	return out
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
