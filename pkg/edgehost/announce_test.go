package edgehost

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDefaultGateway(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "route")
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A container on a bridge whose gateway is 172.18.0.1.
	table := "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
		"eth0\t00000000\t010012AC\t0003\t0\t0\t0\t00000000\t0\t0\t0\n" +
		"eth0\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
	if gw := defaultGateway(write(table)); gw.String() != "172.18.0.1" {
		t.Errorf("gateway = %v, want 172.18.0.1", gw)
	}
	// An internal network: no default route.
	if gw := defaultGateway(write("Iface\tDestination\tGateway\n" + "eth0\t000012AC\t00000000\t0001\n")); gw != nil {
		t.Errorf("gateway = %v, want none", gw)
	}
	if gw := defaultGateway(filepath.Join(dir, "missing")); gw != nil {
		t.Errorf("gateway = %v without a table", gw)
	}
}
