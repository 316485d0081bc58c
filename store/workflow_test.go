package store_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/wfehq/wfe/schema"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
	"github.com/wfehq/wfe/workflows"
)

// structural validation: the document parses; id and description.
func parseOnly(name string, data []byte) (store.WorkflowMeta, error) {
	w, err := schema.Parse(name, data)
	if err != nil {
		return store.WorkflowMeta{}, err
	}
	return store.WorkflowMeta{ID: w.WorkFlowID, Description: w.Description}, nil
}

func shipped() []store.WorkflowFile {
	var out []store.WorkflowFile
	for _, f := range workflows.Files() {
		out = append(out, store.WorkflowFile{Name: f.Name, Data: f.Data})
	}
	return out
}

func importMailsXML(t *testing.T) []byte {
	for _, f := range workflows.Files() {
		if f.Name == "ImportMails.xml" {
			return f.Data
		}
	}
	t.Fatal("ImportMails.xml not shipped")
	return nil
}

// The CRM documentation's customisation procedure: export the standard workflow, change
// a value and the WorkFlowID, import as new, deactivate the standard one.
func TestCustomisationProcedure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		warns, err := s.InstallSystemWorkflows(ctx, shipped(), parseOnly)
		if err != nil || len(warns) != 0 {
			t.Fatalf("install: %v %v", warns, err)
		}
		std, err := s.GetWorkflow(ctx, "ImportMails")
		if err != nil {
			t.Fatal(err)
		}
		if !std.Standard || !std.Active || std.Version != 1 {
			t.Fatalf("standard workflow: %+v", std)
		}
		exported, err := s.ExportWorkflow(ctx, "ImportMails")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(exported, importMailsXML(t)) {
			t.Fatal("export is not the shipped bytes")
		}
		// edit as an admin would with a text editor
		w, err := schema.Parse("ImportMails.xml", exported)
		if err != nil {
			t.Fatal(err)
		}
		var p *schema.Parameter
		for _, m := range w.Steps[0].Actions[0].Mappings {
			if m.Parameter.Name == "MailConfigMatchCode" {
				p = m.Parameter
			}
		}
		edited, err := w.Edit().SetWorkFlowID("ImportMailsSupport").SetParameterValue(p, "456").Bytes()
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.ImportWorkflows(ctx, []store.WorkflowFile{{Name: "ImportMailsSupport.xml", Data: edited}}, parseOnly, store.ImportOptions{Activate: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 || res[0].Outcome != store.ImportCreated || res[0].DerivedFrom != "ImportMails" {
			t.Fatalf("import result: %+v", res)
		}
		if err := s.SetWorkflowActive(ctx, "ImportMails", false); err != nil {
			t.Fatal(err)
		}
		cp, err := s.GetWorkflow(ctx, "ImportMailsSupport")
		if err != nil {
			t.Fatal(err)
		}
		if cp.Standard || !cp.Active || cp.DerivedFrom != "ImportMails" || cp.DerivedFromVersion != 1 {
			t.Fatalf("copy: %+v", cp)
		}
		if std, _ := s.GetWorkflow(ctx, "ImportMails"); std.Active {
			t.Fatal("standard workflow still active")
		}
		// the exported copy differs from the original only in the changed bytes
		out, err := s.ExportWorkflow(ctx, "ImportMailsSupport")
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Replace(string(exported), `WorkFlowID="ImportMails"`, `WorkFlowID="ImportMailsSupport"`, 1)
		want = strings.Replace(want, `Value="123"`, `Value="456"`, 1)
		if string(out) != want {
			t.Fatalf("exported copy differs beyond the edits:\n%s", out)
		}
		// a release updating the standard workflow warns about the copy
		newer := bytes.Replace(exported, []byte("Importiert mails."), []byte("Importiert Mails."), 1)
		warns, err = s.InstallSystemWorkflows(ctx, []store.WorkflowFile{{Name: "ImportMails.xml", Data: newer}}, parseOnly)
		if err != nil {
			t.Fatal(err)
		}
		if len(warns) != 1 || !strings.Contains(warns[0], "ImportMailsSupport") {
			t.Fatalf("warnings: %v", warns)
		}
		if std, _ := s.GetWorkflow(ctx, "ImportMails"); std.Version != 2 || !std.Standard || std.Active {
			t.Fatalf("updated standard: version %d standard %v active %v", std.Version, std.Standard, std.Active)
		}
	})
}

func TestImportVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		orig := bytes.Replace(importMailsXML(t), []byte(`WorkFlowID="ImportMails"`), []byte(`WorkFlowID="Mine"`), 1)
		files := []store.WorkflowFile{{Name: "Mine.xml", Data: orig}}
		if _, err := s.ImportWorkflows(ctx, files, parseOnly, store.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		d, _ := s.GetWorkflow(ctx, "Mine")
		if d.Active || d.Standard || d.Version != 1 {
			t.Fatalf("new import: %+v", d)
		}
		res, err := s.ImportWorkflows(ctx, files, parseOnly, store.ImportOptions{})
		if err != nil || res[0].Outcome != store.ImportUnchanged || res[0].Version != 1 {
			t.Fatalf("unchanged re-import: %+v %v", res, err)
		}
		d2, _ := s.GetWorkflow(ctx, "Mine")
		if !d2.UpdatedAt.Equal(d.UpdatedAt) {
			t.Fatal("unchanged re-import touched the row")
		}
		changed := bytes.Replace(orig, []byte("S_ACTSTATUS"), []byte("S_ACTSTATUS"), 1)
		changed = bytes.Replace(changed, []byte(`Value="123"`), []byte(`Value="789"`), 1)
		res, err = s.ImportWorkflows(ctx, []store.WorkflowFile{{Name: "Mine.xml", Data: changed}}, parseOnly, store.ImportOptions{})
		if err != nil || res[0].Outcome != store.ImportUpdated || res[0].Version != 2 {
			t.Fatalf("changed re-import: %+v %v", res, err)
		}
		got, _ := s.ExportWorkflow(ctx, "Mine")
		if !bytes.Equal(got, changed) {
			t.Fatal("export after update is not the imported bytes")
		}
	})
}

func TestImportInvalidBatchStoresNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		good := bytes.Replace(importMailsXML(t), []byte(`WorkFlowID="ImportMails"`), []byte(`WorkFlowID="Good"`), 1)
		files := []store.WorkflowFile{
			{Name: "good.xml", Data: good},
			{Name: "broken.xml", Data: []byte("<WorkFlowMapping WorkFlowID=\"B\"><Step No=\"x\">")},
			{Name: "empty.xml", Data: []byte("")},
		}
		_, err := s.ImportWorkflows(ctx, files, parseOnly, store.ImportOptions{})
		var ie *store.WorkflowImportError
		if !errors.As(err, &ie) || len(ie.Files) != 2 {
			t.Fatalf("error: %v", err)
		}
		if !strings.Contains(err.Error(), "broken.xml") || !strings.Contains(err.Error(), "empty.xml") {
			t.Fatalf("error does not name every bad file: %v", err)
		}
		defs, err := s.ListWorkflows(ctx)
		if err != nil || len(defs) != 0 {
			t.Fatalf("stored %d definitions, want none (%v)", len(defs), err)
		}
	})
}

func TestStandardWorkflowNotOverwrittenByImport(t *testing.T) {
	s := storetest.Open(t)
	if _, err := s.InstallSystemWorkflows(ctx, shipped(), parseOnly); err != nil {
		t.Fatal(err)
	}
	changed := bytes.Replace(importMailsXML(t), []byte(`Value="123"`), []byte(`Value="456"`), 1)
	_, err := s.ImportWorkflows(ctx, []store.WorkflowFile{{Name: "ImportMails.xml", Data: changed}}, parseOnly, store.ImportOptions{})
	if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "new WorkFlowID") {
		t.Fatalf("changed standard import: %v", err)
	}
	// re-installing the same release is a no-op
	if warns, err := s.InstallSystemWorkflows(ctx, shipped(), parseOnly); err != nil || len(warns) != 0 {
		t.Fatalf("re-install: %v %v", warns, err)
	}
	if d, _ := s.GetWorkflow(ctx, "ImportMails"); d.Version != 1 {
		t.Fatalf("version %d after re-install", d.Version)
	}
}

func TestDuplicateWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if _, err := s.InstallSystemWorkflows(ctx, shipped(), parseOnly); err != nil {
			t.Fatal(err)
		}
		d, err := s.DuplicateWorkflow(ctx, "ImportMails", "ImportMailsInfo", "Import info@ mails", parseOnly)
		if err != nil {
			t.Fatal(err)
		}
		if d.Standard || !d.Active || d.DerivedFrom != "ImportMails" || d.DerivedFromVersion != 1 || d.Description != "Import info@ mails" {
			t.Fatalf("duplicate: %+v", d)
		}
		want := strings.Replace(string(importMailsXML(t)), `WorkFlowID="ImportMails" Description="Import mails"`,
			`WorkFlowID="ImportMailsInfo" Description="Import info@ mails"`, 1)
		if string(d.Data) != want {
			t.Fatalf("duplicate bytes:\n%s", d.Data)
		}
		if _, err := s.DuplicateWorkflow(ctx, "ImportMails", "ImportMailsInfo", "", parseOnly); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate onto existing id: %v", err)
		}
		if _, err := s.DuplicateWorkflow(ctx, "Nope", "X", "", parseOnly); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("duplicate of unknown: %v", err)
		}
	})
}

func TestConcurrentSystemInstall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				warns, err := s.InstallSystemWorkflows(ctx, shipped(), parseOnly)
				if err == nil && len(warns) > 0 {
					err = errors.New(strings.Join(warns, "; "))
				}
				errs <- err
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Fatalf("concurrent install: %v", err)
			}
		}
		defs, err := s.ListWorkflows(ctx)
		if err != nil || len(defs) != len(shipped()) {
			t.Fatalf("%d definitions (%v)", len(defs), err)
		}
	})
}
