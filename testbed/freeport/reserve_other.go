//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package freeport

// reserve has no cross-process lock here; the bind probe alone decides.
func reserve(int) bool { return true }
