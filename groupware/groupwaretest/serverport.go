package groupwaretest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startTries is how often a server is started on another port when the
// port it was given was taken meanwhile (by a server of a test running in
// parallel, in this process or another).
const startTries = 8

// errPortTaken: the port was taken by someone else before the server
// could listen on it.
var errPortTaken = errors.New("port taken by another process")

// startOnFreePort runs a server program until the test ends: args gives
// its arguments for a port the kernel picked as free. A server that finds
// the port in use, or a port that turns out to be another process's, is
// tried again on another port; any other failure fails the test with the
// server's output. It returns the port the server listens on.
func startOnFreePort(t testing.TB, bin string, args func(port int) []string) int {
	t.Helper()
	var last error
	for range startTries {
		port := freePort(t)
		err := startProcess(t, port, bin, args(port)...)
		if err == nil {
			return port
		}
		if !errors.Is(err, errPortTaken) {
			t.Fatal(err)
		}
		last = err
	}
	t.Fatalf("%s: no free port after %d tries: %v", bin, startTries, last)
	return 0
}

// freePort asks the kernel for a free loopback port.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startProcess runs a server until the test ends and waits until it
// listens on port. It fails with errPortTaken when the server exits
// saying the address is in use, or when what listens on the port is
// another process; the server is then stopped.
func startProcess(t testing.TB, port int, bin string, args ...string) error {
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-exited:
			if inUse(out.String()) {
				return fmt.Errorf("%s on %s: %w", bin, addr, errPortTaken)
			}
			return fmt.Errorf("%s exited before it listened: %v\n%s", bin, err, out.String())
		default:
		}
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			continue
		}
		conn.Close()
		if mine, known := listensOn(cmd.Process.Pid, port); known && !mine {
			stop()
			return fmt.Errorf("%s on %s: %w", bin, addr, errPortTaken)
		}
		t.Cleanup(stop)
		return nil
	}
	stop()
	return fmt.Errorf("%s did not listen on %s within 20 s\n%s", bin, addr, out.String())
}

// inUse tells whether a server's output says its address was in use.
func inUse(output string) bool {
	o := strings.ToLower(output)
	return strings.Contains(o, "address already in use") || strings.Contains(o, "errno 98")
}

// listensOn tells whether process pid holds the socket listening on
// 127.0.0.1:port, read from Linux's /proc; known is false where /proc
// cannot tell (another system), and the caller then trusts the
// connection it made.
func listensOn(pid, port int) (mine, known bool) {
	inode, ok := listeningInode(port)
	if !ok {
		return false, false
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return false, false
	}
	want := "socket:[" + inode + "]"
	for _, fd := range fds {
		if link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && link == want {
			return true, true
		}
	}
	return false, true
}

// listeningInode is the inode of the socket listening on 127.0.0.1:port
// (state 0A in /proc/net/tcp).
func listeningInode(port int) (string, bool) {
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return "", false
	}
	defer f.Close()
	local := fmt.Sprintf("0100007F:%04X", port)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 9 && fields[1] == local && fields[3] == "0A" {
			return fields[9], true
		}
	}
	return "", false
}
