package deploy

import "github.com/moby/moby/client"

func clientVolumeInspect() client.VolumeInspectOptions { return client.VolumeInspectOptions{} }
