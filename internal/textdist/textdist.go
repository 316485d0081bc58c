// Package textdist measures how far apart two names are, for the
// "did you mean" hints of the command line, the schema and the engine.
package textdist

import "unicode"

// Distance is the optimal string alignment distance of a and b in runes:
// inserting, deleting or substituting a character, or swapping two
// adjacent ones, each cost one.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Rows i-2, i-1 and i of the distance table of ra[:i] and rb[:j].
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// Suggest returns the candidate closest to name, comparing without regard
// to case, or "" when none is close enough to be a plausible typo: at most
// one edit per three characters of name, plus one. A candidate equal to
// name is never suggested.
func Suggest(name string, candidates []string) string {
	limit := len([]rune(name))/3 + 1
	folded := fold(name)
	best, bestD := "", limit+1
	for _, c := range candidates {
		if c == name {
			continue
		}
		if d := Distance(folded, fold(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func fold(s string) string {
	r := []rune(s)
	for i, c := range r {
		r[i] = unicode.ToLower(c)
	}
	return string(r)
}
