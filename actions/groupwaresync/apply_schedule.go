package groupwaresync

import (
	"sync"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
)

// runOperations carries out a plan's operations in its order with one,
// up to inFlight creates in the groupware and updates at once (never two
// of one record; every other operation runs alone), and hands each
// outcome to done.
func runOperations(ops []plan.Operation, inFlight int, one func(plan.Operation) error, done func(plan.Operation, error)) {
	sem := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	busy := map[string]bool{} // CRM ids written since the last wait
	for _, op := range ops {
		parallel := op.Kind == plan.CreateInGroupware || op.Kind == plan.Update
		if !parallel || busy[op.CRMID] {
			wg.Wait()
			clear(busy)
		}
		if !parallel {
			done(op, one(op))
			continue
		}
		busy[op.CRMID] = true
		sem <- struct{}{}
		wg.Add(1)
		go func(op plan.Operation) {
			defer wg.Done()
			done(op, one(op))
			<-sem
		}(op)
	}
	wg.Wait()
}
