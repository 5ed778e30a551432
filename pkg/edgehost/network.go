package edgehost

import (
	"github.com/valet-dev/valet/pkg/engine"
)

// LabelNetwork says which of an app's networks a network is: "private" or
// "public" (AppNetworks).
const LabelNetwork = "dev.valet.network"

// AppNetworks are a deployed app's own networks on its host; no network
// is shared between apps, so one app's containers cannot reach another's.
//
//   - private is internal, and the host has no address on it
//     (engine.NoHostAddress): its containers reach one another and
//     nothing else, whatever the host's firewall. Every container of the
//     app's Durable Objects runs there, and the edge joins it to reach
//     them, on one bridge (nothing forwarded between bridges, so a host
//     whose FORWARD policy is DROP still passes it).
//   - public is a plain bridge: the edge's own (it publishes the app's
//     port and is the worker's route out), joined by the containers
//     started with enableInternet, for theirs.
//
// An existing network of either name is used only if it is what these
// specs say (engine.EnsureNetworkSpec checks it).
func AppNetworks(app string) (private, public engine.NetworkSpec) {
	base := "valet-" + engine.SafeName(app)
	labels := func(kind string) map[string]string {
		return map[string]string{engine.LabelApp: app, LabelNetwork: kind}
	}
	return engine.NetworkSpec{Name: base + "-private", Internal: true, Labels: labels("private"), Options: engine.NoHostAddress},
		engine.NetworkSpec{Name: base + "-public", Labels: labels("public")}
}
