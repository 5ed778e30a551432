// Command genschema writes the JSON Schema of valet.jsonc; it is run by
// go generate ./pkg/config.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/valet-dev/valet/pkg/config"
)

func main() {
	out := flag.String("o", "valet.schema.json", "file to write")
	flag.Parse()
	b, err := config.GenerateSchema()
	if err == nil {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genschema:", err)
		os.Exit(1)
	}
}
