package schema

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// spliced returns orig with each old value (located by its unique context
// before it) replaced by the given bytes: the only change an edit may make.
func spliced(t *testing.T, orig []byte, repl ...string) []byte {
	t.Helper()
	out := bytes.Clone(orig)
	for i := 0; i < len(repl); i += 3 {
		ctx, old, nw := repl[i], repl[i+1], repl[i+2]
		if bytes.Count(out, []byte(ctx+old)) != 1 {
			t.Fatalf("context %q not unique in document", ctx+old)
		}
		at := bytes.Index(out, []byte(ctx+old)) + len(ctx)
		out = append(out[:at:at], append([]byte(nw), out[at+len(old):]...)...)
	}
	return out
}

// assertOnlyDiffers checks that got and want are equal and reports the
// first differing region otherwise.
func assertOnlyDiffers(t *testing.T, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	p := 0
	for p < len(got) && p < len(want) && got[p] == want[p] {
		p++
	}
	t.Fatalf("edited bytes differ at offset %d:\n got  %q\n want %q", p,
		got[p:min(len(got), p+60)], want[p:min(len(want), p+60)])
}

func TestEditSeed(t *testing.T) {
	w := mustParseFile(t, seedPath)
	orig := readFile(t, seedPath)
	match := w.Steps[0].Actions[0].Mappings[1].Parameter
	out, err := w.Edit().SetWorkFlowID("ImportMailsCopy").SetParameterValue(match, "BCCIMPORTER").Bytes()
	if err != nil {
		t.Fatal(err)
	}
	assertOnlyDiffers(t, out, spliced(t, orig,
		`WorkFlowID="`, "ImportMails", "ImportMailsCopy",
		`Name="MailConfigMatchCode" DataType="java.lang.String" Value="`, "123", "BCCIMPORTER"))
	w2, err := Parse("copy.xml", out)
	if err != nil {
		t.Fatal(err)
	}
	if w2.WorkFlowID != "ImportMailsCopy" || w2.Steps[0].Actions[0].Mappings[1].Parameter.Value != "BCCIMPORTER" {
		t.Errorf("re-parsed: id %q value %q", w2.WorkFlowID, w2.Steps[0].Actions[0].Mappings[1].Parameter.Value)
	}
	if !bytes.Equal(w.Bytes(), orig) {
		t.Error("Edit changed the original model's bytes")
	}
}

func TestEditEncodesInDocumentEncoding(t *testing.T) {
	tests := []struct {
		file      string
		desc      string // new Description
		descBytes string // how it must be written
		check     string // new CheckValue
		checkRaw  string
	}{
		{"testdata/latin1.xml", "Mails für Bäcker", "Mails f\xfcr B\xe4cker", "5 € <ok>", "5 &#8364; &lt;ok&gt;"},
		{"testdata/cp1252.xml", "Preis: 7 € „netto“", "Preis: 7 \x80 \x84netto\x93", "日本", "&#26085;&#26412;"},
		{"testdata/utf8.xml", "Bäcker € 日本", "Bäcker € 日本", "it's", "it's"},
	}
	oldDesc := map[string]string{
		"testdata/latin1.xml": "Mails f\xfcr M\xfcller", "testdata/cp1252.xml": "Preise in \x80", "testdata/utf8.xml": "Ünïcödé ✓",
	}
	oldCheck := map[string]string{"testdata/latin1.xml": "S_ACTSTATUS-E", "testdata/cp1252.xml": "\xd6l", "testdata/utf8.xml": "E"}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			w := mustParseFile(t, tt.file)
			cv := w.Steps[1].Conditions[0].CheckValues[0]
			out, err := w.Edit().SetDescription(tt.desc).SetCheckValue(cv, tt.check).Bytes()
			if err != nil {
				t.Fatal(err)
			}
			assertOnlyDiffers(t, out, spliced(t, readFile(t, tt.file),
				`Description='`, oldDesc[tt.file], tt.descBytes,
				`Name="WFConditionEquals.VALUE" Value="`, oldCheck[tt.file], tt.checkRaw))
			w2, err := Parse(tt.file, out)
			if err != nil {
				t.Fatal(err)
			}
			if w2.Description != tt.desc || w2.Steps[1].Conditions[0].CheckValues[0].Value != tt.check {
				t.Errorf("re-parsed %q / %q", w2.Description, w2.Steps[1].Conditions[0].CheckValues[0].Value)
			}
		})
	}
}

func TestEditEscapes(t *testing.T) {
	w := mustParseFile(t, "testdata/utf8.xml")
	p := w.Steps[0].Actions[0].Mappings[0].Parameter
	for _, v := range []string{`a "quoted" <b> & c`, "tab\there\nline\r\nend", "it's 'single'", "  spaced  ", ""} {
		out, err := w.Edit().SetParameterValue(p, v).SetDescription(v).Bytes()
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		w2, err := Parse("x", out)
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if got := w2.Steps[0].Actions[0].Mappings[0].Parameter.Value; got != v || w2.Description != v {
			t.Errorf("value %q read back as %q / %q", v, got, w2.Description)
		}
	}
}

func TestEditAddsMissingAttribute(t *testing.T) {
	doc := `<WorkFlowMapping WorkFlowID="A"><Step No="1"><Event Name="TimerWFEvent"/><Actions><Action Name="LogAction"><ContextToActionMap>` +
		`<ValueMapping Name="Message"><Parameter Name="Message" DataType="java.lang.String"/></ValueMapping>` +
		`</ContextToActionMap></Action></Actions></Step></WorkFlowMapping>`
	w, err := Parse("add.xml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	p := w.Steps[0].Actions[0].Mappings[0].Parameter
	if p.HasValue {
		t.Fatal("HasValue without Value attribute")
	}
	out, err := w.Edit().SetParameterValue(p, "hi").SetDescription("d").Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(doc, `java.lang.String"/>`, `java.lang.String" Value="hi"/>`, 1)
	want = strings.Replace(want, `WorkFlowID="A"`, `WorkFlowID="A" Description="d"`, 1)
	assertOnlyDiffers(t, out, []byte(want))
}

func TestEditWithBOM(t *testing.T) {
	doc := append([]byte("\xef\xbb\xbf"), readFile(t, "testdata/utf8.xml")...)
	w, err := Parse("bom.xml", doc)
	if err != nil {
		t.Fatal(err)
	}
	if w.WorkFlowID != "Utf8Mails" || !bytes.Equal(w.Bytes(), doc) {
		t.Fatalf("BOM document: id %q, bytes kept %v", w.WorkFlowID, bytes.Equal(w.Bytes(), doc))
	}
	out, err := w.Edit().SetWorkFlowID("Neu").Bytes()
	if err != nil {
		t.Fatal(err)
	}
	assertOnlyDiffers(t, out, spliced(t, doc, `WorkFlowID="`, "Utf8Mails", "Neu"))
}

func TestEditErrors(t *testing.T) {
	a := mustParseFile(t, seedPath)
	b := mustParseFile(t, seedPath)
	foreign := b.Steps[0].Actions[0].Mappings[0].Parameter
	if _, err := a.Edit().SetParameterValue(foreign, "x").Bytes(); !errors.Is(err, ErrNoSource) {
		t.Errorf("parameter of another document: err = %v", err)
	}
	if _, err := a.Edit().SetParameterValue(nil, "x").Bytes(); !errors.Is(err, ErrNoSource) {
		t.Errorf("nil parameter: err = %v", err)
	}
	if _, err := (&WorkFlowMapping{}).Edit().SetWorkFlowID("x").Bytes(); !errors.Is(err, ErrNoSource) {
		t.Errorf("model without source: err = %v", err)
	}
	if _, err := a.Edit().SetWorkFlowID("nul\x00").Bytes(); err == nil || !strings.Contains(err.Error(), "U+0000") {
		t.Errorf("NUL in value: err = %v", err)
	}
	if _, err := a.Edit().SetWorkFlowID("bad\xff").Bytes(); err == nil {
		t.Error("invalid UTF-8 accepted")
	}
}

func FuzzEdit(f *testing.F) {
	for _, s := range []string{"", "123", "ä€日", `"'<>&`, "\t\n\r", "\x00", "\xff"} {
		f.Add(s)
	}
	data, err := readTestFile(seedPath)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, v string) {
		w, err := Parse("seed.xml", data)
		if err != nil {
			t.Fatal(err)
		}
		p := w.Steps[0].Actions[0].Mappings[1].Parameter
		out, err := w.Edit().SetParameterValue(p, v).SetWorkFlowID(v).Bytes()
		if err != nil {
			return // invalid XML characters or UTF-8 are refused
		}
		w2, _ := Parse("seed.xml", out)
		if w2.WorkFlowID != v || w2.Steps[0].Actions[0].Mappings[1].Parameter.Value != v {
			t.Fatalf("%q read back as %q / %q", v, w2.WorkFlowID, w2.Steps[0].Actions[0].Mappings[1].Parameter.Value)
		}
	})
}
