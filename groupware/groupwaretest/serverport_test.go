package groupwaretest

import (
	"net"
	"os"
	"testing"
)

// TestListensOn: the port check tells a socket of this process from one
// of another process, so a server started on a port that was taken
// meanwhile is started again elsewhere instead of a test talking to a
// stranger.
func TestListensOn(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	mine, known := listensOn(os.Getpid(), port)
	if !known {
		t.Skip("/proc/net/tcp is not readable here: the check falls back to trusting the connection")
	}
	if !mine {
		t.Errorf("listensOn(own pid, %d) = false, want true", port)
	}
	if mine, _ := listensOn(os.Getppid(), port); mine {
		t.Errorf("listensOn(parent pid, %d) = true, want false", port)
	}
	if !inUse("OSError: [Errno 98] Address already in use") || inUse("listening on 127.0.0.1") {
		t.Error("inUse misreads a server's output")
	}
}
