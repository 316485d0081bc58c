package console

import (
	"strings"
	"testing"
)

func TestLineDiff(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n"
	b := "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n11\ntwelve\n"
	got, ok := lineDiff(a, b)
	if !ok {
		t.Fatal("not compared")
	}
	var lines []string
	for _, l := range got {
		lines = append(lines, string(l.Op)+l.Text)
	}
	want := " 3| 4|-5|+five| 6| 7| …| 10| 11|+twelve"
	if strings.Join(lines, "|") != want {
		t.Fatalf("diff\n got %s\nwant %s", strings.Join(lines, "|"), want)
	}
	if same, _ := lineDiff(a, a); len(same) != 0 {
		t.Fatalf("equal documents differ: %v", same)
	}
}
