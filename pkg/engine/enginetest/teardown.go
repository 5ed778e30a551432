package enginetest

import (
	"context"
	"os/exec"
	"time"

	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/engine"
)

// emptyDaemon removes every container and network of a private engine before
// it stops, and returns the bridge links its networks had. dockerd keeps a
// user-defined network's bridge across a stop (it restores it at the next
// start from its data root), so a private engine whose data root is then
// deleted would leave its bridges in the host's network namespace; once
// they hold all of Docker's default address pools, no engine on the machine
// can create a network any more.
func emptyDaemon(host string) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e, err := engine.Connect(ctx, engine.Options{Host: host, PingTimeout: 3 * time.Second})
	if err != nil {
		return nil
	}
	defer e.Close()
	cli := e.Client()
	if cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true}); err == nil {
		for _, c := range cs.Items {
			_ = e.Remove(ctx, c.ID)
		}
	}
	var links []string
	if ns, err := cli.NetworkList(ctx, client.NetworkListOptions{}); err == nil {
		for _, n := range ns.Items {
			switch n.Name {
			case "bridge", "host", "none":
				continue
			}
			if n.Driver == "bridge" && len(n.ID) >= 12 {
				links = append(links, "br-"+n.ID[:12])
			}
			_, _ = cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{})
		}
	}
	return links
}

// deleteLinks removes bridge links a stopped engine left behind.
func deleteLinks(links []string) {
	for _, l := range links {
		if exec.Command("ip", "link", "show", l).Run() == nil {
			_ = exec.Command("ip", "link", "delete", l).Run()
		}
	}
}
