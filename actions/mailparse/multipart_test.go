package mailparse

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// readParts splits body at boundary, reading each part with reads of
// size bytes.
func readParts(t testing.TB, body []byte, size int) (parts []string, closed bool) {
	mr := newMultipartReader(bytes.NewReader(body), "b", 0)
	defer mr.release()
	buf := make([]byte, size)
	for {
		p, err := mr.next()
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		if p == nil {
			return parts, mr.closed
		}
		var got bytes.Buffer
		for {
			n, err := p.Read(buf)
			got.Write(buf[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if n == 0 {
				t.Fatal("read returned 0 bytes and no error")
			}
		}
		parts = append(parts, got.String())
	}
}

// multipartBodies are bodies whose splitting has a catch: line ends of
// both kinds, lines that start like a delimiter, a delimiter with
// trailing blanks, no closing delimiter, lines longer than the buffer.
var multipartBodies = []string{
	"--b\r\nContent-Type: text/plain\r\n\r\nHallo\r\nWelt\r\n--b--\r\n",
	"preamble\n--b\nA\n-- \nsignature\n---\n--bb\n--b-\n--b \t\nB\n\n\n--b--\nepilogue\n",
	"--b\r\nline\r\n\r\n-\r\n--b\r\n\r\n--b--",
	"--b\r\n" + strings.Repeat("QUJD", 5000) + "\r\n" + strings.Repeat("x\r\n", 3000) + "--b\r\nlast without closing\r\n",
	"--b\n" + strings.Repeat("0123456789012345678901234567890123456789012345678901234567890123456789012345\r\n", 400) + "--b--\r\n",
	"--b\r\nmixed\nends\r\n\r\n\n--b--\r\n",
}

// TestPartReaderChunksLikeLines checks that reading a part in large
// chunks (whole lines from the buffer at once) gives the bytes that
// reading it a byte at a time (a line at a time) gives.
func TestPartReaderChunksLikeLines(t *testing.T) {
	for i, body := range multipartBodies {
		want, wantClosed := readParts(t, []byte(body), 1)
		for _, size := range []int{2, 3, 77, 4096, 64 << 10} {
			got, closed := readParts(t, []byte(body), size)
			if strings.Join(got, "\x00") != strings.Join(want, "\x00") || closed != wantClosed {
				t.Errorf("body %d, reads of %d bytes: parts %q closed %v, want %q closed %v", i, size, got, closed, want, wantClosed)
			}
		}
	}
	// the first body's parts, as written
	got, closed := readParts(t, []byte(multipartBodies[0]), 4096)
	if len(got) != 1 || got[0] != "Content-Type: text/plain\r\n\r\nHallo\r\nWelt" || !closed {
		t.Errorf("parts %q closed %v", got, closed)
	}
}

func FuzzPartReaderChunks(f *testing.F) {
	for _, b := range multipartBodies {
		f.Add([]byte(b), uint16(4096))
	}
	f.Fuzz(func(t *testing.T, body []byte, size uint16) {
		want, wantClosed := readParts(t, body, 1)
		got, closed := readParts(t, body, int(size%8192)+1)
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") || closed != wantClosed {
			t.Fatalf("reads of %d bytes: parts %q closed %v, want %q closed %v", int(size%8192)+1, got, closed, want, wantClosed)
		}
	})
}
