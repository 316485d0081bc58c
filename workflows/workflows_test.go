package workflows

import (
	"bytes"
	"os"
	"testing"

	"github.com/wfehq/wfe/schema"
)

func TestImportMailsIsTheSeedExample(t *testing.T) {
	want, err := os.ReadFile("../testdata/workflows/ImportMails.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Files() {
		if f.Name == "ImportMails.xml" {
			if !bytes.Equal(f.Data, want) {
				t.Fatal("workflows/ImportMails.xml differs from testdata/workflows/ImportMails.xml")
			}
			return
		}
	}
	t.Fatal("ImportMails.xml is not shipped")
}

func TestShippedWorkflowsParse(t *testing.T) {
	fs := Files()
	if len(fs) == 0 {
		t.Fatal("no shipped workflows")
	}
	ids := map[string]string{}
	for _, f := range fs {
		w, err := schema.Parse(f.Name, f.Data)
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		if prev, dup := ids[w.WorkFlowID]; dup {
			t.Errorf("%s: WorkFlowID %s also in %s", f.Name, w.WorkFlowID, prev)
		}
		ids[w.WorkFlowID] = f.Name
	}
}
