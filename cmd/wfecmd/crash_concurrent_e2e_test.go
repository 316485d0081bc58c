package wfecmd

import (
	"bufio"
	"fmt"
	"strings"
	"testing"

	"github.com/wfehq/wfe/mailbox/mailtest"
)

// TestConcurrentImportKilledThenResumed is TestImportKilledThenResumed
// with four mailboxes imported at the same time: a wfe import-mail of all
// of them is killed (SIGKILL) after its first committed batch, while the
// others are mid-import; the next import-mail takes over every dead lease
// and each mail becomes exactly one activity, every inbox ends empty and
// the blob store is whole.
func TestConcurrentImportKilledThenResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a wfe process (skipped with -short)")
	}
	const boxes, perBox = 4, 300
	users := map[string]string{}
	for b := range boxes {
		users[fmt.Sprintf("box%d", b)] = testPassword
	}
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{Users: users})
	c := newStoreCLI(t)
	c.env["PW"] = testPassword
	for b := range boxes {
		for i := range perBox {
			srv.Append(t, fmt.Sprintf("box%d", b), "INBOX", crashTestMail(b*perBox+i))
		}
		c.ok("mailconfig", "set", fmt.Sprintf("B%d", b), "--user", fmt.Sprintf("box%d", b), "--password-env", "PW",
			"--imap", srv.Addr, "--auto-import")
	}
	bin := buildWFE(t)
	args := []string{"import-mail", "--parallel", "4", "--batch", "20"}

	killOnProgress(t, c, bin, args...)
	t.Logf("killed with %d of %d mails committed", countActivities(t, c), boxes*perBox)
	out, code := c.runBinary(t, bin, args...)
	if code != 0 {
		t.Fatalf("second import-mail: exit %d\n%s", code, out)
	}
	if n := countActivities(t, c); n != boxes*perBox {
		t.Fatalf("%d activities after the second run, want %d (one per mail)\n%s", n, boxes*perBox, out)
	}
	for b := range boxes {
		if n := len(srv.Folder(t, fmt.Sprintf("box%d", b), "INBOX")); n != 0 {
			t.Errorf("%d mails left in the inbox of box%d", n, b)
		}
	}
	c.ok("blobs", "gc", "--min-age", "1ms")
	c.ok("blobs", "check")
}

// killOnProgress starts wfe args... with --progress and kills it with
// SIGKILL at its first progress line (a batch was committed).
func killOnProgress(t *testing.T, c *storeCLI, bin string, args ...string) {
	t.Helper()
	cmd := c.binaryCommand(bin, append(args, "--progress")...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() && !strings.Contains(sc.Text(), "progress:") {
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	_ = cmd.Wait()
}
