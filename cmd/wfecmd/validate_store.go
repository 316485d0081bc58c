package wfecmd

import (
	"errors"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/schema"
	"github.com/wfehq/wfe/store"
)

// storeValidator checks a workflow document with compileDefinition and
// then compiles it once more against the registry wired to st, so that
// actions can check literals against the database at import time (e.g.
// ImportMailsByBCCAction refuses a SearchPk that names no stored
// ExtendedSearch). Only those literal diagnostics are added by the second
// pass.
func (e *Env) storeValidator(st *store.Store) store.ValidateFunc {
	return func(name string, data []byte) (store.WorkflowMeta, error) {
		meta, err := e.compileDefinition(name, data)
		if err != nil {
			return meta, err
		}
		reg, err := e.runRegistry(Deps{Store: st})
		if err != nil {
			return meta, err
		}
		_, err = engine.CompileBytes(name, data, reg)
		var ds schema.Diagnostics
		if err == nil || !errors.As(err, &ds) {
			return meta, nil
		}
		var lits schema.Diagnostics
		for _, d := range ds {
			if d.Code == engine.CodeBadLiteral {
				lits = append(lits, d)
			}
		}
		if len(lits) > 0 {
			return meta, lits
		}
		return meta, nil
	}
}
