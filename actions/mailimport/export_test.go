package mailimport

// SetMaxImportedListed changes how many imported mails a Result lists
// until the returned function restores it.
func SetMaxImportedListed(n int) (restore func()) {
	old := maxImportedListed
	maxImportedListed = n
	return func() { maxImportedListed = old }
}
