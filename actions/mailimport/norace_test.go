//go:build !race

package mailimport_test

const raceEnabled = false
