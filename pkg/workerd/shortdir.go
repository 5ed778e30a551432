package workerd

import (
	"fmt"
	"os"
)

// ShortDir makes a private directory with a short path for unix sockets,
// whose paths are limited to about 100 bytes: a project path can be longer.
func ShortDir(prefix string) (string, error) {
	d, err := os.MkdirTemp("", "valet-"+prefix+"-")
	if err != nil {
		return "", fmt.Errorf("socket directory: %w", err)
	}
	return d, nil
}
