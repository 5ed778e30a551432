// prog is the static program pkg/image's tests put in FROM scratch images:
// `prog fail` prints two lines and exits 3 (a failing RUN step); otherwise it
// prints its arguments and the BUILD_NAME variable.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "fail" {
		fmt.Println("checking the build")
		fmt.Fprintln(os.Stderr, "selftest: missing /config.json")
		os.Exit(3)
	}
	fmt.Printf("prog %s BUILD_NAME=%s\n", strings.Join(os.Args[1:], " "), os.Getenv("BUILD_NAME"))
}
