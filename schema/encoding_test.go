package schema

import (
	"errors"
	"os"
	"testing"
)

func readTestFile(path string) ([]byte, error) { return os.ReadFile(path) }

func TestParseEncodings(t *testing.T) {
	tests := []struct {
		file, enc, id, desc, internal, msg, check string
	}{
		{"testdata/latin1.xml", EncodingISO88591, "UmlautMails", "Mails für Müller",
			"Importiert Mails für Müller & Söhne", "Grüße an ${Name}", "S_ACTSTATUS-E"},
		{"testdata/cp1252.xml", EncodingWindows1252, "EuroMails", "Preise in €",
			"Rechnungen über 100 € – „wichtig“", "Betrag: 5 €", "Öl"},
		{"testdata/utf8.xml", EncodingUTF8, "Utf8Mails", "Ünïcödé ✓",
			"Importiert Mails für Müller 日本", "Grüße 👋", "E"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			w := mustParseFile(t, tt.file)
			p := w.Steps[0].Actions[0].Mappings[0].Parameter
			cv := w.Steps[1].Conditions[0].CheckValues[0]
			got := []string{w.Source.Encoding, w.WorkFlowID, w.Description, w.InternalDescription, p.Value, cv.Value}
			want := []string{tt.enc, tt.id, tt.desc, tt.internal, tt.msg, tt.check}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("field %d = %q, want %q", i, got[i], want[i])
				}
			}
			if p.ValuePos != (Pos{13, 62}) || cv.ValuePos != (Pos{30, 51}) {
				t.Errorf("value positions %v %v", p.ValuePos, cv.ValuePos)
			}
		})
	}
}

// Columns count characters, not bytes, in every encoding.
func TestColumnsCountCharacters(t *testing.T) {
	tests := []struct {
		name string
		doc  string
	}{
		{"utf-8", `<WorkFlowMapping WorkFlowID="ü€" Bogus="1"><Step No="1"><Event Name="E"/></Step></WorkFlowMapping>`},
		{"latin-1", "<?xml version='1.0' encoding='latin1'?>\n" +
			"<WorkFlowMapping WorkFlowID=\"\xfc\xe4\" Bogus=\"1\"><Step No=\"1\"><Event Name=\"E\"/></Step></WorkFlowMapping>"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.name, []byte(tt.doc))
		var ds Diagnostics
		if !errors.As(err, &ds) || len(ds) != 1 || ds[0].Code != CodeUnknownAttr {
			t.Fatalf("%s: %v", tt.name, err)
		}
		line := 1
		if tt.name == "latin-1" {
			line = 2
		}
		if ds[0].Line != line || ds[0].Col != 34 {
			t.Errorf("%s: position %d:%d, want %d:34", tt.name, ds[0].Line, ds[0].Col, line)
		}
	}
}

func TestUnknownEncodingStops(t *testing.T) {
	w, err := Parse("x.xml", []byte(`<?xml version="1.0" encoding="UTF-16"?><WorkFlowMapping/>`))
	var ds Diagnostics
	if !errors.As(err, &ds) || len(ds) != 1 || ds[0].Code != CodeUnknownEncoding || ds[0].Col != 31 {
		t.Fatalf("err = %#v", err)
	}
	if w == nil || w.Source == nil {
		t.Fatal("no model returned")
	}
}

func TestInvalidUTF8IsSyntaxError(t *testing.T) {
	_, err := Parse("x.xml", []byte("<WorkFlowMapping WorkFlowID=\"M\xfcller\"/>"))
	var ds Diagnostics
	if !errors.As(err, &ds) || ds[0].Code != CodeSyntax {
		t.Fatalf("err = %v", err)
	}
}

func TestClosest(t *testing.T) {
	cands := []string{"WorkFlowID", "Description", "ExecutionType"}
	for in, want := range map[string]string{
		"WorkflowID": "WorkFlowID", "Descripton": "Description", "ExecutionTpye": "ExecutionType",
		"Number": "", "X": "",
	} {
		if got := closest(in, cands); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUTF16Refused(t *testing.T) {
	_, err := Parse("x.xml", []byte("\xff\xfe<\x00W\x00"))
	var ds Diagnostics
	if !errors.As(err, &ds) || len(ds) != 1 || ds[0].Code != CodeUnknownEncoding {
		t.Fatalf("err = %v", err)
	}
}
