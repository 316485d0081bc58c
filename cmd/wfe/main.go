// Command wfe is the workflow-engine runtime's command line. Everything it
// does lives in package wfecmd, so a company's own binary with extra actions
// is the same few lines with wfecmd.Main(register...).
package main

import "github.com/wfehq/wfe/cmd/wfecmd"

func main() { wfecmd.Main() }
