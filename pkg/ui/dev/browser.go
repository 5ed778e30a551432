package dev

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// OpenBrowser opens url in the user's browser: $BROWSER when set, else the
// desktop's opener. It does not wait for the browser.
func OpenBrowser(url string) error {
	var cmd *exec.Cmd
	switch b := os.Getenv("BROWSER"); {
	case b != "":
		f := strings.Fields(b)
		cmd = exec.Command(f[0], append(f[1:], url)...)
	case runtime.GOOS == "darwin":
		cmd = exec.Command("open", url)
	case runtime.GOOS == "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open %s in a browser: %w (set $BROWSER to the command of your browser)", url, err)
	}
	go cmd.Wait() // reap it; its exit status says nothing about the page
	return nil
}
