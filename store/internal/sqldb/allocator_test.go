package sqldb

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The pure-Go SQLite allocates its memory from modernc.org/memory. Before
// v1.13 that allocator kept one 1 MiB region per size class and handed out
// every slot of it before reusing a freed one, so each size class SQLite
// touched stayed resident whole: some 13 MiB for the 1-2 MiB SQLite used
// during a mail import (peak RSS of 'wfe import-mail' 60-62 MiB at 2,000
// mails; 51-52 MiB with v1.13's 64 KiB regions, which it decommits when
// they fall empty). go.mod requires the newer version (the SQLite driver
// asks only for v1.5); this test keeps it from being lowered unnoticed.
func TestSQLiteAllocatorVersion(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "modernc.org/memory" {
			continue
		}
		var major, minor, patch int
		if _, err := fmt.Sscanf(f[1], "v%d.%d.%d", &major, &minor, &patch); err != nil {
			t.Fatalf("modernc.org/memory version %q: %v", f[1], err)
		}
		if major < 1 || (major == 1 && minor < 13) {
			t.Fatalf("go.mod requires modernc.org/memory %s: want v1.13.0 or later (earlier versions keep a 1 MiB region per size class resident)", f[1])
		}
		return
	}
	t.Fatal("go.mod does not name modernc.org/memory: the SQLite driver changed; check its allocator's resident memory with scripts/bench-import.sh")
}
