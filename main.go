// Command valet deploys an app made of a frontend, an edge worker, Durable
// Objects and their containers, locally with `valet dev` or to any host with a
// Docker Engine with `valet deploy`.
package main

import (
	"os"

	"github.com/valet-dev/valet/cmd"
)

func main() {
	cmd.Execute(os.Args[1:], os.Exit)
}
