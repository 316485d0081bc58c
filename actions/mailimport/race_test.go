//go:build race

package mailimport_test

// raceEnabled: the race detector changes allocation figures.
const raceEnabled = true
