package schema

import (
	"fmt"
	"strings"
	"testing"
)

// bigWorkflow returns a valid document with n chained steps.
func bigWorkflow(n int) []byte {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<WorkFlowMapping WorkFlowID=\"Big\">\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `<Step No="%d"><Event Name="E%d"><EventToContextMap/></Event><Actions><Action Name="LogAction"><ContextToActionMap>`+
			`<ValueMapping Name="Message"><Parameter Name="Message" DataType="java.lang.String" Value="%s %d"/></ValueMapping>`+
			`</ContextToActionMap></Action></Actions><FollowingSteps><No>%d</No></FollowingSteps></Step>`+"\n", i, i, "m\xfcller", i, i+1)
	}
	b.WriteString("</WorkFlowMapping>\n")
	return []byte(b.String())
}

func BenchmarkParseSeed(b *testing.B) {
	data := readBench(b, seedPath)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("seed.xml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseSize shows that parse time grows linearly with the size of
// the document (compare ns/op across sizes; MB/s stays flat).
func BenchmarkParseSize(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		data := bigWorkflow(n)
		b.Run(fmt.Sprintf("steps=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Parse("big.xml", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEditSeed(b *testing.B) {
	w, err := Parse("seed.xml", readBench(b, seedPath))
	if err != nil {
		b.Fatal(err)
	}
	p := w.Steps[0].Actions[0].Mappings[1].Parameter
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Edit().SetWorkFlowID("Copy").SetParameterValue(p, "456").Bytes(); err != nil {
			b.Fatal(err)
		}
	}
}

func readBench(b *testing.B, path string) []byte {
	data, err := readTestFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func TestBigWorkflowParses(t *testing.T) {
	w, err := Parse("big.xml", bigWorkflow(50))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Steps) != 50 || w.Steps[49].Actions[0].Mappings[0].Parameter.Value != "müller 50" {
		t.Fatalf("%d steps", len(w.Steps))
	}
}

func TestDiagnosticPath(t *testing.T) {
	path := "../testdata/workflows/broken/schema-unknown-element.xml"
	_, err := Parse(path, readFile(t, path))
	ds := err.(Diagnostics)
	want := []string{
		"WorkFlowMapping/Step[1]/Actions/Acton",
		"WorkFlowMapping/Step[1]/Actions/Action[1]/ContextToActionMap/ValueMaping",
		"WorkFlowMapping/Step[1]/Sonstiges",
	}
	if len(ds) != len(want) {
		t.Fatalf("%v", ds)
	}
	for i, d := range ds {
		if d.Path != want[i] || d.Code != CodeUnknownElement {
			t.Errorf("diagnostic %d: path %q code %q, want %q", i, d.Path, d.Code, want[i])
		}
	}
}
