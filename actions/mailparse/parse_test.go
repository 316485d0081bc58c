package mailparse

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func mustParse(t *testing.T, raw string, opts Options) *Mail {
	t.Helper()
	m, err := Parse(strings.NewReader(raw), opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkStrings(t, t.Name(), m)
	return m
}

func TestUnparseable(t *testing.T) {
	for name, raw := range map[string]string{
		"empty":       "",
		"blank lines": "\r\n\r\n\r\n",
		"garbage":     "\x00\x01\x02\xff\xfe binary \x89PNG\r\n\x1a\n",
		"plain text":  "Hello, this is no mail at all.\nJust text.\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(raw), Options{})
			if !errors.Is(err, ErrUnparseable) {
				t.Fatalf("err = %v, want ErrUnparseable", err)
			}
		})
	}
}

func TestReadErrorIsReturned(t *testing.T) {
	boom := errors.New("disk gone")
	r := io.MultiReader(strings.NewReader("From: a@b.example\r\nSubject: x\r\n\r\nbody"), &errReader{boom})
	if _, err := Parse(r, Options{}); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
}

type errReader struct{ err error }

func (e *errReader) Read([]byte) (int, error) { return 0, e.err }

func TestBareCRAndLF(t *testing.T) {
	crlf := "From: Anna <anna@firma.example>\r\nTo: b@kunde.example\r\nSubject: Zeilenenden\r\n" +
		"Content-Type: multipart/mixed; boundary=xx\r\n\r\n--xx\r\nContent-Type: text/plain\r\n\r\nerste Zeile\r\nzweite Zeile\r\n" +
		"--xx\r\nContent-Type: application/octet-stream; name=a.bin\r\n\r\nABC\r\n--xx--\r\n"
	for name, raw := range map[string]string{
		"crlf":    crlf,
		"lf":      strings.ReplaceAll(crlf, "\r\n", "\n"),
		"bare cr": strings.ReplaceAll(crlf, "\r\n", "\r"),
	} {
		t.Run(name, func(t *testing.T) {
			m := mustParse(t, raw, Options{})
			if m.From.Addr != "anna@firma.example" || m.Subject != "Zeilenenden" || len(m.To) != 1 {
				t.Errorf("header: from=%v subject=%q to=%v", m.From, m.Subject, m.To)
			}
			if m.Text != "erste Zeile\nzweite Zeile" {
				t.Errorf("Text = %q", m.Text)
			}
			if len(m.Attachments) != 1 || m.Attachments[0].Name != "a.bin" || m.Attachments[0].Size != 3 {
				t.Errorf("attachments = %+v", m.Attachments)
			}
			if bare := containsSub(m.Problems, "bare CR"); bare != (name == "bare cr") {
				t.Errorf("Problems = %q", m.Problems)
			}
		})
	}
}

func TestMboxFromLineAndBOM(t *testing.T) {
	raw := "\xef\xbb\xbfFrom anna@firma.example Mon Mar  4 09:00:00 2024\nFrom: anna@firma.example\nSubject: s\n\nText\n"
	m := mustParse(t, raw, Options{})
	if m.From.Addr != "anna@firma.example" || m.Subject != "s" || m.Text != "Text\n" {
		t.Errorf("from=%v subject=%q text=%q", m.From, m.Subject, m.Text)
	}
	if !containsSub(m.Problems, "mbox From line") || !containsSub(m.Problems, "byte order mark") {
		t.Errorf("Problems = %q", m.Problems)
	}
}

func TestLenientStructure(t *testing.T) {
	tests := []struct {
		name, raw string
		text      string // expected substring of Text
		problem   string
		atts      int
	}{
		{"unknown cte", "From: a@b.example\nContent-Transfer-Encoding: x-weird\n\nplain words\n", "plain words", "unknown Content-Transfer-Encoding", 0},
		{"cte alias", "From: a@b.example\nContent-Transfer-Encoding: quoted printable\n\nGr=C3=BC=C3=9Fe\n", "Grüße", "read as quoted-printable", 0},
		{"bad base64", "From: a@b.example\nContent-Transfer-Encoding: base64\n\nSGFsbG8g!!V2VsdA==\n", "Hallo Welt", "malformed base64", 0},
		{"qp with raw bytes", "From: a@b.example\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nESC\x1b =ZZ ok=3D1 soft=\nbreak\n", "ok=1 softbreak", "", 0},
		{"multipart without boundary", "From: a@b.example\nContent-Type: multipart/mixed\n\nnur Text\n", "nur Text", "multipart without boundary", 0},
		{"no boundary line", "From: a@b.example\nContent-Type: multipart/mixed; boundary=zz\n\nnie ein Trenner\n", "nie ein Trenner", "no boundary line", 0},
		{"nested unterminated", "From: a@b.example\nContent-Type: multipart/mixed; boundary=out\n\n--out\nContent-Type: multipart/alternative; boundary=in\n\n--in\nContent-Type: text/plain\n\ninnen\n--out\nContent-Type: application/pdf\n\n%PDF\n--out--\n", "innen", "missing closing boundary in part 1", 1},
		{"malformed address", "From: Big Bug bb@bug.example\nTo: x@y.example y@z.example\n\nb\n", "b", "malformed From header", 0},
		{"broken folding", "From: a@b.example\nSubject: eins\nzwei\nTo: c@d.example\n\nbody\n", "body", "broken header folding", 0},
		{"header without blank line", "From: a@b.example\nSubject: s\nHier beginnt der Text ohne Leerzeile.\n", "Hier beginnt der Text", "not ended by an empty line", 0},
		{"utf-7", "From: a@b.example\nContent-Type: text/plain; charset=unicode-1-1-utf-7\n\nGr+APwA3w-e +- mehr\n", "Grüße + mehr", "", 0},
		{"8bit without charset", "From: a@b.example\n\nGr\xfc\xdfe\n", "Grüße", "without charset", 0},
		{"parameter lost folding", "From: a@b.example\nContent-Type: multipart/mixed;\nboundary=\"zz\"\n\n--zz\nContent-Type: text/plain\n\ninnen\n--zz--\n", "innen", "broken header folding", 0},
		{"missing semicolon", "From: a@b.example\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\n\nText\n--zz\nContent-Type: application/pdf name=\"r.pdf\"\n\n%PDF\n--zz--\n", "Text", "malformed Content-Type", 1},
		{"invalid media type", "From: a@b.example\nContent-Type: application-x-gzip\n\n\x1f\x8b\n", "", "read as application/octet-stream", 1},
		{"doubled charset", "From: a@b.example\nContent-Type: text/plain; charset=\"charset=utf-8\"\n\nGrüße\n", "Grüße", "", 0},
		{"nul bytes", "From: a@b.example\nSubject: a\x00b\n\nx\x00y\n", "xy", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mustParse(t, tc.raw, Options{})
			if !strings.Contains(m.Text, tc.text) {
				t.Errorf("Text = %q, want it to contain %q", m.Text, tc.text)
			}
			if tc.problem != "" && !containsSub(m.Problems, tc.problem) {
				t.Errorf("Problems = %q, want one containing %q", m.Problems, tc.problem)
			}
			if len(m.Attachments) != tc.atts {
				t.Errorf("attachments = %d, want %d", len(m.Attachments), tc.atts)
			}
		})
	}
}

func TestMalformedAddressFallback(t *testing.T) {
	m := mustParse(t, "From: Mail Delivery Subsystem <MAILER-DAEMON>\nTo: \"Meier, K\" <K.Meier@Kunde.example> extra, x@y.example\n\nb\n", Options{})
	if m.From.Addr != "mailer-daemon" || m.From.Name != "Mail Delivery Subsystem" {
		t.Errorf("From = %+v", m.From)
	}
	if got := addrs(m.To); len(got) != 2 || got[0] != "k.meier@kunde.example" || got[1] != "x@y.example" {
		t.Errorf("To = %q", got)
	}
	if !m.IsAutoSubmitted() {
		t.Errorf("mailer-daemon not detected as auto-submitted")
	}
}

func TestDuplicateHeadersFirstWins(t *testing.T) {
	m := mustParse(t, "Subject: erster\nSubject: zweiter\nFrom: a@b.example\nFrom: c@d.example\nDelivered-To: one@x.example\nDelivered-To: two@x.example\n\n", Options{})
	if m.Subject != "erster" || m.From.Addr != "a@b.example" || m.Header("subject") != "erster" {
		t.Errorf("subject=%q from=%v", m.Subject, m.From)
	}
	if len(m.DeliveredTo) != 2 {
		t.Errorf("DeliveredTo = %q (all Delivered-To fields count)", m.DeliveredTo)
	}
}

func TestAutoSubmittedReasons(t *testing.T) {
	for hdr, want := range map[string]string{
		"Auto-Submitted: no":                     "",
		"Auto-Submitted: auto-generated":         "Auto-Submitted: auto-generated",
		"Precedence: bulk":                       "Precedence: bulk",
		"Precedence: first-class":                "",
		"List-Unsubscribe: <mailto:x@y.example>": "List-Unsubscribe present",
		"X-Auto-Response-Suppress: DR, OOF":      "X-Auto-Response-Suppress: OOF",
		"X-Auto-Response-Suppress: DR":           "",
		"Return-Path: < >":                       "Return-Path: <>",
		"Reply-To: postmaster@x.example":         "",
	} {
		m := mustParse(t, "From: Person <person@x.example>\n"+hdr+"\n\nb\n", Options{})
		if got := m.AutoSubmittedReason(); got != want {
			t.Errorf("%s: reason %q, want %q", hdr, got, want)
		}
	}
	m := mustParse(t, "From: Postmaster <PostMaster@x.example>\n\nb\n", Options{})
	if got := m.AutoSubmittedReason(); got != "From: postmaster@x.example" {
		t.Errorf("postmaster: %q", got)
	}
}

func TestTextCapAndDepthLimit(t *testing.T) {
	long := strings.Repeat("ä", 3000) // 6000 bytes
	m := mustParse(t, "From: a@b.example\nContent-Type: text/plain; charset=utf-8\n\n"+long, Options{MaxText: 1001})
	if len(m.Text) > 1001 || len(m.Text) < 999 || !containsSub(m.Problems, "text body longer than 1001 bytes") {
		t.Errorf("len(Text) = %d, problems %q", len(m.Text), m.Problems)
	}
	var sb strings.Builder
	sb.WriteString("From: a@b.example\n")
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&sb, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
	}
	sb.WriteString("Content-Type: text/plain\n\ntief\n")
	m = mustParse(t, sb.String(), Options{})
	if !containsSub(m.Problems, "nested deeper than") || len(m.Attachments) != 1 {
		t.Errorf("problems %q, %d attachments", m.Problems, len(m.Attachments))
	}
}

func TestAttachmentCallbackError(t *testing.T) {
	f, err := os.Open(filepath.Join(repoRoot(t), "testdata", "mails", "07-mixed-pdf.eml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	full := errors.New("blob store full")
	_, err = Parse(f, Options{Attachment: func(a *Attachment, r io.Reader) error { return full }})
	if !errors.Is(err, full) || !strings.Contains(err.Error(), "Angebot_2024-017.pdf") {
		t.Fatalf("err = %v", err)
	}
}

// TestLargeAttachmentStreams parses a mail with a 20 MB attachment and
// checks that the attachment is streamed, not buffered: heap in use grows
// far less than the attachment size.
func TestLargeAttachmentStreams(t *testing.T) {
	const size = 20 << 20
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(GenerateLargeMail(pw, size)) }()

	want := sha256.New()
	if _, err := io.CopyN(want, &patternReader{}, size); err != nil {
		t.Fatal(err)
	}
	wantSum := hex.EncodeToString(want.Sum(nil))

	runtime.GC()
	var before, peak runtime.MemStats
	runtime.ReadMemStats(&before)
	var seen int64
	m, err := Parse(pr, Options{Attachment: func(a *Attachment, r io.Reader) error {
		buf := make([]byte, 32<<10)
		for {
			n, err := r.Read(buf)
			seen += int64(n)
			if seen%(4<<20) < int64(n) {
				runtime.ReadMemStats(&peak)
				if grow := int64(peak.HeapInuse) - int64(before.HeapInuse); grow > 8<<20 {
					return fmt.Errorf("heap grew by %d bytes while streaming", grow)
				}
			}
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if len(m.Attachments) != 1 {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	a := m.Attachments[0]
	if a.Size != size || seen != size || a.SHA256 != wantSum || a.Name != "export.bin" {
		t.Errorf("attachment %+v (callback saw %d), want size %d sha %s", *a, seen, size, wantSum)
	}
	if grow := int64(after.HeapInuse) - int64(before.HeapInuse); grow > 8<<20 {
		t.Errorf("heap in use grew by %d bytes for a %d byte attachment", grow, size)
	}
	t.Logf("raw size %d, heap in use before %d, after %d", m.Size, before.HeapInuse, after.HeapInuse)
	if !strings.Contains(m.Text, "vollständige Export") {
		t.Errorf("Text = %q", m.Text)
	}
}

func fixtureSeeds(t testing.TB) [][]byte {
	files, _ := filepath.Glob(filepath.Join(repoRoot(t), "testdata", "mails", "*.eml"))
	var seeds [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

func FuzzParse(f *testing.F) {
	for _, b := range fixtureSeeds(f) {
		f.Add(b)
	}
	f.Add([]byte("From: a@b\r\rSubject: x\r\r\rbody"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\n\n--a\n--a\n\n--a--"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(bytes.NewReader(data), Options{MaxText: 4096, MaxHTML: 4096})
		if err != nil {
			if !errors.Is(err, ErrUnparseable) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		checkStrings(t, "fuzz", m)
		if m.Size != int64(len(data)) {
			t.Fatalf("Size %d, input %d", m.Size, len(data))
		}
		if len(m.Text) > 4096 || len(m.HTML) > 4096 {
			t.Fatalf("caps exceeded: text %d html %d", len(m.Text), len(m.HTML))
		}
	})
}

// BenchmarkParseTypical parses a ~30 KB mail: alternative text/HTML plus
// a PDF attachment.
func BenchmarkParseTypical(b *testing.B) {
	raw := typicalMail(30 << 10)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(raw), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func typicalMail(size int) []byte {
	var sb strings.Builder
	sb.WriteString("Return-Path: <p.schmidt@lieferant-schmidt.example>\r\nReceived: from mx.lieferant-schmidt.example by mx.firma.example; Mon, 4 Mar 2024 09:00:00 +0100\r\n" +
		"From: Petra Schmidt <p.schmidt@lieferant-schmidt.example>\r\nTo: Einkauf <einkauf@firma.example>, Anna Schmidt <anna.schmidt@firma.example>\r\n" +
		"Subject: =?utf-8?Q?Auftragsbest=C3=A4tigung_5521?=\r\nDate: Mon, 04 Mar 2024 09:00:00 +0100\r\nMessage-ID: <bench@lieferant-schmidt.example>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: multipart/alternative; boundary=\"a\"\r\n\r\n" +
		"--a\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	para := "Sehr geehrte Damen und Herren, wir best=C3=A4tigen Ihren Auftrag =C3=BCber 20 Paletten.\r\n"
	for sb.Len() < size/3 {
		sb.WriteString(para)
	}
	sb.WriteString("--a\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<html><body>")
	for sb.Len() < 2*size/3 {
		sb.WriteString("<p>" + para + "</p>")
	}
	sb.WriteString("</body></html>\r\n--a--\r\n--m\r\nContent-Type: application/pdf; name=\"AB_5521.pdf\"\r\nContent-Disposition: attachment; filename=\"AB_5521.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	line := "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURlY29k\r\n"
	for sb.Len() < size {
		sb.WriteString(line)
	}
	sb.WriteString("--m--\r\n")
	return []byte(sb.String())
}

func TestNameFromBrokenContentType(t *testing.T) {
	m := mustParse(t, "From: a@b.example\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\n\nText\n--zz\nContent-Type: application/pdf name=\"Rechnung 7.pdf\"\n\n%PDF\n--zz--\n", Options{})
	if len(m.Attachments) != 1 || m.Attachments[0].Name != "Rechnung 7.pdf" || m.Attachments[0].ContentType != "application/pdf" {
		t.Errorf("attachments = %+v", m.Attachments)
	}
}

// BenchmarkParseLargeAttachment parses a mail with a 4 MiB base64
// attachment, stored through StoreAttachment (read to its end and
// discarded here).
func BenchmarkParseLargeAttachment(b *testing.B) {
	var buf bytes.Buffer
	if err := GenerateLargeMail(&buf, 4<<20); err != nil {
		b.Fatal(err)
	}
	raw := buf.Bytes()
	opts := Options{SkipContentHash: true, StoreAttachment: func(_ *Attachment, content io.Reader) (string, int64, error) {
		n, err := io.Copy(io.Discard, content)
		return "x", n, err
	}}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(raw), opts); err != nil {
			b.Fatal(err)
		}
	}
}
