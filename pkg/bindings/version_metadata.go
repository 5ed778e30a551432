package bindings

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// versionMetadata is `version_metadata`: the version's id, tag and
// timestamp, as JSON. wrangler dev makes up an id and takes the start time
// for each start; valet does so too unless the caller knows the version (a
// host does).
var versionMetadata = &Kind{
	Name:  "version metadata",
	Order: 27,
	List: func(c *config.Config, _ []string) []Binding {
		if c.VersionMetadata == nil {
			return nil
		}
		return []Binding{{Name: c.VersionMetadata.Binding}}
	},
	Workerd: func(b Binding, ctx Context) (workerd.Binding, error) {
		id, at := ctx.VersionID, ctx.VersionTime
		if id == "" {
			id = newUUID()
		}
		if at.IsZero() {
			at = time.Now()
		}
		j, err := json.Marshal(struct {
			ID        string `json:"id"`
			Tag       string `json:"tag"`
			Timestamp string `json:"timestamp"`
		}{id, "", at.UTC().Format("2006-01-02T15:04:05.000Z")})
		if err != nil {
			return workerd.Binding{}, err
		}
		return workerd.Binding{Name: b.Name, Member: "json", Value: workerd.Quote(string(j))}, nil
	},
	Type: func(Binding, TypeContext) (string, error) { return "WorkerVersionMetadata", nil },
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}
