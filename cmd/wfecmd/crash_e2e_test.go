package wfecmd

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
)

// TestImportKilledThenResumed kills a wfe import-mail process (SIGKILL)
// after its first committed batch, then runs import-mail again at once: the
// new run must take over the dead process's mailbox lease instead of
// waiting for it to expire, import the rest with no duplicate, and leave a
// blob store that blobs gc cleans and blobs check finds whole.
func TestImportKilledThenResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a wfe process (skipped with -short)")
	}
	const mails = 600
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{Users: map[string]string{"info": testPassword}})
	for i := 0; i < mails; i++ {
		srv.Append(t, "info", "INBOX", crashTestMail(i))
	}
	c := newStoreCLI(t)
	c.env["PW"] = testPassword
	c.ok("mailconfig", "set", "123", "--user", "info", "--password-env", "PW", "--imap", srv.Addr, "--auto-import")
	bin := buildWFE(t)

	killAfterFirstProgress(t, c, bin, "123")
	committed := countActivities(t, c)
	t.Logf("killed with %d of %d mails committed", committed, mails)

	start := time.Now()
	out, code := c.runBinary(t, bin, "import-mail", "123", "--batch", "20")
	t.Logf("second import-mail took %s after the kill", time.Since(start).Round(time.Millisecond))
	if code != 0 {
		t.Fatalf("second import-mail: exit %d\n%s", code, out)
	}
	if n := countActivities(t, c); n != mails {
		t.Fatalf("%d activities after the second run, want %d (one per mail)\n%s", n, mails, out)
	}
	if n := len(srv.Folder(t, "info", "INBOX")); n != 0 {
		t.Fatalf("%d mails left in the inbox", n)
	}
	gc := c.ok("blobs", "gc", "--min-age", "1ms")
	t.Logf("blobs gc: %s", strings.TrimSpace(gc))
	c.ok("blobs", "check")
}

// killAfterFirstProgress starts import-mail of matchCode and kills it with
// SIGKILL as soon as it reports its first committed batch.
func killAfterFirstProgress(t *testing.T, c *storeCLI, bin, matchCode string) {
	t.Helper()
	cmd := c.binaryCommand(bin, "import-mail", matchCode, "--batch", "20", "--progress")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "progress:") {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	_ = cmd.Wait()
}

func (c *storeCLI) binaryCommand(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, append([]string{"--db", c.db}, args...)...)
	cmd.Env = os.Environ()
	for k, v := range c.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

func (c *storeCLI) runBinary(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	out, err := c.binaryCommand(bin, args...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

func countActivities(t *testing.T, c *storeCLI) int {
	t.Helper()
	acts, err := c.store().ListActivities(t.Context(), store.ActivityFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(acts)
}

// crashTestMail is mail number i: distinct Message-ID and body, with a
// small attachment so every batch writes blob packs.
func crashTestMail(i int) []byte {
	return []byte(fmt.Sprintf("From: kunde%d@example.com\r\nTo: info@firma.example\r\n"+
		"Subject: Anfrage %d\r\nMessage-ID: <crash-%d@example.com>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0100\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"+
		"--b\r\nContent-Type: text/plain\r\n\r\nBitte um Angebot Nr. %d.\r\n"+
		"--b\r\nContent-Type: application/octet-stream; name=\"a%d.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n",
		i, i, i, i, i, strings.Repeat("QUJDREVGR0g=", 200)))
}
