// Package portability holds the test that keeps nexo building, with its
// tests, on the systems Go developers work on, not only on the Linux
// servers it is measured on.
package portability
