// Command wfe is wfe with one extra action, ClassifySubjectAction. It is
// the whole of what a company needs to ship its own actions: a module that
// imports wfe and calls wfecmd.Main with its registrations.
package main

import (
	"github.com/wfehq/wfe/cmd/wfecmd"

	"example.com/customaction/classify"
)

func main() { wfecmd.Main(classify.Register) }
