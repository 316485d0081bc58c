// Package examples holds the test that builds the example modules under
// this directory (each is a module of its own, as a company's extension of
// wfe would be) from a copy outside the repository.
package examples
