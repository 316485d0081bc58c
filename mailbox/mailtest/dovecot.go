package mailtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/wfehq/wfe/mailbox/mailserver"
)

// DovecotBinary is the dovecot master binary (Debian package dovecot-imapd).
var DovecotBinary = "/usr/sbin/dovecot"

// DovecotOptions configures a private Dovecot instance.
type DovecotOptions struct {
	// Users maps user name to password. Empty: "alice" with "secret".
	Users map[string]string
	// StartTimeout bounds the wait for the listeners; 0 means 15s.
	StartTimeout time.Duration
}

// Dovecot is a running private Dovecot: its own configuration, state, logs
// and Maildirs in Dir, listening on loopback only.
type Dovecot struct {
	Dir     string
	Addr    string // IMAP with STARTTLS available (Security "none" or "starttls")
	TLSAddr string // IMAPS (Security "tls")
	CA      *CA
	CAFile  string
	LogFile string
	Users   map[string]string

	mailUID, mailGID int
	cmd              *exec.Cmd
	exited           chan struct{}
	waitErr          error
}

// RequireServers reports whether WFE_REQUIRE_SERVERS=1 asks tests to fail
// instead of skipping when a server is not installed.
func RequireServers() bool { return os.Getenv("WFE_REQUIRE_SERVERS") == "1" }

// StartDovecot starts a Dovecot for the test and stops it at its end. When
// the binary is missing the test is skipped (failed under
// WFE_REQUIRE_SERVERS=1). The log is printed when the test failed.
func StartDovecot(t testing.TB, opts DovecotOptions) *Dovecot {
	t.Helper()
	if _, err := os.Stat(DovecotBinary); err != nil {
		if RequireServers() {
			t.Fatalf("dovecot not installed (%v): apt-get install dovecot-imapd", err)
		}
		t.Skip("dovecot not installed: apt-get install dovecot-imapd")
	}
	// Not t.TempDir: its parents are private to root, and mail processes
	// run as an unprivileged user when the test runs as root.
	dir, err := os.MkdirTemp("", "wfe-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	d, err := StartDovecotDir(dir, opts)
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("start dovecot: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Errorf("stop dovecot: %v", err)
		}
		if t.Failed() {
			t.Logf("dovecot log %s:\n%s", d.LogFile, d.Log())
		}
		os.RemoveAll(dir)
	})
	return d
}

var dovecotSeq atomic.Int64

// StartDovecotDir starts Dovecot with everything in dir (which it creates)
// and waits until both listeners accept connections. Stop ends it; dir is
// left for the caller.
func StartDovecotDir(dir string, opts DovecotOptions) (*Dovecot, error) {
	if len(opts.Users) == 0 {
		opts.Users = map[string]string{"alice": "secret"}
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 15 * time.Second
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for _, sub := range []string{"run", "state", "mail"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	d := &Dovecot{Dir: dir, LogFile: filepath.Join(dir, "dovecot.log"), Users: opts.Users}
	if d.CA, err = NewCA(dir); err != nil {
		return nil, err
	}
	d.CAFile = d.CA.CAFile

	internalUser, internalGroup, loginUser, err := d.chooseUsers()
	if err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		// Mail processes run as mailUID: let them reach and own their files.
		if err := os.Chmod(dir, 0o711); err != nil {
			return nil, err
		}
		if err := os.Chown(filepath.Join(dir, "mail"), d.mailUID, d.mailGID); err != nil {
			return nil, err
		}
	}
	var pw strings.Builder
	names := make([]string, 0, len(opts.Users))
	for u := range opts.Users {
		names = append(names, u)
	}
	sort.Strings(names)
	for _, u := range names {
		if strings.ContainsAny(u+opts.Users[u], ":\n") {
			return nil, fmt.Errorf("user %q: user names and passwords must not contain ':' or newlines", u)
		}
		fmt.Fprintf(&pw, "%s:{PLAIN}%s::::::\n", u, opts.Users[u])
	}
	passwd := filepath.Join(dir, "passwd")
	if err := os.WriteFile(passwd, []byte(pw.String()), 0o600); err != nil {
		return nil, err
	}
	if err := d.chown(passwd); err != nil { // the auth process reads it
		return nil, err
	}

	var lastErr error
	for range 3 { // a picked port can be taken before dovecot binds it
		imapPort, err1 := freeLoopbackPort()
		imapsPort, err2 := freeLoopbackPort()
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		conf := d.config(internalUser, internalGroup, loginUser, imapPort, imapsPort)
		confFile := filepath.Join(dir, "dovecot.conf")
		if err := os.WriteFile(confFile, []byte(conf), 0o644); err != nil {
			return nil, err
		}
		d.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(imapPort))
		d.TLSAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(imapsPort))
		if lastErr = d.start(confFile, opts.StartTimeout); lastErr == nil {
			return d, nil
		}
		if !strings.Contains(d.Log(), "in use") {
			break
		}
	}
	return nil, fmt.Errorf("%w\n%s", lastErr, d.Log())
}

// chooseUsers picks the service users. As root, Dovecot refuses to run login
// and mail processes as root: use the package's users (dovenull, dovecot)
// or nobody. As a normal user everything runs as that user.
func (d *Dovecot) chooseUsers() (internal, group, login string, err error) {
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return "", "", "", err
		}
		d.mailUID, d.mailGID = os.Getuid(), os.Getgid()
		g, err := user.LookupGroupId(strconv.Itoa(d.mailGID))
		if err != nil {
			return "", "", "", err
		}
		return u.Username, g.Name, u.Username, nil
	}
	pick := func(names ...string) (*user.User, error) {
		var err error
		for _, n := range names {
			var u *user.User
			if u, err = user.Lookup(n); err == nil {
				return u, nil
			}
		}
		return nil, err
	}
	in, err := pick("dovecot", "nobody")
	if err != nil {
		return "", "", "", err
	}
	lo, err := pick("dovenull", "nobody")
	if err != nil {
		return "", "", "", err
	}
	g, err := user.LookupGroupId(in.Gid)
	if err != nil {
		return "", "", "", err
	}
	d.mailUID, _ = strconv.Atoi(in.Uid)
	d.mailGID, _ = strconv.Atoi(in.Gid)
	return in.Username, g.Name, lo.Username, nil
}

func (d *Dovecot) config(internalUser, internalGroup, loginUser string, imapPort, imapsPort int) string {
	r := strings.NewReplacer(
		"DIR", d.Dir,
		"INSTANCE", fmt.Sprintf("wfe-%d-%d", os.Getpid(), dovecotSeq.Add(1)),
		"INTERNALGROUP", internalGroup,
		"INTERNAL", internalUser,
		"LOGIN", loginUser,
		"MAILUID", strconv.Itoa(d.mailUID),
		"MAILGID", strconv.Itoa(d.mailGID),
		"IMAPPORT", strconv.Itoa(imapPort),
		"IMAPSPORT", strconv.Itoa(imapsPort),
	)
	return r.Replace(dovecotConf)
}

const dovecotConf = `# private test instance, generated
instance_name = INSTANCE
base_dir = DIR/run
state_dir = DIR/state
log_path = DIR/dovecot.log
info_log_path = DIR/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <DIR/server.pem
ssl_key = <DIR/server-key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u DIR/passwd
}
userdb {
  driver = static
  args = uid=MAILUID gid=MAILGID home=DIR/mail/%u
}
mail_location = maildir:~/Maildir
mail_fsync = never
first_valid_uid = MAILUID
first_valid_gid = MAILGID
default_internal_user = INTERNAL
default_internal_group = INTERNALGROUP
default_login_user = LOGIN
namespace inbox {
  inbox = yes
  separator = /
}
protocol imap {
  mail_max_userip_connections = 200
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = IMAPPORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = IMAPSPORT
    ssl = yes
  }
}
service anvil {
  chroot =
}
service pop3-login {
  chroot =
}
`

func freeLoopbackPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (d *Dovecot) start(confFile string, timeout time.Duration) error {
	logf, err := os.OpenFile(d.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(DovecotBinary, "-F", "-c", confFile)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", DovecotBinary, err)
	}
	d.cmd = cmd
	d.exited = make(chan struct{})
	go func() {
		d.waitErr = cmd.Wait()
		close(d.exited)
	}()
	deadline := time.Now().Add(timeout)
	for _, addr := range []string{d.Addr, d.TLSAddr} {
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-d.exited:
				return fmt.Errorf("dovecot exited before listening on %s: %v", addr, d.waitErr)
			case <-time.After(20 * time.Millisecond): // poll interval
			}
			if time.Now().After(deadline) {
				d.Stop()
				return fmt.Errorf("dovecot does not listen on %s after %v", addr, timeout)
			}
		}
	}
	return nil
}

// Stop ends Dovecot (SIGTERM to its process group, SIGKILL after 10s) and
// waits for it.
func (d *Dovecot) Stop() error {
	if d.cmd == nil || d.cmd.Process == nil {
		return nil
	}
	select {
	case <-d.exited:
		return nil
	default:
	}
	pid := d.cmd.Process.Pid
	syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(10 * time.Second):
		syscall.Kill(-pid, syscall.SIGKILL)
		<-d.exited
		return fmt.Errorf("dovecot (pid %d) ignored SIGTERM; killed", pid)
	}
	return nil
}

// Log returns the contents of the Dovecot log file.
func (d *Dovecot) Log() string {
	b, _ := os.ReadFile(d.LogFile)
	return string(b)
}

// Client logs user in over plain IMAP (imapclient), for helpers.
func (d *Dovecot) client(user string) (*imapclient.Client, error) {
	pw, ok := d.Users[user]
	if !ok {
		return nil, fmt.Errorf("no dovecot user %q", user)
	}
	c, err := imapclient.DialInsecure(d.Addr, nil)
	if err != nil {
		return nil, err
	}
	if err := c.Login(user, pw).Wait(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Append stores raw in folder of user over IMAP (creating the folder).
func (d *Dovecot) Append(t testing.TB, user, folder string, raw []byte, flags ...string) {
	t.Helper()
	if err := d.AppendMany(user, folder, [][]byte{raw}, flags...); err != nil {
		t.Fatalf("dovecot append: %v", err)
	}
}

// AppendMany stores raws in folder of user over one IMAP connection,
// pipelining the APPEND commands.
func (d *Dovecot) AppendMany(user, folder string, raws [][]byte, flags ...string) error {
	c, err := d.client(user)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Create(folder, nil).Wait(); err != nil && !mailserver.IsCode(err, imap.ResponseCodeAlreadyExists) {
		return fmt.Errorf("create %q: %w", folder, err)
	}
	opts := &imap.AppendOptions{}
	for _, f := range flags {
		opts.Flags = append(opts.Flags, imap.Flag(f))
	}
	cmds := make([]*imapclient.AppendCommand, 0, len(raws))
	for _, raw := range raws {
		cmd := c.Append(folder, int64(len(raw)), opts)
		if _, err := cmd.Write(raw); err != nil {
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		cmds = append(cmds, cmd)
	}
	for i, cmd := range cmds {
		if _, err := cmd.Wait(); err != nil {
			return fmt.Errorf("append %d to %q: %w", i, folder, err)
		}
	}
	return c.Logout().Wait()
}

// WriteMaildir bulk-loads messages straight into the INBOX Maildir of user
// ("new", so unseen) without IMAP; Dovecot indexes them on the next access.
// It is the fast way to fill a mailbox with many thousand mails for a
// benchmark.
func (d *Dovecot) WriteMaildir(user string, raws [][]byte) error {
	if _, ok := d.Users[user]; !ok {
		return fmt.Errorf("no dovecot user %q", user)
	}
	home := filepath.Join(d.Dir, "mail", user)
	md := filepath.Join(home, "Maildir")
	for _, sub := range []string{"", "new", "cur", "tmp"} {
		p := filepath.Join(md, sub)
		if err := os.MkdirAll(p, 0o700); err != nil {
			return err
		}
	}
	if err := d.own(home); err != nil {
		return err
	}
	stamp := time.Now().UnixNano()
	for i, raw := range raws {
		name := fmt.Sprintf("%d.M%dP%d_%d.wfe,S=%d", stamp/1e9, stamp%1e9, os.Getpid(), i, len(raw))
		tmp := filepath.Join(md, "tmp", name)
		if err := os.WriteFile(tmp, raw, 0o600); err != nil {
			return err
		}
		if err := d.chown(tmp); err != nil {
			return err
		}
		if err := os.Rename(tmp, filepath.Join(md, "new", name)); err != nil {
			return err
		}
	}
	return nil
}

// own hands dir and everything under it to the mail user (when root).
func (d *Dovecot) own(dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return d.chown(p)
	})
}

func (d *Dovecot) chown(p string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	return os.Lchown(p, d.mailUID, d.mailGID)
}

// Folder returns the messages of folder of user (read-only, flags kept).
func (d *Dovecot) Folder(t testing.TB, user, folder string) []MessageInfo {
	t.Helper()
	c, err := d.client(user)
	if err != nil {
		t.Fatalf("dovecot: %v", err)
	}
	defer c.Close()
	msgs, err := mailserver.ReadFolder(c, folder)
	if err != nil {
		t.Fatalf("dovecot: folder %q of %s: %v", folder, user, err)
	}
	return msgs
}

// Folders lists the folder names of user, sorted.
func (d *Dovecot) Folders(t testing.TB, user string) []string {
	t.Helper()
	c, err := d.client(user)
	if err != nil {
		t.Fatalf("dovecot: %v", err)
	}
	defer c.Close()
	names, err := mailserver.ListFolders(c)
	if err != nil {
		t.Fatalf("dovecot: list folders of %s: %v", user, err)
	}
	return names
}

// Count returns the number of messages in folder of user.
func (d *Dovecot) Count(user, folder string) (uint32, error) {
	c, err := d.client(user)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	st, err := c.Status(folder, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		return 0, err
	}
	return *st.NumMessages, nil
}

// MoveBack moves every message of folder of user back into INBOX, unseen:
// a benchmark imports the same mails again without loading them anew.
func (d *Dovecot) MoveBack(user, folder string) error {
	c, err := d.client(user)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Select(folder, nil).Wait(); err != nil {
		return fmt.Errorf("select %q: %w", folder, err)
	}
	all := imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}} // 1:*
	store := &imap.StoreFlags{Op: imap.StoreFlagsDel, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}
	if err := c.Store(all, store, nil).Close(); err != nil {
		return fmt.Errorf("unmark %q: %w", folder, err)
	}
	if _, err := c.Move(all, "INBOX").Wait(); err != nil {
		return fmt.Errorf("move %q back to INBOX: %w", folder, err)
	}
	return c.Logout().Wait()
}
