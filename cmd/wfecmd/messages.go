package wfecmd

// userMessage is the text of err as the command line prints it.
func userMessage(err error) string { return err.Error() }
