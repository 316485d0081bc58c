package mailparse

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
)

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gzip64Mail is a mail with a text part and one x-gzip64 attachment whose
// base64 lines hold payload.
func gzip64Mail(payload []byte) string {
	return "From: a@example.com\r\nDate: Mon, 2 Jan 2006 15:04:05 +0100\r\n" +
		"Content-Type: multipart/mixed; boundary=XX\r\n\r\n" +
		"--XX\r\nContent-Type: text/plain\r\n\r\nsiehe Anhang\r\n" +
		"--XX\r\nContent-Type: application/octet-stream; name=liste.csv\r\n" +
		"Content-Transfer-Encoding: x-gzip64\r\n\r\n" +
		mimeBase64(payload, 76, "\r\n") + "--XX--\r\n"
}

func TestParseGzip64(t *testing.T) {
	content := []byte(strings.Repeat("Nummer;Name;Ort\r\n17;Müller;Köln\r\n", 300))
	zipped := gzipped(t, content)
	damaged := append([]byte(nil), zipped...)
	for i := 20; i < 40; i++ {
		damaged[i] ^= 0xff
	}
	tests := []struct {
		name    string
		payload []byte
		want    []byte // content of the attachment
		problem string
	}{
		{"gzip", zipped, content, ""},
		{"not gzip", []byte("plain bytes"), []byte("plain bytes"), "not gzip data"},
		{"damaged", damaged, nil, "damaged gzip data"},
		{"cut short", zipped[:len(zipped)/2], nil, "damaged gzip data"},
		{"damaged header", zipped[:5], nil, "damaged gzip header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, files := parseCollecting(t, gzip64Mail(tt.payload))
			if len(files) != 1 || files[0].a.Name != "liste.csv" {
				t.Fatalf("attachments %+v (problems %q)", files, m.Problems)
			}
			got := files[0].content
			if tt.want != nil && !bytes.Equal(got, tt.want) {
				t.Errorf("content %d bytes %q…, want %d bytes", len(got), clip(string(got), 40), len(tt.want))
			}
			if tt.want == nil && !bytes.HasPrefix(content, got) {
				t.Errorf("content of damaged data is no prefix of the original: %q", clip(string(got), 40))
			}
			if files[0].a.Size != int64(len(got)) {
				t.Errorf("Size %d for %d bytes", files[0].a.Size, len(got))
			}
			if tt.problem == "" && len(m.Problems) != 0 || tt.problem != "" && !containsSub(m.Problems, tt.problem) {
				t.Errorf("problems %q, want %q", m.Problems, tt.problem)
			}
			if m.Text != "siehe Anhang" {
				t.Errorf("Text = %q", m.Text)
			}
		})
	}
}

// TestGzip64TextPart: a text part sent as x-gzip64 becomes the body text.
func TestGzip64TextPart(t *testing.T) {
	raw := "From: a@example.com\nDate: Mon, 2 Jan 2006 15:04:05 +0100\nContent-Type: text/plain; charset=utf-8\n" +
		"Content-Transfer-Encoding: x-gzip64\n\n" + mimeBase64(gzipped(t, []byte("Grüße aus Köln\n")), 76, "\n")
	m, _ := parseCollecting(t, raw)
	if m.Text != "Grüße aus Köln\n" || len(m.Problems) != 0 {
		t.Errorf("Text %q, problems %q", m.Text, m.Problems)
	}
}

// TestGzip64ReadErrorIsReturned: a read error of the message is not taken
// for damaged gzip data.
func TestGzip64ReadErrorIsReturned(t *testing.T) {
	broken := errors.New("connection reset")
	zipped := gzipped(t, bytes.Repeat([]byte("abc"), 10000))
	in := io.MultiReader(strings.NewReader(mimeBase64(zipped[:len(zipped)/2], 76, "\n")), &errReader{err: broken})
	var problems []string
	g := newGunzipReader(&base64Reader{r: in}, func(f string, args ...any) { problems = append(problems, f) })
	_, err := io.Copy(io.Discard, g)
	if !errors.Is(err, broken) {
		t.Errorf("err = %v, want %v (problems %q)", err, broken, problems)
	}
}

// TestGzip64Cap: content inflating beyond maxGunzipped is cut there.
func TestGzip64Cap(t *testing.T) {
	if testing.Short() {
		t.Skip("inflates 256 MiB")
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zero := make([]byte, 1<<20)
	for i := 0; i < maxGunzipped>>20+1; i++ {
		zw.Write(zero)
	}
	zw.Close()
	var problems []string
	g := newGunzipReader(bytes.NewReader(buf.Bytes()), func(f string, args ...any) { problems = append(problems, f) })
	n, err := io.Copy(io.Discard, g)
	if err != nil || n != maxGunzipped || len(problems) != 1 || !strings.Contains(problems[0], "larger than") {
		t.Errorf("read %d bytes, err %v, problems %q; want %d bytes and a cut", n, err, problems, maxGunzipped)
	}
}
