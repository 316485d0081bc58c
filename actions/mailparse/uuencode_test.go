package mailparse

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"
)

// uuLines encode 155 bytes (100 bytes (i*7+3)%256, 50 NUL bytes, "Ende.");
// they come from Python's binascii.b2a_uu, an encoder independent of ours.
var uuLines = []string{
	`M PH1&!\F+30[0DE05UYE;'-Z@8B/EIVDJ[*YP,?.U=SCZO'X_P8-%!LB*3 W`,
	`M/D5,4UIA:&]V?82+DIF@IZZUO,/*T=C?YNWT^P()$!<>)2PS.D%(3U9=9&MR`,
	`M>8"'CI6<HZJQN                                               `,
	`4                    16YD92X `,
}

const uuSHA256 = "1504663e166262c82bef8a9705e08717dbf805f8acad9e9074ab90477aa22299"

func TestUUDecodeLine(t *testing.T) {
	tests := []struct {
		line, want, err string
	}{
		{line: "#0V%T", want: "Cat"},
		{line: "#0V%T!", want: "Cat"},    // checksum character ignored
		{line: "\"0V$", want: "Ca"},      // two bytes from one group
		{line: "`", want: ""},            // zero length
		{line: "", want: ""},             // empty line
		{line: "#0V$", want: "Ca\x00"},   // trailing space stripped
		{line: "#0v%T", err: "column 3"}, // lower case is no uuencode
		{line: "\x7f0V%T", err: "length character"},
	}
	for _, tt := range tests {
		got, err := uuDecodeLine(nil, tt.line)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("uuDecodeLine(%q) error = %v, want one naming %q", tt.line, err, tt.err)
			}
		case err != nil:
			t.Errorf("uuDecodeLine(%q): %v", tt.line, err)
		case string(got) != tt.want:
			t.Errorf("uuDecodeLine(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

// collected is an attachment with its content, as the callback saw it.
type collected struct {
	a       *Attachment
	content []byte
}

// parseCollecting parses raw and keeps every attachment's content.
func parseCollecting(t *testing.T, raw string) (*Mail, []collected) {
	t.Helper()
	var got []collected
	m := mustParse(t, raw, Options{Attachment: func(a *Attachment, r io.Reader) error {
		b, err := io.ReadAll(r)
		got = append(got, collected{a, b})
		return err
	}})
	return m, got
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestParseUUEncodedFile(t *testing.T) {
	for _, stripped := range []bool{false, true} {
		lines := append([]string(nil), uuLines...)
		if stripped {
			for i := range lines {
				lines[i] = strings.TrimRight(lines[i], " ")
			}
		}
		raw := "From: alt@example.com\r\nDate: Mon, 2 Jan 2006 15:04:05 +0100\r\nSubject: Bericht\r\n\r\nAnbei der Bericht.\r\n\r\nbegin 644 Bericht 2024.bin\r\n" +
			strings.Join(lines, "\r\n") + "\r\n`\r\nend\r\n\r\nGruss\r\n"
		m, files := parseCollecting(t, raw)
		if len(files) != 1 {
			t.Fatalf("stripped=%v: %d attachments, want 1 (problems %q)", stripped, len(files), m.Problems)
		}
		f := files[0]
		if f.a.Name != "Bericht 2024.bin" || sha256Hex(f.content) != uuSHA256 || f.a.SHA256 != uuSHA256 || f.a.Size != 155 {
			t.Errorf("stripped=%v: attachment %+v, content sha %s", stripped, f.a, sha256Hex(f.content))
		}
		if want := "Anbei der Bericht.\n\n\nGruss\n"; m.Text != want {
			t.Errorf("stripped=%v: Text = %q, want %q", stripped, m.Text, want)
		}
		if len(m.Problems) != 0 {
			t.Errorf("stripped=%v: problems %q", stripped, m.Problems)
		}
	}
}

// TestParseUUEncodedTypes: the file name's extension gives the content
// type; a body that was only the file leaves no text behind.
func TestParseUUEncodedTypes(t *testing.T) {
	raw := "From: a@example.com\nDate: Mon, 2 Jan 2006 15:04:05 +0100\n\nbegin 600 ../tmp/angebot.pdf\n#0V%T\n`\nend\n"
	m, files := parseCollecting(t, raw)
	if len(files) != 1 || files[0].a.Name != "angebot.pdf" || files[0].a.ContentType != "application/pdf" || string(files[0].content) != "Cat" {
		t.Fatalf("attachments %+v", files)
	}
	if m.Text != "" {
		t.Errorf("Text = %q, want none", m.Text)
	}
}

// TestParseUUEncodedBroken: a block that cannot be decoded stays in the
// text exactly as sent, a problem names it, and the mail still parses.
func TestParseUUEncodedBroken(t *testing.T) {
	tests := []struct {
		name, body, problem string
	}{
		{"no end line", "begin 644 a.bin\n#0V%T\n", "no end line"},
		{"character out of range", "begin 644 a.bin\n#0V%T\n#0v%T\n`\nend\n", "line 2 of the block"},
		{"prose after begin", "begin 644 is what we said\nThe meeting starts at ten.\nend\n", "is what we said"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := "Hallo,\n" + tt.body + "Tschuess\n"
			m, files := parseCollecting(t, "From: a@example.com\nDate: Mon, 2 Jan 2006 15:04:05 +0100\n\n"+body)
			if len(files) != 0 {
				t.Errorf("%d attachments from a broken block", len(files))
			}
			if m.Text != body {
				t.Errorf("Text = %q, want the body as sent %q", m.Text, body)
			}
			if !containsSub(m.Problems, tt.problem) {
				t.Errorf("problems %q, want one naming %q", m.Problems, tt.problem)
			}
		})
	}
}

// TestUUBlockAmongOthers: a broken block does not stop a good one after it.
func TestUUBlockAmongOthers(t *testing.T) {
	text := "begin 644 kaputt.bin\n#0v%T\nend\nbegin 644 gut.txt\n#0V%T\nend\n"
	rest, files, broken := extractUUFiles(text)
	if len(files) != 1 || files[0].name != "gut.txt" || !bytes.Equal(files[0].data, []byte("Cat")) {
		t.Errorf("files %+v", files)
	}
	if len(broken) != 1 || rest != "begin 644 kaputt.bin\n#0v%T\nend\n" {
		t.Errorf("rest %q, broken %v", rest, broken)
	}
}

// FuzzExtractUUFiles: any text comes back unchanged unless a block was
// decoded from it.
func FuzzExtractUUFiles(f *testing.F) {
	f.Add("begin 644 a.bin\n" + strings.Join(uuLines, "\n") + "\n`\nend\n")
	f.Add("x\nbegin 644 a\n#0v%T\nend\nbegin 644 b\n#0V%T\n")
	f.Fuzz(func(t *testing.T, text string) {
		rest, files, _ := extractUUFiles(text)
		if len(files) == 0 && rest != text {
			t.Errorf("text changed without a file: %q -> %q", text, rest)
		}
	})
}
