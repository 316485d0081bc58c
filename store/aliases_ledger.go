package store

import "github.com/wfehq/wfe/store/ledger"

// Import ledger and auto-reply records (store/ledger).
type (
	LedgerKey        = ledger.LedgerKey
	LedgerEntry      = ledger.LedgerEntry
	LedgerMatches    = ledger.LedgerMatches
	ImportItem       = ledger.ImportItem
	ImportItemResult = ledger.ImportItemResult
	AutoReply        = ledger.AutoReply
)

// Ledger outcomes.
const (
	OutcomeImported    = ledger.OutcomeImported
	OutcomeQuarantined = ledger.OutcomeQuarantined
	OutcomeDuplicate   = ledger.OutcomeDuplicate
)
