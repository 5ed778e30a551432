//go:build !linux

package edge

// portOwner is only implemented on Linux.
func portOwner(int) (int, string) { return 0, "" }
