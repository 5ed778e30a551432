//go:build !unix

package edgehost

// lockFile is a no-op where flock does not exist: the edge only runs in a
// Linux container; this keeps the valet binary building elsewhere.
func lockFile(string) (func(), error) { return func() {}, nil }
