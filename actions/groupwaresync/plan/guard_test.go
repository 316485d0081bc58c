package plan

import (
	"fmt"
	"strings"
	"testing"
)

// deletionInput links size pairs and deletes n of them in the CRM.
func deletionInput(size, n int, allow bool) Input {
	in := Input{Options: Options{ToGroupware: Direction{Delete: true}, AllowMassDelete: allow}}
	for i := range size {
		c, g := fmt.Sprintf("c%03d", i), fmt.Sprintf("g%03d", i)
		in.State = append(in.State, linked(c, g, fields("name", c)))
		if i < n {
			in.CRM.Deleted = append(in.CRM.Deleted, c)
		}
	}
	return in
}

// TestMassDeleteGuard: a run that would delete more than 10 records and
// more than 20 % of a folder stops before deleting, unless overridden.
func TestMassDeleteGuard(t *testing.T) {
	tests := []struct {
		size, deletes int
		allow         bool
		refused       bool
	}{
		{size: 40, deletes: 10},                // not more than 10
		{size: 40, deletes: 11, refused: true}, // 27.5 %
		{size: 55, deletes: 11},                // exactly 20 %
		{size: 54, deletes: 11, refused: true}, // 20.4 %
		{size: 100, deletes: 11},               // 11 %
		{size: 40, deletes: 40, refused: true}, // all of it
		{size: 40, deletes: 40, allow: true},   // overridden for this run
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d of %d allow=%v", tc.deletes, tc.size, tc.allow), func(t *testing.T) {
			p := compute(t, deletionInput(tc.size, tc.deletes, tc.allow))
			if got := p.Summary().ToGroupware.Deleted; got != tc.deletes {
				t.Fatalf("planned %d deletions, want %d", got, tc.deletes)
			}
			if p.Refused() != tc.refused {
				t.Fatalf("refused = %v, want %v (%v)", p.Refused(), tc.refused, p.Refusals)
			}
			if tc.refused {
				checkRefusal(t, p, tc.deletes, tc.size)
			}
		})
	}
}

func checkRefusal(t *testing.T, p *Plan, deletes, size int) {
	t.Helper()
	r := p.Refusals[0]
	if r.Side != Groupware || r.Deletes != deletes || r.Total != size {
		t.Errorf("refusal = %+v", r)
	}
	msg := p.Summary().Refused
	for _, part := range []string{"stopped before deleting", fmt.Sprintf("%d of %d", deletes, size), "groupware", "override"} {
		if !strings.Contains(msg, part) {
			t.Errorf("message %q lacks %q", msg, part)
		}
	}
}

// TestMassDeleteGuardUsesFolderSize: the folder size the caller gives
// counts when it is larger than what the planner saw.
func TestMassDeleteGuardUsesFolderSize(t *testing.T) {
	in := deletionInput(20, 15, false)
	if p := compute(t, in); !p.Refused() {
		t.Fatal("15 of 20 not refused")
	}
	in.Groupware.Total = 200
	if p := compute(t, in); p.Refused() {
		t.Errorf("15 of a folder of 200 refused: %v", p.Refusals)
	}
}
