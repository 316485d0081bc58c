package mailparse

import (
	"bytes"
	"encoding/base64"
	"io"
	"math/rand"
	"strings"
	"testing"
	"testing/iotest"
)

// lenientOnly decodes in with the character-by-character path alone: the
// reference the bulk path must agree with.
func lenientOnly(in []byte) ([]byte, int64) {
	b := &base64Reader{}
	out := b.lenient(nil, in)
	out = b.flushQuad(out)
	return out, b.Invalid
}

// readBase64 decodes in through base64Reader fed in pieces of at most chunk
// bytes (0: as much as the reader asks for).
func readBase64(t testing.TB, in []byte, chunk int) ([]byte, int64) {
	var r io.Reader = bytes.NewReader(in)
	if chunk > 0 {
		r = &chunkReader{r: r, n: chunk}
	}
	b := &base64Reader{r: r}
	out, err := io.ReadAll(b)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return out, b.Invalid
}

type chunkReader struct {
	r io.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

func mimeBase64(data []byte, width int, eol string) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var sb strings.Builder
	for len(enc) > width {
		sb.WriteString(enc[:width] + eol)
		enc = enc[width:]
	}
	sb.WriteString(enc + eol)
	return sb.String()
}

func checkBase64(t *testing.T, in []byte) {
	t.Helper()
	want, wantInvalid := lenientOnly(in)
	for _, chunk := range []int{0, 1, 3, 77, 4095, 5000} {
		got, invalid := readBase64(t, in, chunk)
		if !bytes.Equal(got, want) || invalid != wantInvalid {
			t.Fatalf("chunk %d: got %d bytes (%d invalid), want %d bytes (%d invalid) for input %.80q", chunk, len(got), invalid, len(want), wantInvalid, in)
		}
	}
}

func TestBase64ReaderMatchesLenient(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	data := make([]byte, 20000)
	rng.Read(data)
	good := mimeBase64(data, 76, "\r\n")
	if got, _ := readBase64(t, []byte(good), 0); !bytes.Equal(got, data) {
		t.Fatalf("well-formed base64 decoded to %d bytes, want the %d encoded", len(got), len(data))
	}
	cases := []string{
		good,
		mimeBase64(data[:1001], 76, "\n"),
		mimeBase64(data[:1002], 73, "\r\n"), // lines not a multiple of 4
		mimeBase64(data[:5000], 6000, ""),   // one long line without end
		"QQ==\r\nQUJD\r\n",                  // padding then more data
		"QQ==QUJD\r\n",
		"QUJ\r\nD\r\n",
		"QU JD\r\n\tQUJD\r\n",
		"QUJD*QUJD\r\nQ\r\n",
		"=\r\n==QUJD=Q\r\n",
		"\r\n\r\n",
		"Q",
		"",
		good[:5000] + "!" + good[5000:],
		good[:9000] + "=" + good[9000:],
		strings.Repeat("QUJD", 2000) + "\r\nQUJ",
	}
	for _, in := range cases {
		checkBase64(t, []byte(in))
	}
	// Random damage to well-formed input.
	alphabet := []byte("ABCxyz019+/= \t\r\n*-\x00\xff")
	for i := 0; i < 200; i++ {
		in := []byte(good[:rng.Intn(len(good))])
		for k := rng.Intn(5); k > 0 && len(in) > 0; k-- {
			in[rng.Intn(len(in))] = alphabet[rng.Intn(len(alphabet))]
		}
		checkBase64(t, in)
	}
}

func FuzzBase64Reader(f *testing.F) {
	f.Add([]byte("QUJD\r\nQQ==\r\n"), 5)
	f.Add([]byte("QU*JD\r\nQ=Q\n"), 1)
	f.Fuzz(func(t *testing.T, in []byte, chunk int) {
		if chunk < 0 {
			chunk = -chunk
		}
		want, wantInvalid := lenientOnly(in)
		got, invalid := readBase64(t, in, chunk%8000)
		if !bytes.Equal(got, want) || invalid != wantInvalid {
			t.Fatalf("got %q (%d invalid), want %q (%d invalid)", got, invalid, want, wantInvalid)
		}
	})
}

func BenchmarkBase64Reader(b *testing.B) {
	data := make([]byte, 1<<20)
	rand.New(rand.NewSource(1)).Read(data)
	in := []byte(mimeBase64(data, 76, "\r\n"))
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		r := &base64Reader{r: bytes.NewReader(in)}
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

// A pooled reader left in the middle of a part (an incomplete line and
// quantum kept, decoded bytes not read, invalid bytes counted, an error
// seen) decodes the next part as a new reader would.
func TestBase64ReaderReused(t *testing.T) {
	first := newBase64Reader(io.MultiReader(strings.NewReader("aGVs*bG8gd29y\nbGQgZm9vYmFy\naGVsbG8gd"), iotest.ErrReader(io.ErrUnexpectedEOF)))
	if _, err := io.ReadAll(first); err == nil || first.Invalid == 0 {
		t.Fatalf("first part: err %v, %d invalid; want an error and invalid bytes", err, first.Invalid)
	}
	putBase64Reader(first)
	half := newBase64Reader(strings.NewReader("aGVsbG8gd29ybGQgZm9vYmFy\naGVsbG8g"))
	if _, err := half.Read(make([]byte, 2)); err != nil {
		t.Fatal(err)
	}
	putBase64Reader(half)
	want := []byte("next part, decoded whole")
	b := newBase64Reader(strings.NewReader(base64.StdEncoding.EncodeToString(want) + "\r\n"))
	got, err := io.ReadAll(b)
	if err != nil || !bytes.Equal(got, want) || b.Invalid != 0 {
		t.Errorf("reused reader: %q, %d invalid (%v); want %q, 0", got, b.Invalid, err, want)
	}
	putBase64Reader(b)
}
