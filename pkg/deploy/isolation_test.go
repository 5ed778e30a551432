package deploy

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

// endpoint is one container's address on one network.
type endpoint struct {
	container, network, ip string
}

// endpoints lists the addresses of the app's containers of role.
func endpoints(t *testing.T, ctx context.Context, e *engine.Engine, app, role string) []endpoint {
	t.Helper()
	list, err := e.ListByLabels(ctx, map[string]string{engine.LabelApp: app, LabelRole: role})
	if err != nil {
		t.Fatal(err)
	}
	var out []endpoint
	for _, c := range list {
		if !c.Running() {
			continue
		}
		ins, err := e.Client().ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for name, ep := range ins.Container.NetworkSettings.Networks {
			if ep != nil && ep.IPAddress.IsValid() {
				out = append(out, endpoint{container: c.Name, network: name, ip: ep.IPAddress.String()})
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no running %s container of %s", role, app)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].network+out[i].ip < out[j].network+out[j].ip })
	return out
}

// TestAppsIsolated deploys two apps, each with a Durable Object whose
// container can dial an address (testdata/durable/server), to one engine:
// the first starts it with enableInternet: false, the second with true.
// Each app's containers run on its own internal network, which its edge
// joins (the second's also on the app's public network, for its route
// out); no network holds two apps. From a container of one app, its own
// edge answers on the network they share, while no address of the other
// app's container or edge does.
func TestAppsIsolated(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	apps := []*project{newDurableProject(t), newDurableProject(t)}
	internet := apps[1]
	w, err := os.ReadFile(filepath.Join(internet.dir, "worker", "index.js"))
	if err != nil {
		t.Fatal(err)
	}
	internet.write("worker/index.js", strings.Replace(string(w), "enableInternet: false", "enableInternet: true", 1))
	for _, p := range apps {
		newDeployer(t, p, e.Host()).mustDeploy(ctx) // its check starts the object's container
	}
	dial := func(from *project, ep endpoint) string {
		t.Helper()
		return request(t, "GET", from.url("/api/dial/"+net.JoinHostPort(ep.ip, "8080")))
	}
	networksOf := map[string]map[string]bool{} // network → apps on it
	for i, p := range apps {
		other := apps[1-i]
		private, public := edgehost.AppNetworks(p.name)
		otherPrivate, otherPublic := edgehost.AppNetworks(other.name)
		boxes := endpoints(t, ctx, e, p.name, edgehost.RoleDurable)
		edges := endpoints(t, ctx, e, p.name, "edge")
		for _, ep := range append(boxes, edges...) {
			if networksOf[ep.network] == nil {
				networksOf[ep.network] = map[string]bool{}
			}
			networksOf[ep.network][p.name] = true
		}
		var on []string
		for _, ep := range boxes {
			on = append(on, ep.network)
		}
		want := []string{private.Name}
		if p == internet {
			want = []string{private.Name, public.Name}
		}
		if strings.Join(on, ",") != strings.Join(want, ",") {
			t.Errorf("%s's container is on networks %v, want %v", p.name, on, want)
		}
		// The dial works, and the edge→container path is one bridge.
		reached := false
		for _, ep := range edges {
			got := dial(p, ep)
			t.Logf("%s's container → its edge on %s (%s): %s", p.name, ep.network, ep.ip, got)
			if ep.network == private.Name {
				reached = strings.Contains(got, "connected")
			}
		}
		if !reached {
			t.Fatalf("%s's container does not reach its own edge on %s", p.name, private.Name)
		}
		// Nothing of the other app answers. The one exception: a
		// container with internet access reaches the other edge's public
		// side, the app's published port, as it reaches any public
		// address (on an engine that runs without iptables, as the test
		// engines do, the host routes it there; Docker's own isolation
		// stops it elsewhere).
		for _, ep := range append(endpoints(t, ctx, e, other.name, edgehost.RoleDurable), endpoints(t, ctx, e, other.name, "edge")...) {
			if p == internet && ep.network == otherPublic.Name && strings.Contains(ep.container, "-edge-") {
				continue
			}
			if ep.network != otherPrivate.Name && ep.network != otherPublic.Name {
				t.Errorf("%s of %s is on network %s, not one of its app's", ep.container, other.name, ep.network)
			}
			got := dial(p, ep)
			t.Logf("%s's container → %s's %s on %s (%s): %s", p.name, other.name, ep.container, ep.network, ep.ip, got)
			if !strings.Contains(got, "failed") {
				t.Errorf("%s's container reached %s of app %s at %s on network %s: %s", p.name, ep.container, other.name, ep.ip, ep.network, got)
			}
		}
	}
	for n, on := range networksOf {
		if len(on) > 1 {
			t.Errorf("network %s holds containers of %d apps: %v", n, len(on), on)
		}
	}
}

// TestReusedNetworkChecked deploys apps whose network names are already
// taken on the engine, by networks valet did not make so (not internal,
// no labels, another app's label): each deploy is refused before anything
// is sent or started, saying which network, what is wrong with it and how
// to fix it; once the network is removed, the deploy creates it right.
func TestReusedNetworkChecked(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cli := e.Client()
	for _, tc := range []struct {
		what    string
		private bool // take the app's private network's name, else the public one's
		opts    func(app string) client.NetworkCreateOptions
		want    []string
	}{
		{"a plain bridge named like the private network", true,
			func(string) client.NetworkCreateOptions { return client.NetworkCreateOptions{Driver: "bridge"} },
			[]string{"is not internal", "lacks the label dev.valet.managed=true", "lacks the label dev.valet.app="}},
		{"another app's public network", false,
			func(app string) client.NetworkCreateOptions {
				_, pub := edgehost.AppNetworks("someone-else")
				pub.Labels[engine.LabelManaged] = "true"
				return client.NetworkCreateOptions{Driver: "bridge", Labels: pub.Labels}
			},
			[]string{`its label dev.valet.app is "someone-else"`}},
	} {
		t.Run(tc.what, func(t *testing.T) {
			p := newDurableProject(t)
			d := newDeployer(t, p, e.Host())
			private, public := edgehost.AppNetworks(p.name)
			name := public.Name
			if tc.private {
				name = private.Name
			}
			created, err := cli.NetworkCreate(ctx, name, tc.opts(p.name))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _, _ = cli.NetworkRemove(context.Background(), created.ID, client.NetworkRemoveOptions{}) })
			_, err = d.deploy(ctx)
			var me *engine.NetworkMismatchError
			if !errors.As(err, &me) {
				t.Fatalf("deploy with %s: %v", tc.what, err)
			}
			t.Logf("refused: %v", err)
			for _, want := range append(tc.want, name, "docker network rm "+name) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the refusal does not say %q", want)
				}
			}
			if list, _ := e.ListByLabels(ctx, map[string]string{engine.LabelApp: p.name}); len(list) != 0 {
				t.Errorf("containers started on a network valet does not trust: %+v", list)
			}
			if _, err := cli.NetworkRemove(ctx, created.ID, client.NetworkRemoveOptions{}); err != nil {
				t.Fatal(err)
			}
			d.mustDeploy(ctx)
			for _, spec := range []engine.NetworkSpec{private, public} {
				n, err := cli.NetworkInspect(ctx, spec.Name, client.NetworkInspectOptions{})
				if err != nil || n.Network.Internal != spec.Internal || n.Network.Labels[engine.LabelApp] != p.name {
					t.Errorf("network %s after the deploy: %+v %v", spec.Name, n.Network, err)
				}
			}
			if got := request(t, "POST", p.url("/api/a")); !strings.HasPrefix(got, "v1 1 hello v1-none POST /api/a") {
				t.Fatalf("the app on its own networks: %q", got)
			}
			res, err := Destroy(ctx, d.conn, nil)
			if err != nil || res.Networks != 2 {
				t.Fatalf("destroy: %+v %v", res, err)
			}
		})
	}
}
